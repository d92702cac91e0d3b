package file

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

func declared() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
}

// rejects collects bad records; safe for concurrent use.
type rejects struct {
	mu  sync.Mutex
	got []string
}

func (r *rejects) add(b sources.BadRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, filepath.Base(b.Origin)+":"+itoa(b.Offset)+":"+string(b.Data))
}

func (r *rejects) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func env(mem memory.Allocator, rj *rejects) sources.Env {
	return sources.Env{
		Stream: "S", Schema: sources.WithSystemColumns(declared()), Alloc: mem,
		Clock: time.Now, Reject: rj.add,
	}
}

// rowsOf renders a batch's declared columns as "ID|NAME" strings.
func rowsOf(rec arrow.RecordBatch) []string {
	var out []string
	for r := 0; r < int(rec.NumRows()); r++ {
		id, name := rec.Column(0).(*array.Int64), rec.Column(1).(*array.String)
		s := "NULL"
		if id.IsValid(r) {
			s = itoa(id.Value(r))
		}
		n := "NULL"
		if name.IsValid(r) {
			n = name.Value(r)
		}
		out = append(out, s+"|"+n)
	}
	return out
}

// readAll reads src to io.EOF and returns the rows and the batch count.
func readAll(t *testing.T, src sources.Source) ([]string, int) {
	t.Helper()
	var rows []string
	n := 0
	for {
		rec, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return rows, n
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rec.Schema().Fields(), src.Schema().Fields()) {
			t.Fatalf("batch schema %s", rec.Schema())
		}
		rows = append(rows, rowsOf(rec)...)
		n++
		rec.Release()
	}
}

func write(t *testing.T, path, data string, gz bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var w io.Writer = f
	if gz {
		zw := gzip.NewWriter(f)
		defer zw.Close()
		w = zw
	}
	if _, err := io.WriteString(w, data); err != nil {
		t.Fatal(err)
	}
}

func TestFileBounded(t *testing.T) {
	t.Parallel()
	jsonData := "{\"id\": 1, \"name\": \"a\"}\n\n{\"id\": \"x\"}\n{\"id\": 3}\nnot json\n{\"id\": 5, \"name\": \"e\"}"
	tests := []struct {
		name        string
		files       map[string]string // name → content
		gzip        []string          // files to gzip
		opts        map[string]string
		wantRows    []string
		wantRejects []string
		wantBatches int
	}{
		{
			name:        "plain json with bad lines",
			files:       map[string]string{"a.jsonl": jsonData},
			opts:        map[string]string{"path": "a.jsonl"},
			wantRows:    []string{"1|a", "3|NULL", "5|e"},
			wantRejects: []string{`a.jsonl:3:{"id": "x"}`, "a.jsonl:5:not json"},
			wantBatches: 1,
		},
		{
			name:        "gzip by extension",
			files:       map[string]string{"a.jsonl.gz": jsonData},
			gzip:        []string{"a.jsonl.gz"},
			opts:        map[string]string{"path": "a.jsonl.gz"},
			wantRows:    []string{"1|a", "3|NULL", "5|e"},
			wantRejects: []string{`a.jsonl.gz:3:{"id": "x"}`, "a.jsonl.gz:5:not json"},
			wantBatches: 1,
		},
		{
			name:        "gzip forced",
			files:       map[string]string{"a.data": "{\"id\": 9}\n"},
			gzip:        []string{"a.data"},
			opts:        map[string]string{"path": "a.data", "compression": "gzip"},
			wantRows:    []string{"9|NULL"},
			wantBatches: 1,
		},
		{
			name:        "glob in order with small batches",
			files:       map[string]string{"b.csv": "id,name\n3,c\n4,d\n", "a.csv": "id,name\n1,a\nz,q\n2,\"b\nb\"\n"},
			opts:        map[string]string{"path": "*.csv", "format": "csv", "header": "true", "batch_size": "2"},
			wantRows:    []string{"1|a", "2|b\nb", "3|c", "4|d"},
			wantRejects: []string{"a.csv:3:z,q"},
			wantBatches: 2,
		},
		{
			name:        "empty file",
			files:       map[string]string{"e.jsonl": ""},
			opts:        map[string]string{"path": "e.jsonl"},
			wantBatches: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, data := range tc.files {
				write(t, filepath.Join(dir, name), data, contains(tc.gzip, name))
			}
			opts := map[string]string{}
			for k, v := range tc.opts {
				opts[k] = v
			}
			opts["path"] = filepath.Join(dir, opts["path"])
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rj := &rejects{}
			src, err := New(env(mem, rj), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			rows, batches := readAll(t, src)
			if !reflect.DeepEqual(rows, tc.wantRows) {
				t.Errorf("rows = %q, want %q", rows, tc.wantRows)
			}
			if got := rj.list(); !reflect.DeepEqual(got, tc.wantRejects) {
				t.Errorf("rejects = %q, want %q", got, tc.wantRejects)
			}
			if batches != tc.wantBatches {
				t.Errorf("batches = %d, want %d", batches, tc.wantBatches)
			}
			if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
				t.Errorf("Next after the end = %v, want io.EOF", err)
			}
			if err := src.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestFileLargeStreams(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var sb strings.Builder
	const n = 50_000
	for i := 0; i < n; i++ {
		sb.WriteString(`{"id": 1, "name": "0123456789012345678901234567890123456789"}` + "\n")
	}
	path := filepath.Join(dir, "big.jsonl")
	write(t, path, sb.String(), false)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src, err := New(env(mem, &rejects{}), map[string]string{"path": path, "batch_size": "1000"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	total := 0
	for {
		rec, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.NumRows() > 1000 {
			t.Fatalf("batch of %d rows", rec.NumRows())
		}
		total += int(rec.NumRows())
		// Memory held by the source stays at about one batch.
		if held := mem.CurrentAlloc(); held > 8<<20 {
			t.Fatalf("%d bytes allocated while streaming", held)
		}
		rec.Release()
	}
	if total != n {
		t.Fatalf("rows = %d, want %d", total, n)
	}
}

func TestFileFollow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "tail.jsonl")
	write(t, path, "{\"id\": 1}\n{\"id\": 2", false) // the last line is not complete yet
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rj := &rejects{}
	src, err := New(env(mem, rj), map[string]string{
		"path": path, "follow": "true", "poll_interval": "5ms", "linger": "10ms",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var got []string
	want := func(n int) {
		t.Helper()
		for len(got) < n {
			rec, err := src.Next(ctx)
			if err != nil {
				t.Fatalf("Next: %v (rows so far %q)", err, got)
			}
			got = append(got, rowsOf(rec)...)
			rec.Release()
		}
	}
	want(1)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("2}\nbad\n{\"id\": 3}\n"); err != nil {
		t.Fatal(err)
	}
	want(3)
	if _, err := f.WriteString("{\"id\": 4}\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want(4)
	if !reflect.DeepEqual(got, []string{"1|NULL", "22|NULL", "3|NULL", "4|NULL"}) {
		t.Fatalf("rows = %q", got)
	}
	if r := rj.list(); !reflect.DeepEqual(r, []string{"tail.jsonl:3:bad"}) {
		t.Fatalf("rejects = %q", r)
	}

	// Idle: empty batches let time advance; cancelling stops Next.
	rec, err := src.Next(ctx)
	if err != nil || rec.NumRows() != 0 {
		t.Fatalf("idle Next = %v, %v", rec, err)
	}
	rec.Release()
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	if _, err := src.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel = %v", err)
	}

	// Truncation starts over.
	write(t, path, "{\"id\": 7}\n", false)
	for {
		rec, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows := rowsOf(rec)
		rec.Release()
		if len(rows) > 0 {
			if !reflect.DeepEqual(rows, []string{"7|NULL"}) {
				t.Fatalf("after truncation rows = %q", rows)
			}
			break
		}
	}
}

func TestFileOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.jsonl"), "{}\n", false)
	write(t, filepath.Join(dir, "a.jsonl.gz"), "{}\n", true)
	tests := []struct {
		name string
		opts map[string]string
	}{
		{"missing path option", map[string]string{}},
		{"no such file", map[string]string{"path": filepath.Join(dir, "nope.jsonl")}},
		{"glob matches nothing", map[string]string{"path": filepath.Join(dir, "*.csv")}},
		{"unknown option", map[string]string{"path": filepath.Join(dir, "a.jsonl"), "colour": "red"}},
		{"bad compression", map[string]string{"path": filepath.Join(dir, "a.jsonl"), "compression": "zstd"}},
		{"follow gzip", map[string]string{"path": filepath.Join(dir, "a.jsonl.gz"), "follow": "true"}},
		{"zero batch size", map[string]string{"path": filepath.Join(dir, "a.jsonl"), "batch_size": "0"}},
		{"bad format", map[string]string{"path": filepath.Join(dir, "a.jsonl"), "format": "xml"}},
		{"bad rowtime", map[string]string{"path": filepath.Join(dir, "a.jsonl"), "rowtime": "NAME"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src, err := New(env(mem, &rejects{}), tc.opts)
			if err == nil {
				src.Close()
				t.Fatal("New succeeded")
			}
		})
	}
}

func TestFileDiscover(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var sb strings.Builder
	sb.WriteString("sym,price\n")
	for i := 0; i < 150; i++ {
		sb.WriteString("AMZN,12.5\n")
	}
	sb.WriteString("LONGER_THAN_SAMPLES,x\n") // past the 100 sampled records
	write(t, filepath.Join(dir, "q.csv.gz"), sb.String(), true)
	write(t, filepath.Join(dir, "q.jsonl"), "{\"a\": {\"b\": 1}, \"t\": \"2024-05-01 10:00:00\"}\n", false)
	tests := []struct {
		name string
		opts sources.Options
		want string
	}{
		{"csv gzip with header", sources.Options{"path": filepath.Join(dir, "q.csv.gz"), "format": "csv", "header": "true"}, "sym VARCHAR(16), price DOUBLE"},
		{"json", sources.Options{"path": filepath.Join(dir, "q.jsonl")}, "a_b BIGINT, t TIMESTAMP"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Discover(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, f := range s.Fields() {
				typ, _ := f.Metadata.GetValue(codec.MetaSQLType)
				parts = append(parts, f.Name+" "+typ)
			}
			if got := strings.Join(parts, ", "); got != tc.want {
				t.Fatalf("discovered %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRegistered(t *testing.T) {
	t.Parallel()
	f, ok := sources.Lookup("file")
	if !ok || f.Target != "path" || f.Discover == nil {
		t.Fatalf("file connector registered as %+v, %v", f, ok)
	}
}
