package sql

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// examplesDir holds the KDA Developer Guide examples (not part of the repo).
const examplesDir = "/work/shared/kda/examples"

// exampleFailures are the examples Parse rejects, with the error expected.
// 13 is defective as one file (its second block has no closing semicolon,
// so the third runs into it; the third has a trailing comma).
var exampleFailures = map[string]string{
	"13": `30:1: syntax error at or near "SELECT"`,
}

func TestKDAExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Skipf("no KDA examples in %s", examplesDir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src := &Source{Name: name, Text: string(text)}
			stmts, err := Parse(src)
			if want, bad := exampleFailures[name[:2]]; bad {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Parse = %v, want *Error %s", err, want)
				}
				if got := strings.TrimPrefix(e.Error(), name+":"); got != want {
					t.Fatalf("Parse error = %s, want %s", got, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(stmts) == 0 {
				t.Fatal("no statements")
			}
			for _, s := range stmts {
				out := Format(s)
				again, err := Parse(&Source{Text: out})
				if err != nil {
					t.Fatalf("reparse of %s: %v", out, err)
				}
				if len(again) != 1 || Format(again[0]) != out {
					t.Fatalf("round trip changed %s", out)
				}
			}
		})
	}
}
