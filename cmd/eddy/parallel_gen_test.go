package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/sql"
)

// TestParallelGeneratorGivesIdenticalOutput runs Nexmark q1 (a
// projection) and q2 (a filter), both run on the generating workers, from
// the generator into a JSON file at parallelism 1, 2 and 8, and checks
// that the files are byte for byte the same: the generator delivers in
// event order and the file sink's encoders keep row order.
func TestParallelGeneratorGivesIdenticalOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query  string
		events int64
		batch  int
		staged bool // the query's projection or filter runs on the generating workers
		// notNull declares AUCTION NOT NULL: the source's guard reads its
		// columns, so q1's projection stays with the query.
		notNull bool
	}{
		{query: "q1", events: 60_000, staged: true},
		{query: "q1", events: 60_000, notNull: true},
		{query: "q2", events: 300_000, staged: true},
		{query: "q2", events: 100_000, batch: 777, staged: true},
	}
	for _, tc := range tests {
		name := tc.query
		if tc.notNull {
			name += " not null"
		}
		if tc.batch > 0 {
			name += fmt.Sprintf(" batch %d", tc.batch)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run1 := func(par int) []byte {
				text, err := nexmarkRun{query: tc.query, events: tc.events, batchSize: tc.batch, parallelism: par}.script()
				if err != nil {
					t.Fatal(err)
				}
				if tc.notNull {
					text = strings.Replace(text, "AUCTION BIGINT,", "AUCTION BIGINT NOT NULL,", 1)
					if !strings.Contains(text, "NOT NULL") {
						t.Fatalf("no column declared NOT NULL in:\n%s", text)
					}
				}
				out := filepath.Join(t.TempDir(), "out.jsonl")
				var stdout, stderr bytes.Buffer
				a := newApp(&stdout, &stderr, "json")
				name, opts, err := parseBinding("QUERY_1=file:"+out+"?format=json", false)
				if err != nil {
					t.Fatal(err)
				}
				a.bind(false, name, opts)
				ctx := context.Background()
				if err := a.execText(ctx, &sql.Source{Name: "app.sql", Text: text}, &stdout); err != nil {
					t.Fatal(err)
				}
				job, err := a.session.Build(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				staged := strings.Contains(job.Explain(), "(on every generating core)")
				if staged != (tc.staged && par > 1) {
					t.Fatalf("parallelism %d: stage on the generating workers: %v\n%s", par, staged, job.Explain())
				}
				if err := job.Run(ctx); err != nil {
					t.Fatalf("parallelism %d: %v: %s", par, err, stderr.String())
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			want := run1(1)
			if bytes.Count(want, []byte{'\n'}) < 100 {
				t.Fatalf("one core: %d bytes of output; the test checks nothing", len(want))
			}
			for _, par := range []int{2, 8} {
				if got := run1(par); !bytes.Equal(got, want) {
					t.Fatalf("parallelism %d: %d bytes (%d rows) differ from one core's %d bytes (%d rows)",
						par, len(got), bytes.Count(got, []byte{'\n'}), len(want), bytes.Count(want, []byte{'\n'}))
				}
			}
		})
	}
}
