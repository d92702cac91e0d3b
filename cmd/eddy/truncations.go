package main

import (
	"fmt"
	"sort"
	"sync"

	"github.com/eddy-sql/eddy/cmd/eddy/discovery"
)

// truncations counts, per stream and column, the string values sources cut
// to their column's declared VARCHAR(n) length, for the summary at the end
// of eddy run. It is safe for concurrent use.
type truncations struct {
	mu sync.Mutex
	n  map[[2]string]int64 // stream, column
}

// counter returns the function sources.Env.Truncated takes for stream.
func (t *truncations) counter(stream string) func(column string) {
	return func(column string) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.n == nil {
			t.n = map[[2]string]int64{}
		}
		t.n[[2]string{stream, column}]++
	}
}

// lines returns one stderr line per stream and column that had values
// truncated, sorted.
func (t *truncations) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for k, n := range t.n {
		noun := "values were"
		if n == 1 {
			noun = "value was"
		}
		out = append(out, fmt.Sprintf("eddy: %s.%s: %d %s truncated to the column's declared length (strict_varchar = 'true' sends them to the error stream instead)",
			discovery.QuoteName(k[0]), discovery.QuoteName(k[1]), n, noun))
	}
	sort.Strings(out)
	return out
}
