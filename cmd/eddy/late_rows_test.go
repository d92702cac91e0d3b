package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// late_rows set in a binding applies to the windows over that input, and
// eddy run says at the end how many late rows it dropped or counted.
func TestLateRowsPolicyFromTheBinding(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	rows := `{"k":"a","ts":"2024-05-01T10:00:10Z"}
{"k":"a","ts":"2024-05-01T10:01:10Z"}
{"k":"a","ts":"2024-05-01T10:00:20Z"}
{"k":"a","ts":"2024-05-01T10:01:20Z"}
`
	if err := os.WriteFile(in, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(dir, "app.sql")
	sqlText := `CREATE STREAM src (k VARCHAR(4), ts TIMESTAMP);
CREATE STREAM counts (k VARCHAR(4), n BIGINT);
CREATE PUMP per_minute AS INSERT INTO counts SELECT STREAM k, COUNT(*) FROM src GROUP BY k, FLOOR(ROWTIME TO MINUTE);
`
	if err := os.WriteFile(app, []byte(sqlText), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		policy, want string
	}{
		{policy: "count", want: "PER_MINUTE: 1 late rows counted and left out (late_rows = count)"},
		{policy: "drop", want: "PER_MINUTE: 1 late rows dropped (late_rows = drop)"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := runApp([]string{app, "--format", "json",
				"--input", "SRC=file:" + in + "?format=json&rowtime=ts&batch_size=1&late_rows=" + tc.policy,
				"--output", "COUNTS=stdout"}, &out, &errb, nil)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("stderr lacks %q:\n%s", tc.want, errb.String())
			}
			if strings.Contains(errb.String(), "LATE") {
				t.Fatalf("late rows reached the error stream with late_rows = %s:\n%s", tc.policy, errb.String())
			}
			if got := strings.Count(out.String(), `"N":1`) + strings.Count(out.String(), `"N":2`); got != 2 || !strings.Contains(out.String(), `"N":1`) {
				t.Fatalf("want windows of 1 and 2 rows, got:\n%s", out.String())
			}
		})
	}
}
