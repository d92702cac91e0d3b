package discovery

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/planner"
	_ "github.com/eddy-sql/eddy/sources/file"
)

func TestCreateStream(t *testing.T) {
	t.Parallel()
	cols := []planner.Column{{Name: "ID", SQLType: "BIGINT"}, {Name: "name", SQLType: "VARCHAR(16)"}, {Name: `a"b`, SQLType: "DOUBLE"}}
	cases := []struct {
		name string
		opts map[string]string
		want string
	}{
		{name: "names quoted unless plain upper case, no options", want: "CREATE OR REPLACE STREAM S (\n    ID BIGINT,\n    \"name\" VARCHAR(16),\n    \"a\"\"b\" DOUBLE\n);\n"},
		{name: "options sorted and quoted", opts: map[string]string{"path": "it's.jsonl", "connector": "file"},
			want: "CREATE OR REPLACE STREAM S (\n    ID BIGINT,\n    \"name\" VARCHAR(16),\n    \"a\"\"b\" DOUBLE\n) WITH (connector = 'file', path = 'it''s.jsonl');\n"},
		{name: "secrets redacted with a comment", opts: map[string]string{"connector": "kafka", "sasl_password": "hunter2"},
			want: "-- secret options are shown as '***': put them back in\nCREATE OR REPLACE STREAM S (\n    ID BIGINT,\n    \"name\" VARCHAR(16),\n    \"a\"\"b\" DOUBLE\n) WITH (connector = 'kafka', sasl_password = '***');\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := CreateStream("S", cols, tc.opts); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestSchemaOfFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name   string
		path   string
		format map[string]string // what WithFileFormat adds
		cols   string
		notes  int
		err    string
	}{
		{name: "json lines", path: write("a.jsonl", `{"id": 1, "s": "x", "ok": true}`+"\n"+`{"id": 2, "s": "yy", "ok": false}`+"\n"),
			format: map[string]string{"format": "json"}, cols: "id BIGINT, s VARCHAR(16), ok BOOLEAN", notes: 1},
		{name: "csv with a header", path: write("b.csv", "SYMBOL,PRICE\nAMZN,1.5\n"),
			format: map[string]string{"format": "csv", "header": "true"}, cols: "SYMBOL VARCHAR(16), PRICE DOUBLE", notes: 1},
		{name: "tsv without a header", path: write("c.tsv", "1\t2.5\n3\t4\n"),
			format: map[string]string{"format": "csv", "delimiter": "\t"}, cols: "COL_1 BIGINT, COL_2 DOUBLE"},
		{name: "unknown extension needs a format", path: write("d.txt", "hello\n"), err: "d.txt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := WithFileFormat(map[string]string{"connector": "file", "path": tc.path})
			for k, v := range tc.format {
				if opts[k] != v {
					t.Errorf("option %s = %q, want %q", k, opts[k], v)
				}
			}
			schema, err := Schema(context.Background(), opts)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("no error, schema %v", schema)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := colsText(Columns(schema)); got != tc.cols {
				t.Errorf("columns %s, want %s", got, tc.cols)
			}
			if n := len(Notes(schema)); n != tc.notes {
				t.Errorf("%d notes %v, want %d", n, Notes(schema), tc.notes)
			}
		})
	}
	t.Run("unknown connector", func(t *testing.T) {
		t.Parallel()
		if _, err := Schema(context.Background(), map[string]string{"connector": "nope"}); err == nil || !strings.Contains(err.Error(), `unknown source connector "nope"`) {
			t.Errorf("err = %v", err)
		}
	})
}

func colsText(cols []planner.Column) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, c.Name+" "+c.SQLType)
	}
	return strings.Join(parts, ", ")
}
