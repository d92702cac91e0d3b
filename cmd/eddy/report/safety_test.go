package report

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
)

// TestReportNamesStayInTheirDirectories is the user's bug: a report named
// "../../x" wrote outside --out, and its .last file outside --state. A
// name that is not one safe file name is rejected.
func TestReportNamesStayInTheirDirectories(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ok   bool
	}{
		{"DAILY_SALES", true},
		{"Q1 report", true},
		{"ventes-été", true},
		{"../../x", false},
		{"a/b", false},
		{`a\b`, false},
		{"..", false},
		{".", false},
		{".hidden", false},
		{"", false},
		{"line\nbreak", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewReport(&planner.ReportDef{Name: tc.name, Every: 60000, Options: map[string]string{}})
			if tc.ok && err != nil {
				t.Errorf("rejected: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrReportName) {
				t.Errorf("err = %v, want ErrReportName", err)
			}
		})
	}
	t.Run("through SQL", func(t *testing.T) {
		t.Parallel()
		state := t.TempDir()
		s := planner.NewSession(planner.Config{Connectors: &testConnectors{alloc: memory.NewGoAllocator(), clock: time.Now}, StateDir: state})
		stmts, err := sql.Parse(&sql.Source{Name: "app.sql", Text: "CREATE STREAM ticks (sym VARCHAR(4)) WITH (retain = '1 day');\n" +
			`CREATE REPORT "../../x" EVERY INTERVAL '1' HOUR AS SELECT STREAM sym FROM ticks;`})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts {
			if _, err := s.Exec(context.Background(), st); err != nil {
				t.Fatal(err)
			}
		}
		if len(s.Reports()) != 1 {
			t.Fatalf("%d reports", len(s.Reports()))
		}
		for _, d := range s.Reports() {
			if _, err := NewReport(d); !errors.Is(err, ErrReportName) {
				t.Errorf("report %q: err = %v, want ErrReportName", d.Name, err)
			}
		}
	})
}

// TestMarkdownEscapesHTML: Markdown passes inline HTML through, so data
// and column names are escaped.
func TestMarkdownEscapesHTML(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "<script>col</script>", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	b := array.NewRecordBuilder(alloc, schema)
	b.Field(0).(*array.StringBuilder).Append(`<script>alert("x")</script> & <img src=x onerror=y>`)
	rec := b.NewRecordBatch()
	b.Release()
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	res := &Result{Title: "<b>T</b>", Schedule: "every hour", Scheduled: at, From: at.Add(-time.Hour), To: at, RunAt: at, Schema: schema, Batches: []arrow.RecordBatch{rec}}
	defer res.Release()
	doc, err := Render(res, Markdown)
	if err != nil {
		t.Fatal(err)
	}
	md := string(doc)
	if strings.Contains(md, "<") || strings.Contains(md, ">") {
		t.Errorf("raw HTML in the Markdown:\n%s", md)
	}
	for _, want := range []string{"# &lt;b&gt;T&lt;/b&gt;", "| &lt;script&gt;col&lt;/script&gt; |", "| &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x onerror=y&gt; |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestReportFilesArePrivate: reports and the .last state files are user
// data, readable by their owner only.
func TestReportFilesArePrivate(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	rep, err := NewReport(&planner.ReportDef{Name: "R", Every: 3600000, Options: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	out := filepath.Join(state, "out", "deeper")
	path, err := WriteFile(out, rep, at, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewScheduler(Config{StateDir: state}, nil, []*Report{rep}, "")
	s.record(rep, at)
	checkPrivate(t, state)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(state, "reports", "r.last")); err != nil {
		t.Fatal(err)
	}
}

// checkPrivate fails for anything under root (root excluded) that others
// than the owner may read.
func checkPrivate(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
