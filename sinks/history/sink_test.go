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
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
	shistory "github.com/eddy-sql/eddy/sources/history"
)

// kept is what a retained stream delivers: declared columns plus ROWTIME.
var kept = arrow.NewSchema([]arrow.Field{
	{Name: "SYM", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ROWTIME", Type: sources.TimestampType},
}, nil)

func batch(t testing.TB, alloc memory.Allocator, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(alloc, kept, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// replay reads dir back with the history source.
func replay(t *testing.T, dir string) []string {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	schema := sources.WithSystemColumns(arrow.NewSchema(kept.Fields()[:1], nil))
	src, err := shistory.New(sources.Env{Schema: schema, Alloc: alloc}, map[string]string{"dir": dir})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []string
	for {
		b, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < int(b.NumRows()); i++ {
			out = append(out, b.Column(0).ValueStr(i)+"@"+b.Column(2).ValueStr(i)[11:16])
		}
		b.Release()
	}
}

func segments(t *testing.T, dir string) []string {
	t.Helper()
	segs, err := shistory.ListSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range segs {
		names = append(names, s.Min.Format("15:04")+"-"+s.Max.Format("15:04"))
	}
	return names
}

func TestSinkSegmentsAndRetention(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		cfg     Config
		batches []string
		flush   bool // Flush after each batch
		segs    []string
		rows    []string
	}{
		{"one segment per flush",
			Config{Segment: time.Hour, FlushInterval: time.Hour}, []string{
				`[{"SYM":"A","ROWTIME":"2024-05-01 10:00:00"},{"SYM":"B","ROWTIME":"2024-05-01 10:05:00"}]`,
				`[{"SYM":"C","ROWTIME":"2024-05-01 10:10:00"}]`,
			}, true, []string{"10:00-10:05", "10:10-10:10"}, []string{"A@10:00", "B@10:05", "C@10:10"}},
		{"a new segment when the rowtime span is reached",
			Config{Segment: 15 * time.Minute, FlushInterval: time.Hour}, []string{
				`[{"SYM":"A","ROWTIME":"2024-05-01 10:00:00"}]`,
				`[{"SYM":"B","ROWTIME":"2024-05-01 10:10:00"}]`,
				`[{"SYM":"C","ROWTIME":"2024-05-01 10:20:00"}]`,
			}, false, []string{"10:00-10:10", "10:20-10:20"}, []string{"A@10:00", "B@10:10", "C@10:20"}},
		{"retention follows the newest rowtime",
			Config{Retain: 2 * time.Hour, Segment: 15 * time.Minute, FlushInterval: time.Hour}, []string{
				`[{"SYM":"A","ROWTIME":"2024-05-01 08:00:00"}]`,
				`[{"SYM":"B","ROWTIME":"2024-05-01 09:00:00"}]`,
				`[{"SYM":"C","ROWTIME":"2024-05-01 10:00:00"}]`,
				`[{"SYM":"D","ROWTIME":"2024-05-01 11:30:00"}]`,
			}, true, []string{"10:00-10:00", "11:30-11:30"}, []string{"C@10:00", "D@11:30"}},
		{"max rows writes a segment",
			Config{MaxRows: 2, Segment: time.Hour, FlushInterval: time.Hour}, []string{
				`[{"SYM":"A","ROWTIME":"2024-05-01 10:00:00"},{"SYM":"B","ROWTIME":"2024-05-01 10:01:00"}]`,
				`[{"SYM":"C","ROWTIME":"2024-05-01 10:02:00"}]`,
			}, false, []string{"10:00-10:01", "10:02-10:02"}, []string{"A@10:00", "B@10:01", "C@10:02"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			cfg := tc.cfg
			cfg.Dir = filepath.Join(t.TempDir(), "history", "S")
			now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
			s, err := New(sinks.Env{Stream: "S", Schema: kept, Alloc: alloc, Clock: func() time.Time { return now }}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for _, b := range tc.batches {
				if err := s.Write(ctx, batch(t, alloc, b)); err != nil {
					t.Fatal(err)
				}
				if tc.flush {
					if err := s.(sinks.Flusher).Flush(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if got := segments(t, cfg.Dir); strings.Join(got, " ") != strings.Join(tc.segs, " ") {
				t.Fatalf("segments %v, want %v", got, tc.segs)
			}
			if got := replay(t, cfg.Dir); strings.Join(got, " ") != strings.Join(tc.rows, " ") {
				t.Fatalf("history %v, want %v", got, tc.rows)
			}
		})
	}
}

// TestSinkFlushAndReopen checks the Flusher contract: what Flush returned
// for is readable at once, and a sink reopened on the same directory goes
// on numbering segments and applying retention against the newest ROWTIME
// it finds there.
func TestSinkFlushAndReopen(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	dir := t.TempDir()
	ctx := context.Background()
	clock := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	env := sinks.Env{Stream: "S", Schema: kept, Alloc: alloc, Clock: func() time.Time { return clock }}
	cfg := Config{Dir: dir, Retain: time.Hour, Segment: 2 * time.Hour, FlushInterval: time.Minute}
	s, err := New(env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, batch(t, alloc, `[{"SYM":"A","ROWTIME":"2024-05-01 10:00:00"}]`)); err != nil {
		t.Fatal(err)
	}
	if got := replay(t, dir); len(got) != 0 {
		t.Fatalf("buffered rows are visible before a flush: %v", got)
	}
	if err := s.(sinks.Flusher).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := replay(t, dir); strings.Join(got, " ") != "A@10:00" {
		t.Fatalf("after Flush: %v", got)
	}
	// A crash leaves a temporary file and an unflushed buffer behind.
	if err := os.WriteFile(filepath.Join(dir, ".tmp-seg-partial.arrow"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, batch(t, alloc, `[{"SYM":"lost","ROWTIME":"2024-05-01 10:01:00"}]`)); err != nil {
		t.Fatal(err)
	}
	s.(*sink).release()

	s2, err := New(env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
	if err := s2.Write(ctx, batch(t, alloc, `[{"SYM":"B","ROWTIME":"2024-05-01 10:30:00"}]`)); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Minute) // flush_interval passes: the next write writes a segment
	if err := s2.Write(ctx, batch(t, alloc, `[{"SYM":"C","ROWTIME":"2024-05-01 11:15:00"}]`)); err != nil {
		t.Fatal(err)
	}
	if got := replay(t, dir); strings.Join(got, " ") != "B@10:30 C@11:15" {
		t.Fatalf("after reopen: %v (A is older than an hour before 11:15)", got)
	}
	segs, _ := shistory.ListSegments(dir)
	if len(segs) != 1 || segs[0].Seq != 2 {
		t.Fatalf("segments %+v, want one with sequence 2", segs)
	}
	if err := s2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s2.Write(ctx, batch(t, alloc, `[{"SYM":"D","ROWTIME":"2024-05-01 11:16:00"}]`)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestParseRetain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"24 hours", 24 * time.Hour, false},
		{"'2' HOUR", 2 * time.Hour, false},
		{"7 days", 7 * 24 * time.Hour, false},
		{"2 weeks", 14 * 24 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"", 0, false},
		{"forever", 0, true},
		{"0s", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRetain(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("ParseRetain(%q) = %v, %v", tc.in, got, err)
			}
			if err != nil && !errors.Is(err, sources.ErrOption) {
				t.Fatalf("error %v does not wrap sources.ErrOption", err)
			}
		})
	}
}

// TestHistoryIsPrivate: retained history is user data; its directories
// are 0700 and its segments 0600, whatever the umask lets through.
func TestHistoryIsPrivate(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	root := t.TempDir()
	dir := filepath.Join(root, "history", "S")
	s, err := New(sinks.Env{Stream: "S", Schema: kept, Alloc: alloc}, Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), batch(t, alloc, `[{"SYM":"A","ROWTIME":"2024-05-01 10:00:00"}]`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		want := os.FileMode(0o600)
		if info.IsDir() {
			want = 0o700
		} else {
			n++
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no segment was written")
	}
}
