package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// An input bound without a CREATE STREAM gets its columns by discovery; a
// discovered VARCHAR(n) then truncates longer values at run time and counts
// them, as a declared one does.
func TestDiscoveredVarcharTruncatesAndCounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var in strings.Builder
	for i := range 3000 {
		sym := "ab"
		if i == 2999 {
			sym = strings.Repeat("x", 100)
		}
		fmt.Fprintf(&in, `{"sym": %q, "n": %d}`+"\n", sym, i)
	}
	path := writeFile(t, dir, "in.jsonl", in.String())
	app := writeFile(t, dir, "app.sql", `SELECT STREAM "sym" FROM SRC WHERE "n" = 2999;`+"\n")
	var out, errb bytes.Buffer
	if code := run([]string{"run", app, "--format", "json", "--input", "SRC=file:" + path}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String(), strings.Repeat("x", 100)) || !strings.Contains(out.String(), `"sym":"x`) {
		t.Fatalf("the long value was not truncated: %s", out.String())
	}
	if !strings.Contains(errb.String(), "1 value was truncated") && !strings.Contains(errb.String(), "truncated to the column's declared length") {
		t.Fatalf("no truncation count on stderr: %s", errb.String())
	}
}
