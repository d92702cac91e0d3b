package window

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// rowsSource serves JSON rows in batches of a given size from one origin,
// reporting one partition; after stopAt batches it returns exec.ErrStopped.
type rowsSource struct {
	mem     memory.Allocator
	schema  *arrow.Schema
	rows    []string
	size    int
	pos     int
	batches int
	stopAt  int // -1: never
	origin  exec.Origin
	part    [1]exec.Partition
}

func newRowsSource(mem memory.Allocator, schema *arrow.Schema, rows []string, size int) *rowsSource {
	return &rowsSource{mem: mem, schema: schema, rows: rows, size: size, stopAt: -1, origin: 7}
}

func (s *rowsSource) Schema() *arrow.Schema { return s.schema }

func (s *rowsSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.stopAt >= 0 && s.batches >= s.stopAt {
		return nil, exec.ErrStopped
	}
	if s.pos >= len(s.rows) {
		return nil, io.EOF
	}
	end := min(s.pos+s.size, len(s.rows))
	rec, _, err := array.RecordFromJSON(s.mem, s.schema, strings.NewReader("["+strings.Join(s.rows[s.pos:end], ",")+"]"))
	if err != nil {
		return nil, err
	}
	s.pos = end
	s.batches++
	return rec, nil
}

func (s *rowsSource) Close() error { return nil }

func (s *rowsSource) Origin() exec.Origin { return s.origin }

func (s *rowsSource) Partitions() []exec.Partition {
	s.part[0] = exec.Partition{Origin: s.origin, Name: "p", Done: s.pos >= len(s.rows), Watermark: exec.NoWatermark, Lag: -1}
	return s.part[:]
}

// drain reads op to its end (io.EOF or exec.ErrStopped), returning its
// rows as strings and the end error.
func drain(t *testing.T, op exec.Operator) ([]string, error) {
	t.Helper()
	var out []string
	for {
		b, err := op.Next(context.Background())
		if err != nil {
			return out, err
		}
		out = append(out, batchRows(b)...)
		if p, ok := op.(exec.Partitioned); ok && b.NumRows() > 0 && p.Origin() != exec.OriginOf(op) {
			t.Fatalf("origin changed")
		}
		b.Release()
	}
}

func batchRows(b arrow.RecordBatch) []string {
	var out []string
	for i := range int(b.NumRows()) {
		var f []string
		for c := range int(b.NumCols()) {
			f = append(f, b.Column(c).ValueStr(i))
		}
		out = append(out, strings.Join(f, " "))
	}
	return out
}

var itemsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "K", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "N", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: exec.RowtimeColumn, Type: exec.TimestampType, Nullable: true},
}, nil)

func itemRow(k string, n int, sec int) string {
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(sec) * time.Second).UnixMilli()
	kj := "null"
	if k != "" {
		kj = fmt.Sprintf("%q", k)
	}
	return fmt.Sprintf(`{"K":%s,"N":%d,"ROWTIME":%d}`, kj, n, ts)
}

func TestTopKAndDistinctWindows(t *testing.T) {
	t.Parallel()
	rows := []string{
		itemRow("a", 1, 1), itemRow("b", 2, 2), itemRow("a", 1, 3), itemRow("", 3, 4),
		itemRow("c", 3, 59), itemRow("b", 2, 60), itemRow("a", 9, 10), // late: behind 60
		itemRow("b", 2, 61), itemRow("d", 4, 200),
	}
	for _, tc := range []struct {
		name  string
		build func(in exec.Operator, cfg ItemsConfig) (exec.Operator, error)
		col   int
		want  []string
	}{
		{"top_2_of_strings", func(in exec.Operator, cfg ItemsConfig) (exec.Operator, error) { return NewTopK(in, cfg, 2) }, 0,
			[]string{"a 2 2024-05-01T10:01:00", "b 1 2024-05-01T10:01:00", "b 2 2024-05-01T10:02:00", "d 1 2024-05-01T10:04:00"}},
		{"top_1_of_ints", func(in exec.Operator, cfg ItemsConfig) (exec.Operator, error) { return NewTopK(in, cfg, 1) }, 1,
			[]string{"1 2 2024-05-01T10:01:00", "2 2 2024-05-01T10:02:00", "4 1 2024-05-01T10:04:00"}},
		{"distinct", func(in exec.Operator, cfg ItemsConfig) (exec.Operator, error) { return NewDistinctItems(in, cfg) }, 0,
			[]string{"3 2024-05-01T10:01:00", "1 2024-05-01T10:02:00", "1 2024-05-01T10:04:00"}},
	} {
		for _, size := range []int{1, 2, 100} {
			t.Run(fmt.Sprintf("%s/batch_size=%d", tc.name, size), func(t *testing.T) {
				t.Parallel()
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				var late []exec.ErrorRecord
				cfg := ItemsConfig{Column: tc.col, Window: time.Minute, Alloc: mem, Pump: "P",
					Errors: exec.ErrorSinkFunc(func(r exec.ErrorRecord) { late = append(late, r) })}
				op, err := tc.build(newRowsSource(mem, itemsSchema, rows, size), cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer op.Close()
				got, err := drain(t, op)
				if !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
				if len(late) != 1 || late[0].Name != "LATE" || op.(LateCounter).LateRows() != 1 {
					t.Errorf("late rows reported: %+v", late)
				}
				p := op.(exec.Partitioned)
				if p.Origin() != 0 || len(p.Partitions()) != 1 || !p.Partitions()[0].Done {
					t.Errorf("output partitions %+v, origin %d", p.Partitions(), p.Origin())
				}
			})
		}
	}
}

// stopRestore runs op over rows, stopping after stop batches, snapshots,
// restores into a second operator built alike, and feeds it the rest; it
// returns the rows of both parts.
func stopRestore(t *testing.T, mem memory.Allocator, schema *arrow.Schema, rows []string, size, stop int,
	build func(in exec.Operator) (exec.Operator, error)) []string {
	t.Helper()
	src := newRowsSource(mem, schema, rows, size)
	src.stopAt = stop
	op, err := build(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := drain(t, op)
	if !errors.Is(err, exec.ErrStopped) {
		t.Fatalf("stopped input: %v, want exec.ErrStopped", err)
	}
	if _, err := op.Next(context.Background()); !errors.Is(err, exec.ErrStopped) && !errors.Is(err, io.EOF) {
		t.Fatalf("after stop: %v", err)
	}
	if op.(exec.StateSizer).StateBytes() <= 0 {
		t.Errorf("no state after %d batches", stop)
	}
	var buf bytes.Buffer
	if err := op.(exec.Snapshotter).Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	op.Close()
	rest := newRowsSource(mem, schema, rows, size)
	rest.pos = src.pos
	op2, err := build(rest)
	if err != nil {
		t.Fatal(err)
	}
	defer op2.Close()
	if err := op2.(exec.Snapshotter).Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	more, err := drain(t, op2)
	if !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return append(got, more...)
}

func TestItemsSnapshotRestoreSameFuture(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	var rows []string
	for i := range 3000 {
		rows = append(rows, itemRow(fmt.Sprintf("k%d", int(r.ExpFloat64()*20)), r.IntN(50), i/10))
	}
	for _, tc := range []struct {
		name  string
		build func(in exec.Operator, cfg ItemsConfig) (exec.Operator, error)
	}{
		{"top_k", func(in exec.Operator, cfg ItemsConfig) (exec.Operator, error) { return NewTopK(in, cfg, 5) }},
		{"distinct", func(in exec.Operator, cfg ItemsConfig) (exec.Operator, error) { return NewDistinctItems(in, cfg) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			build := func(in exec.Operator) (exec.Operator, error) {
				return tc.build(in, ItemsConfig{Column: 0, Window: 30 * time.Second, Lateness: 5 * time.Second, Alloc: mem})
			}
			op, _ := build(newRowsSource(mem, itemsSchema, rows, 64))
			want, err := drain(t, op)
			op.Close()
			if !errors.Is(err, io.EOF) || len(want) == 0 {
				t.Fatal(err, len(want))
			}
			got := stopRestore(t, mem, itemsSchema, rows, 64, 20, build)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("restored run differs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestSpaceSavingBound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		capacity int
		keys     int
	}{
		{"exact_when_few_values", 100, 80},
		{"bounded_when_many", 100, 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(1, 2))
			z := rand.NewZipf(r, 1.2, 1, uint64(tc.keys-1))
			s := newSpaceSaving(tc.capacity)
			truth := map[string]int64{}
			const n = 50000
			for range n {
				k := fmt.Sprint(z.Uint64())
				truth[k]++
				s.add(k)
			}
			bound := int64(n / tc.capacity)
			for i, k := range s.keys {
				c, e := s.counts[i], s.errs[i]
				if tc.keys <= tc.capacity && (c != truth[k] || e != 0) {
					t.Fatalf("%s: count %d (err %d), true %d: want exact", k, c, e, truth[k])
				}
				if c < truth[k] || c-e > truth[k] || c-truth[k] > bound {
					t.Fatalf("%s: count %d (err %d), true %d, bound %d", k, c, e, truth[k], bound)
				}
			}
			for k, v := range truth {
				if _, ok := s.index[k]; !ok && v > bound {
					t.Fatalf("%s occurs %d times (> N/m = %d) but is not kept", k, v, bound)
				}
			}
		})
	}
}

func TestDistinctExactThenEstimated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		n      int
		within float64
	}{
		{"exact_at_the_limit", DistinctExactLimit, 0},
		{"estimated_beyond", 200000, 0.03},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &distinctSketch{set: map[uint64]struct{}{}}
			for i := range tc.n {
				s.add(fmt.Sprintf("v%d", i))
				s.add(fmt.Sprintf("v%d", i/2)) // repeats
			}
			got := s.count()
			if diff := float64(got-int64(tc.n)) / float64(tc.n); diff > tc.within || diff < -tc.within {
				t.Errorf("count %d of %d distinct values", got, tc.n)
			}
		})
	}
}

// tickSource repeats one batch of keys with ever later ROWTIMEs (10 ms
// apart), so every row is on time.
type tickSource struct {
	mem  memory.Allocator
	keys arrow.Array
	nums arrow.Array
	next int64
}

func (s *tickSource) Schema() *arrow.Schema { return itemsSchema }
func (s *tickSource) Close() error          { return nil }
func (s *tickSource) Next(context.Context) (arrow.RecordBatch, error) {
	tb := array.NewTimestampBuilder(s.mem, exec.TimestampType.(*arrow.TimestampType))
	defer tb.Release()
	for range s.keys.Len() {
		tb.Append(arrow.Timestamp(s.next))
		s.next += 10
	}
	ts := tb.NewArray()
	defer ts.Release()
	return array.NewRecordBatch(itemsSchema, []arrow.Array{s.keys, s.nums, ts}, int64(s.keys.Len())), nil
}

func BenchmarkItems(b *testing.B) {
	for _, bc := range []struct {
		name string
		keys int
	}{{"keys=100", 100}, {"keys=100000", 100000}} {
		for _, fn := range []string{"top_k", "distinct"} {
			b.Run(fn+"/"+bc.name+"/batch_size=1024", func(b *testing.B) {
				mem := memory.NewGoAllocator()
				r := rand.New(rand.NewPCG(1, 1))
				kb := array.NewStringBuilder(mem)
				nb := array.NewInt64Builder(mem)
				for i := range 1024 {
					kb.Append(fmt.Sprintf("k%d", r.IntN(bc.keys)))
					nb.Append(int64(i))
				}
				src := &tickSource{mem: mem, keys: kb.NewArray(), nums: nb.NewArray()}
				cfg := ItemsConfig{Column: 0, Window: time.Minute, Alloc: mem}
				var op exec.Operator
				var err error
				if fn == "top_k" {
					op, err = NewTopK(src, cfg, 10)
				} else {
					op, err = NewDistinctItems(src, cfg)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				events := 0
				for b.Loop() {
					out, err := op.Next(b.Context())
					if err != nil {
						b.Fatal(err)
					}
					out.Release()
					events += 1024
				}
				if op.(LateCounter).LateRows() != 0 {
					b.Fatal("late rows")
				}
				b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// scribbler is an allocator that overwrites every buffer it frees, as an
// allocator reusing released memory may.
type scribbler struct{ memory.Allocator }

func (s scribbler) Free(b []byte) {
	for i := range b {
		b[i] = 0xDB
	}
	s.Allocator.Free(b)
}

// TestTopKKeysOutliveTheirBatch checks that the keys TOP_K counts stay
// intact after the batches they came from are released and their memory
// overwritten.
func TestTopKKeysOutliveTheirBatch(t *testing.T) {
	t.Parallel()
	rows := []string{
		itemRow("apple", 1, 1), itemRow("pear", 2, 2), itemRow("apple", 1, 3),
		itemRow("plum", 3, 4), itemRow("apple", 1, 5), itemRow("pear", 2, 200),
	}
	for _, size := range []int{1, 2} {
		t.Run(fmt.Sprintf("batch_size=%d", size), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(scribbler{memory.NewGoAllocator()})
			defer mem.AssertSize(t, 0)
			cfg := ItemsConfig{Column: 0, Window: time.Minute, Alloc: mem, Pump: "P"}
			op, err := NewTopK(newRowsSource(mem, itemsSchema, rows, size), cfg, 2)
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			got, err := drain(t, op)
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			want := []string{"apple 3 2024-05-01T10:01:00", "pear 1 2024-05-01T10:01:00", "pear 1 2024-05-01T10:04:00"}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
