package window_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// refTemporal is the reference temporal join: plain loops over the on-time
// rows of both sides. Each left row joins the right row of its key with
// the largest event time at or below its own (of equal times, the later
// one). Rows are "lk|lv|rk|rv|rowtime".
func refTemporal(kind window.JoinKind, left, right []jev) []string {
	var out []string
	for _, l := range left {
		best := -1
		for j, r := range right {
			if l.k == "" || r.k != l.k || r.ts > l.ts {
				continue
			}
			if best < 0 || r.ts >= right[best].ts {
				best = j
			}
		}
		lk := l.k
		if lk == "" {
			lk = "null"
		}
		switch {
		case best >= 0:
			out = append(out, fmt.Sprintf("%s|%d|%s|%d|%d", lk, l.v, right[best].k, right[best].v, l.ts))
		case kind == window.JoinLeft:
			out = append(out, fmt.Sprintf("%s|%d|null|null|%d", lk, l.v, l.ts))
		}
	}
	slices.Sort(out)
	return out
}

func newTestTemporal(t testing.TB, mem memory.Allocator, l, r exec.Operator, kind window.JoinKind, lateness time.Duration, e exec.ErrorSink) exec.Operator {
	t.Helper()
	op, err := window.NewTemporalJoin(l, r, window.TemporalConfig{
		Kind: kind, LeftKeys: []exec.Expr{kCol()}, RightKeys: []exec.Expr{kCol()},
		LeftLateness: lateness, RightLateness: lateness, Errors: e, Alloc: mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

func TestTemporalJoinAgainstReference(t *testing.T) {
	t.Parallel()
	for _, kind := range []window.JoinKind{window.JoinInner, window.JoinLeft} {
		for _, seed := range []uint64{1, 2, 3, 4} {
			for _, lateness := range []time.Duration{0, 20 * time.Millisecond} {
				t.Run(fmt.Sprintf("%s/seed=%d/lateness=%v", kind, seed, lateness), func(t *testing.T) {
					t.Parallel()
					rng := rand.New(rand.NewPCG(seed, uint64(kind)+10))
					left := genJoinSide(rng, 300, 1000)
					right := genJoinSide(rng, 150, 980)
					late := ms(lateness)
					want := refTemporal(kind, onTime(left, late), onTime(right, late))
					wantLate := len(left) + len(right) - len(onTime(left, late)) - len(onTime(right, late))
					if len(want) == 0 || wantLate == 0 {
						t.Fatal("the reference has no rows or no late rows: the generator is broken")
					}
					for _, size := range []int{1, 7, 0} {
						mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
						var e errs
						l := &partSource{mem: mem, batches: joinBatches(left, size)}
						r := &partSource{mem: mem, batches: joinBatches(right, size)}
						op := newTestTemporal(t, mem, l, r, kind, lateness, &e)
						got := runTemporalWatermarked(t, op)
						checkAscending(t, got)
						slices.Sort(got)
						if !slices.Equal(got, want) {
							t.Fatalf("batch size %d: %d rows, want %d\n%s", size, len(got), len(want), diffRows(got, want))
						}
						if n := op.(window.LateCounter).LateRows(); n != int64(wantLate) || len(e.recs) != wantLate {
							t.Fatalf("batch size %d: %d late rows (%d reported), want %d", size, n, len(e.recs), wantLate)
						}
						if b := op.(exec.StateSizer).StateBytes(); b != 0 {
							t.Fatalf("batch size %d: %d state bytes after the end, want 0", size, b)
						}
						op.Close()
						mem.AssertSize(t, 0)
					}
				})
			}
		}
	}
}

// runTemporalWatermarked reads op to its end, checking after each Next
// that its one output partition's watermark never goes back and that no
// row it returned is above it.
func runTemporalWatermarked(t *testing.T, op exec.Operator) []string {
	t.Helper()
	var out []string
	last := int64(math.MinInt64)
	for {
		b, err := op.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows := rowStrings(b)
		b.Release()
		parts := op.(exec.Partitioned).Partitions()
		if len(parts) != 1 {
			t.Fatalf("%d output partitions, want 1", len(parts))
		}
		wm := parts[0].Watermark
		if wm < last {
			t.Fatalf("output watermark went back from %d to %d", last, wm)
		}
		last = wm
		for _, r := range rows {
			if rt := rowtimeOf(t, r); rt > wm {
				t.Fatalf("row %s above the output watermark %d", r, wm)
			}
		}
		out = append(out, rows...)
	}
}

// TestTemporalJoinRestart stops both inputs partway, snapshots the join,
// restores a new one and feeds it the rest: the rows of both runs are
// those of one run without a stop.
func TestTemporalJoinRestart(t *testing.T) {
	t.Parallel()
	for _, kind := range []window.JoinKind{window.JoinInner, window.JoinLeft} {
		for _, size := range []int{1, 7, 0} {
			t.Run(fmt.Sprintf("%s/batch=%d", kind, size), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(9, uint64(size)))
				left := joinBatches(genJoinSide(rng, 200, 0), size)
				right := joinBatches(genJoinSide(rng, 100, -30), size)
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				full := newTestTemporal(t, mem, &partSource{mem: mem, batches: left}, &partSource{mem: mem, batches: right}, kind, 0, nil)
				want, _ := runJoin(t, full)
				full.Close()
				if len(want) == 0 {
					t.Fatal("no rows")
				}

				lh, rh := len(left)/2, len(right)/2
				first := newTestTemporal(t, mem, &partSource{mem: mem, batches: left[:lh], end: exec.ErrStopped},
					&partSource{mem: mem, batches: right[:rh], end: exec.ErrStopped}, kind, 0, nil)
				got, end := runJoin(t, first)
				if !errors.Is(end, exec.ErrStopped) {
					t.Fatalf("first run ended with %v, want ErrStopped", end)
				}
				if l, r := first.(interface{ HeldRows() (int, int) }).HeldRows(); l+r == 0 {
					t.Fatal("nothing held at the stop: the test checks nothing")
				}
				var snap bytes.Buffer
				if err := first.(exec.Snapshotter).Snapshot(&snap); err != nil {
					t.Fatal(err)
				}
				first.Close()
				second := newTestTemporal(t, mem, &partSource{mem: mem, batches: left[lh:]}, &partSource{mem: mem, batches: right[rh:]}, kind, 0, nil)
				if err := second.(exec.Snapshotter).Restore(bytes.NewReader(snap.Bytes())); err != nil {
					t.Fatal(err)
				}
				rest, _ := runJoin(t, second)
				second.Close()
				got = append(got, rest...)
				checkAscending(t, got)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("with a restart: %d rows, without: %d\n%s", len(got), len(want), diffRows(got, want))
				}
			})
		}
	}
}

// TestTemporalJoinStateBounded checks that superseded versions are freed:
// a key updated many times keeps only the versions left rows can need.
func TestTemporalJoinStateBounded(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var lrows, rrows []jev
	for i := range 3000 {
		lrows = append(lrows, jev{origin: exec.Origin(i % 2), k: "a", v: int64(i), ts: int64(i * 10)})
		rrows = append(rrows, jev{origin: exec.Origin(i % 2), k: "a", v: int64(i), ts: int64(i*10 - 5)})
	}
	op := newTestTemporal(t, mem, &partSource{mem: mem, batches: joinBatches(lrows, 10)}, &partSource{mem: mem, batches: joinBatches(rrows, 10)}, window.JoinInner, 0, nil)
	defer op.Close()
	maxRight, n := 0, 0
	for {
		b, err := op.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n += int(b.NumRows())
		b.Release()
		_, r := op.(interface{ HeldRows() (int, int) }).HeldRows()
		maxRight = max(maxRight, r)
	}
	if n != 3000 {
		t.Fatalf("%d rows, want 3000", n)
	}
	if maxRight > 500 {
		// the versions ahead of the left side's progress are needed: the
		// readers run up to a few hundred ms apart
		t.Errorf("held up to %d versions of one key, want at most 500 of 3000 (not freed)", maxRight)
	}
}

// BenchmarkTemporalJoin joins a stream of 200 000 events with a versioned
// stream of 200 000 updates, by batch size and key cardinality; it reports
// events/s of both sides together.
func BenchmarkTemporalJoin(b *testing.B) {
	const events = 200_000
	for _, size := range []int{1024, 8192} {
		for _, keys := range []int{1_000, 100_000} {
			b.Run(fmt.Sprintf("batch=%d/keys=%d", size, keys), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				ls := newJoinBenchSource(mem, 1, events, size, keys)
				rs := newJoinBenchSource(mem, 2, events, size, keys)
				defer ls.release()
				defer rs.release()
				key := []exec.Expr{col{idx: 0, dt: arrow.PrimitiveTypes.Int64, name: "auction"}}
				b.ReportAllocs()
				total, rows := 0, 0
				b.ResetTimer()
				for range b.N {
					ls.i, rs.i = 0, 0
					op, err := window.NewTemporalJoin(ls, rs, window.TemporalConfig{Kind: window.JoinLeft,
						LeftKeys: key, RightKeys: key, Alloc: mem})
					if err != nil {
						b.Fatal(err)
					}
					for {
						out, err := op.Next(context.Background())
						if err != nil {
							break
						}
						rows += int(out.NumRows())
						out.Release()
					}
					op.Close()
					total += 2 * events
				}
				b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
				if rows != b.N*events {
					b.Fatalf("%d rows out, want %d", rows, b.N*events)
				}
			})
		}
	}
}
