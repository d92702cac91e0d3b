package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	_ "github.com/eddy-sql/eddy/sinks/firehose"
)

// TestRunFileToFirehoseDirectory runs a KDA app from a file source to a
// firehose destination on a local directory and compares its objects with
// the expected rows.
func TestRunFileToFirehoseDirectory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   string
		object *regexp.Regexp
		want   string
	}{
		{name: "json objects under the default time prefix", opts: "&buffer_interval=60",
			object: regexp.MustCompile(`^out/\d{4}/\d{2}/\d{2}/\d{2}/DEST-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}$`),
			want:   "{\"SYM\":\"A\",\"DOUBLED\":3}\n{\"SYM\":\"A\",\"DOUBLED\":6}\n"},
		{name: "csv objects with a custom prefix and name", opts: "&format=csv&prefix=y=!{timestamp:yyyy}/&name=ticks",
			object: regexp.MustCompile(`^y=\d{4}/ticks-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}$`),
			want:   "A,3\nA,6\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := writeFile(t, dir, "ticks.jsonl", `{"sym":"A","price":1.5,"ts":"2024-05-01T10:00:00Z"}
{"sym":"B","price":"bad","ts":"2024-05-01T10:00:01Z"}
{"sym":"A","price":3,"ts":"2024-05-01T10:00:02Z"}
`)
			app := writeFile(t, dir, "app.sql", `
CREATE OR REPLACE STREAM "DEST" (sym VARCHAR(4), doubled DOUBLE);
CREATE OR REPLACE PUMP p AS INSERT INTO "DEST" SELECT STREAM sym, price * 2 FROM "SRC";`)
			decl := writeFile(t, dir, "src.sql", `CREATE STREAM "SRC" (sym VARCHAR(4), price DOUBLE, ts TIMESTAMP);`)
			// Objects land under dir/out/ (the default time prefix follows),
			// or under dir/custom/ with the prefix option.
			dest, root := "file://"+filepath.Join(dir, "out"), dir
			if strings.Contains(tc.opts, "prefix=") {
				root = filepath.Join(dir, "custom")
				dest = "file://" + root
			}
			var out, errb bytes.Buffer
			code := run([]string{"run", decl, app,
				"--input", "SRC=file:" + in + "?rowtime=ts",
				"--output", "DEST=firehose:?destination=" + dest + tc.opts}, nil, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var objects []string
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".jsonl") && !strings.HasSuffix(p, ".sql") {
					rel, _ := filepath.Rel(root, p)
					objects = append(objects, filepath.ToSlash(rel))
				}
				return nil
			})
			sort.Strings(objects)
			if len(objects) != 1 || !tc.object.MatchString(objects[0]) {
				t.Fatalf("objects %v, want one matching %s", objects, tc.object)
			}
			got, err := os.ReadFile(filepath.Join(root, objects[0]))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("object %q, want %q", got, tc.want)
			}
		})
	}
}
