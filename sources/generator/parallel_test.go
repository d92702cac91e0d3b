package generator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// withParallelism returns raw with option parallelism set to p.
func withParallelism(raw map[string]string, p int) map[string]string {
	out := map[string]string{"parallelism": strconv.Itoa(p)}
	for k, v := range raw {
		out[k] = v
	}
	return out
}

// positioned is one batch read and the source's position after it.
type positioned struct {
	batch arrow.RecordBatch
	pos   string
}

// drainPositions reads every batch, with the position after each, up to
// limit batches (0: to io.EOF). The caller releases the batches.
func drainPositions(t *testing.T, s *source, limit int) []positioned {
	t.Helper()
	var out []positioned
	for limit == 0 || len(out) < limit {
		rb, err := s.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pos, err := s.Position()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, positioned{rb, string(pos)})
	}
	return out
}

func releasePositioned(ps []positioned) {
	for _, p := range ps {
		p.batch.Release()
	}
}

// TestParallelMatchesOneCore checks that a Nexmark stream generated on
// several cores is the one-core stream batch for batch, with the same
// positions, whatever the table, count and batch size.
func TestParallelMatchesOneCore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		raw   map[string]string
		limit int // batches read; 0: to the end of count
	}{
		{"bid count", map[string]string{"kind": "nexmark", "count": "100003"}, 0},
		{"bid small batches", map[string]string{"kind": "nexmark", "count": "5000", "batch_size": "7", "seed": "9"}, 0},
		{"bid one row batches", map[string]string{"kind": "nexmark", "count": "300", "batch_size": "1"}, 0},
		{"bid unbounded", map[string]string{"kind": "nexmark", "batch_size": "1000"}, 40},
		{"bid count below a batch", map[string]string{"kind": "nexmark", "count": "37"}, 0},
		{"auction count", map[string]string{"kind": "nexmark", "table": "auction", "count": "60001", "batch_size": "500", "seed": "4"}, 0},
		{"person count ends among bids", map[string]string{"kind": "nexmark", "table": "person", "count": "20049", "batch_size": "100"}, 0},
		{"person flink numbering", map[string]string{"kind": "nexmark", "table": "person", "first_event_id": "1", "first_event_number": "1"}, 3},
		{"bid rowtime expires-free columns", map[string]string{"kind": "nexmark", "count": "9000", "batch_size": "333"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			schema := discovered(t, tc.raw)
			one := openTest(t, alloc, newFakeClock(), schema, withParallelism(tc.raw, 1))
			defer one.Close()
			want := drainPositions(t, one, tc.limit)
			defer releasePositioned(want)
			if len(want) == 0 {
				t.Fatal("the one-core stream is empty")
			}
			for _, p := range []int{2, 3, 8} {
				s := openTest(t, alloc, newFakeClock(), schema, withParallelism(tc.raw, p))
				if !s.parallel() {
					t.Fatalf("parallelism %d: the source generates on one core", p)
				}
				got := drainPositions(t, s, tc.limit)
				if len(got) != len(want) {
					t.Errorf("parallelism %d: %d batches, want %d", p, len(got), len(want))
				}
				for i := range min(len(got), len(want)) {
					if !array.RecordEqual(got[i].batch, want[i].batch) {
						t.Errorf("parallelism %d: batch %d differs", p, i)
						break
					}
					if got[i].pos != want[i].pos {
						t.Errorf("parallelism %d: position after batch %d is %s, want %s", p, i, got[i].pos, want[i].pos)
						break
					}
				}
				releasePositioned(got)
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestParallelSeek checks that a stream stopped on several cores resumes
// from its position, on any number of cores, to the one-core sequence.
func TestParallelSeek(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		first, second int // parallelism before and after the restart
		reads         int // batches before the restart
	}{
		{"two then eight", 2, 8, 5},
		{"eight then one", 8, 1, 3},
		{"one then three", 1, 3, 7},
		{"before any batch", 4, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			raw := map[string]string{"kind": "nexmark", "table": "auction", "count": "40000", "batch_size": "100", "seed": "2"}
			schema := discovered(t, raw)
			one := openTest(t, alloc, newFakeClock(), schema, withParallelism(raw, 1))
			want := drainPositions(t, one, 0)
			defer releasePositioned(want)
			one.Close()

			a := openTest(t, alloc, newFakeClock(), schema, withParallelism(raw, tc.first))
			got := drainPositions(t, a, tc.reads)
			pos, err := a.Position()
			if err != nil {
				t.Fatal(err)
			}
			a.Close() // batches made ahead are dropped
			b := openTest(t, alloc, newFakeClock(), schema, withParallelism(raw, tc.second))
			defer b.Close()
			if err := b.Seek(context.Background(), pos); err != nil {
				t.Fatal(err)
			}
			got = append(got, drainPositions(t, b, 0)...)
			defer releasePositioned(got)
			if len(got) != len(want) {
				t.Fatalf("%d batches, want %d", len(got), len(want))
			}
			for i := range got {
				if !array.RecordEqual(got[i].batch, want[i].batch) || got[i].pos != want[i].pos {
					t.Fatalf("batch %d differs after the restart", i)
				}
			}
		})
	}
}

// TestParallelStage checks that a stage runs on the generating workers,
// that batches it empties are skipped (their events still counted), and
// that every stage is released on Close.
func TestParallelStage(t *testing.T) {
	t.Parallel()
	// keepEvenAuctions keeps the rows of a batch whose AUCTION is even; it
	// stands for a pushed filter.
	keepEvenAuctions := func(alloc memory.Allocator) Stage {
		return func(_ context.Context, in arrow.RecordBatch) (arrow.RecordBatch, func(), error) {
			defer in.Release()
			col := in.Column(0).(*array.Int64)
			var take []int
			for i := range col.Len() {
				if col.Value(i)%2 == 0 {
					take = append(take, i)
				}
			}
			b := array.NewRecordBuilder(alloc, in.Schema())
			defer b.Release()
			for c := range int(in.NumCols()) {
				for _, i := range take {
					appendValue(b.Field(c), in.Column(c), i)
				}
			}
			return b.NewRecordBatch(), nil, nil
		}
	}
	tests := []struct {
		name    string
		workers int
		fail    bool // the stage fails on the fourth batch
	}{
		{"two workers", 2, false},
		{"eight workers", 8, false},
		{"stage error", 4, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			raw := map[string]string{"kind": "nexmark", "count": "50000", "batch_size": "64"}
			schema := discovered(t, raw)
			one := openTest(t, alloc, newFakeClock(), schema, withParallelism(raw, 1))
			if one.StageBatches(nil) {
				t.Fatal("a one-core source took a stage")
			}
			serial := keepEvenAuctions(alloc)
			var want []arrow.RecordBatch
			for _, p := range drainPositions(t, one, 0) {
				out, _, _ := serial(context.Background(), p.batch)
				if out.NumRows() == 0 {
					out.Release()
					continue
				}
				want = append(want, out)
			}
			defer releaseAll(want)
			one.Close()

			s := openTest(t, alloc, newFakeClock(), schema, withParallelism(raw, tc.workers))
			var made, ended, calls atomic.Int64
			ok := s.StageBatches(func() (Stage, func(), error) {
				made.Add(1)
				st := keepEvenAuctions(alloc)
				return func(ctx context.Context, in arrow.RecordBatch) (arrow.RecordBatch, func(), error) {
					if tc.fail && calls.Add(1) == 4 {
						in.Release()
						return nil, nil, errors.New("stage broke")
					}
					return st(ctx, in)
				}, func() { ended.Add(1) }, nil
			})
			if !ok {
				t.Fatal("a parallel source refused a stage")
			}
			var got []arrow.RecordBatch
			var err error
			for {
				var rb arrow.RecordBatch
				if rb, err = s.Next(context.Background()); err != nil {
					break
				}
				if rb.NumRows() == 0 {
					t.Error("an emptied batch was delivered")
				}
				got = append(got, rb)
			}
			defer releaseAll(got)
			s.Close()
			if made.Load() != int64(tc.workers) || ended.Load() != made.Load() {
				t.Errorf("stages made %d, released %d; want %d each (one per generating core)", made.Load(), ended.Load(), tc.workers)
			}
			if tc.fail {
				if err == nil || errors.Is(err, io.EOF) {
					t.Fatalf("Next returned %v, want the stage's error", err)
				}
				return
			}
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			if fmt.Sprint(len(got)) != fmt.Sprint(len(want)) {
				t.Fatalf("%d batches, want %d", len(got), len(want))
			}
			for i := range got {
				if !array.RecordEqual(got[i], want[i]) {
					t.Fatalf("batch %d differs", i)
				}
			}
			if pos, _ := s.Position(); string(pos) != `{"events":50000}` {
				t.Errorf("position %s after the end, want all 50000 events", pos)
			}
		})
	}
}

// appendValue appends row i of col (int64, string or timestamp) to b.
func appendValue(b array.Builder, col arrow.Array, i int) {
	switch c := col.(type) {
	case *array.Int64:
		b.(*array.Int64Builder).Append(c.Value(i))
	case *array.String:
		b.(*array.StringBuilder).Append(c.Value(i))
	case *array.Timestamp:
		b.(*array.TimestampBuilder).Append(c.Value(i))
	default:
		panic(fmt.Sprintf("appendValue: %T", col))
	}
}

// TestParallelStaysOneCore checks that the streams that cannot be split
// (the ticker's random walk, a paced stream) generate on one core.
func TestParallelStaysOneCore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  map[string]string
	}{
		{"ticker", map[string]string{"kind": "ticker", "rate": "0", "count": "100"}},
		{"paced nexmark", map[string]string{"kind": "nexmark", "rate": "1000", "count": "100"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			s := openTest(t, alloc, newFakeClock(), discovered(t, tc.raw), withParallelism(tc.raw, 4))
			defer s.Close()
			if s.parallel() || s.StageBatches(nil) {
				t.Fatal("the source generates on several cores")
			}
			bs := drain(t, s)
			defer releaseAll(bs)
			if totalRows(bs) == 0 {
				t.Fatal("no rows")
			}
		})
	}
}

// TestParallelStageNeedsOrderedRowtime checks that a stream whose ROWTIME
// is not in event order (an auction's EXPIRES) refuses a stage, and still
// generates on several cores.
func TestParallelStageNeedsOrderedRowtime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rowtime string
		want    bool
	}{
		{"date time", "", true},
		{"arrival time", "APPROXIMATE_ARRIVAL_TIME", true},
		{"expires", "EXPIRES", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			raw := map[string]string{"kind": "nexmark", "table": "auction", "count": "1000", "parallelism": "2"}
			if tc.rowtime != "" {
				raw["rowtime"] = tc.rowtime
			}
			s := openTest(t, alloc, newFakeClock(), discovered(t, raw), raw)
			defer s.Close()
			pass := func() (Stage, func(), error) {
				return func(_ context.Context, in arrow.RecordBatch) (arrow.RecordBatch, func(), error) { return in, nil, nil }, func() {}, nil
			}
			if got := s.StageBatches(pass); got != tc.want || !s.parallel() {
				t.Fatalf("StageBatches = %v, want %v (parallel %v)", got, tc.want, s.parallel())
			}
			bs := drain(t, s)
			defer releaseAll(bs)
			if totalRows(bs) == 0 {
				t.Fatal("no rows")
			}
		})
	}
}

// TestParallelCancel checks that Next returns the context's error and
// that Close then releases every batch made ahead.
func TestParallelCancel(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	raw := map[string]string{"kind": "nexmark", "parallelism": "4", "batch_size": "128"}
	s := openTest(t, alloc, newFakeClock(), discovered(t, raw), raw)
	rb, err := s.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rb.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next on a cancelled context: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
