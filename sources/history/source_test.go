package history

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// stored is the schema of the segments the tests write: declared columns
// and ROWTIME, as the history destination keeps them.
var stored = arrow.NewSchema([]arrow.Field{
	{Name: "SYM", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "PRICE", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ROWTIME", Type: sources.TimestampType},
}, nil)

// declared is the stream's output schema: declared columns then the system
// columns.
func declared(extra ...arrow.Field) *arrow.Schema {
	fields := append([]arrow.Field{
		{Name: "SYM", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "PRICE", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, extra...)
	return sources.WithSystemColumns(arrow.NewSchema(fields, nil))
}

// writeSegment writes one segment from a JSON array of rows.
func writeSegment(t *testing.T, dir string, seq int64, rows string) {
	t.Helper()
	alloc := memory.NewGoAllocator()
	rec, _, err := array.RecordFromJSON(alloc, stored, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	rt := rec.Column(2).(*array.Timestamp)
	lo, hi := int64(rt.Value(0)), int64(rt.Value(0))
	for i := 0; i < rt.Len(); i++ {
		lo, hi = min(lo, int64(rt.Value(i))), max(hi, int64(rt.Value(i)))
	}
	f, err := os.Create(filepath.Join(dir, SegmentName(time.UnixMilli(lo), time.UnixMilli(hi), seq)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(stored))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readAll drains src and returns its rows as "SYM PRICE ARRIVAL ROWTIME".
func readAll(t *testing.T, src sources.Source) []string {
	t.Helper()
	var out []string
	for {
		b, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if !b.Schema().Equal(src.Schema()) {
			t.Fatalf("batch schema %s, want %s", b.Schema(), src.Schema())
		}
		for i := 0; i < int(b.NumRows()); i++ {
			var cols []string
			for c := 0; c < int(b.NumCols()); c++ {
				cols = append(cols, b.Column(c).ValueStr(i))
			}
			out = append(out, strings.Join(cols, " "))
		}
		b.Release()
	}
}

func TestSourceRange(t *testing.T) {
	t.Parallel()
	segs := []string{
		`[{"SYM":"A","PRICE":1,"ROWTIME":"2024-05-01 10:00:00"},{"SYM":"B","PRICE":2,"ROWTIME":"2024-05-01 10:10:00"}]`,
		// overlaps the first: its rows interleave with it
		`[{"SYM":"C","PRICE":3,"ROWTIME":"2024-05-01 10:05:00"},{"SYM":"D","PRICE":4,"ROWTIME":"2024-05-01 10:20:00"}]`,
		`[{"SYM":"E","PRICE":5,"ROWTIME":"2024-05-01 11:00:00"},{"SYM":"F","PRICE":null,"ROWTIME":"2024-05-01 11:30:00"}]`,
	}
	cases := []struct {
		name     string
		from, to string
		batch    string
		want     []string
	}{
		{"everything in rowtime order", "", "", "8192", []string{
			"A 1 2024-05-01T10:00:00 2024-05-01T10:00:00", "C 3 2024-05-01T10:05:00 2024-05-01T10:05:00",
			"B 2 2024-05-01T10:10:00 2024-05-01T10:10:00", "D 4 2024-05-01T10:20:00 2024-05-01T10:20:00",
			"E 5 2024-05-01T11:00:00 2024-05-01T11:00:00", "F (null) 2024-05-01T11:30:00 2024-05-01T11:30:00"}},
		{"from is inclusive and to exclusive", "2024-05-01T10:05:00Z", "2024-05-01T11:00:00Z", "1", []string{
			"C 3 2024-05-01T10:05:00 2024-05-01T10:05:00", "B 2 2024-05-01T10:10:00 2024-05-01T10:10:00",
			"D 4 2024-05-01T10:20:00 2024-05-01T10:20:00"}},
		{"a range between segments is empty", "2024-05-01T10:30:00Z", "2024-05-01T10:59:00Z", "8192", nil},
		{"only the last segment", "2024-05-01 11:00:00", "", "8192", []string{
			"E 5 2024-05-01T11:00:00 2024-05-01T11:00:00", "F (null) 2024-05-01T11:30:00 2024-05-01T11:30:00"}},
	}
	dir := t.TempDir()
	for i, s := range segs {
		writeSegment(t, dir, int64(i+1), s)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			src, err := New(sources.Env{Stream: "S", Schema: declared(), Alloc: alloc},
				map[string]string{"dir": dir, "from": tc.from, "to": tc.to, "batch_size": tc.batch})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			got := readAll(t, src)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestSourceSchemas(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSegment(t, dir, 1, `[{"SYM":"A","PRICE":1,"ROWTIME":"2024-05-01 10:00:00"}]`)
	cases := []struct {
		name    string
		dir     string
		schema  *arrow.Schema
		want    []string
		openErr bool
		readErr bool
	}{
		{"a column missing from old segments reads as null", dir,
			declared(arrow.Field{Name: "VOLUME", Type: arrow.PrimitiveTypes.Int64, Nullable: true}),
			[]string{"A 1 (null) 2024-05-01T10:00:00 2024-05-01T10:00:00"}, false, false},
		{"a stream with no history yet has no rows", filepath.Join(dir, "missing"), declared(), nil, false, false},
		{"a column stored with another type fails", dir,
			sources.WithSystemColumns(arrow.NewSchema([]arrow.Field{{Name: "PRICE", Type: arrow.BinaryTypes.String}}, nil)), nil, false, true},
		{"a schema without system columns fails", dir, stored, nil, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			src, err := New(sources.Env{Stream: "S", Schema: tc.schema, Alloc: alloc}, map[string]string{"dir": tc.dir})
			if tc.openErr {
				if err == nil {
					src.Close()
					t.Fatal("New succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if tc.readErr {
				if _, err := src.Next(context.Background()); err == nil || errors.Is(err, io.EOF) {
					t.Fatalf("Next = %v, want an error", err)
				}
				return
			}
			if got := readAll(t, src); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("rows %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSourceSeek(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSegment(t, dir, 1, `[{"SYM":"A","PRICE":1,"ROWTIME":"2024-05-01 10:00:00"},{"SYM":"B","PRICE":2,"ROWTIME":"2024-05-01 10:00:00"},{"SYM":"C","PRICE":3,"ROWTIME":"2024-05-01 10:00:00"}]`)
	writeSegment(t, dir, 2, `[{"SYM":"D","PRICE":4,"ROWTIME":"2024-05-01 10:01:00"}]`)
	for _, after := range []int{0, 1, 2, 3, 4} {
		t.Run("resume after "+string(rune('0'+after))+" rows", func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			opts := map[string]string{"dir": dir, "batch_size": "1"}
			first, err := New(sources.Env{Schema: declared(), Alloc: alloc}, opts)
			if err != nil {
				t.Fatal(err)
			}
			var seen []string
			for i := 0; i < after; i++ {
				b, err := first.Next(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, b.Column(0).ValueStr(0))
				b.Release()
			}
			pos, err := first.(sources.Positioner).Position()
			if err != nil {
				t.Fatal(err)
			}
			first.Close()
			second, err := New(sources.Env{Schema: declared(), Alloc: alloc}, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
			if after > 0 {
				if err := second.(sources.Seeker).Seek(context.Background(), pos); err != nil {
					t.Fatal(err)
				}
			}
			for _, r := range readAll(t, second) {
				seen = append(seen, strings.Fields(r)[0])
			}
			if strings.Join(seen, "") != "ABCD" {
				t.Fatalf("rows before and after the seek: %v, want A B C D once each", seen)
			}
		})
	}
}

func TestSegmentNames(t *testing.T) {
	t.Parallel()
	lo := time.Date(2024, 5, 1, 10, 0, 0, 500e6, time.UTC)
	hi := lo.Add(90 * time.Minute)
	cases := []struct {
		name string
		file string
		ok   bool
	}{
		{"made by SegmentName", SegmentName(lo, hi, 7), true},
		{"temporary file", ".tmp-" + SegmentName(lo, hi, 7), false},
		{"other extension", "seg-20240501T100000.500Z-20240501T113000.500Z-00000007.tmp", false},
		{"max before min", SegmentName(hi, lo, 7), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gotLo, gotHi, seq, ok := ParseSegmentName(tc.file)
			if ok != tc.ok {
				t.Fatalf("ParseSegmentName(%q) ok = %v", tc.file, ok)
			}
			if ok && (!gotLo.Equal(lo) || !gotHi.Equal(hi) || seq != 7) {
				t.Fatalf("ParseSegmentName(%q) = %v %v %d", tc.file, gotLo, gotHi, seq)
			}
		})
	}
}
