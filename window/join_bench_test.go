package window_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// joinBenchSource replays pre-built batches of (auction, price, ROWTIME)
// whose event time rises 1 ms every 10 events; keys are pseudo-random.
type joinBenchSource struct {
	batches []arrow.RecordBatch
	i       int
}

func newJoinBenchSource(mem memory.Allocator, seed uint64, events, size, keys int) *joinBenchSource {
	s := &joinBenchSource{}
	x := seed | 1
	for ev := 0; ev < events; {
		ab := array.NewInt64Builder(mem)
		pb := array.NewInt64Builder(mem)
		tb := array.NewTimestampBuilder(mem, exec.TimestampType.(*arrow.TimestampType))
		n := min(size, events-ev)
		for range n {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			ab.Append(int64(x % uint64(keys)))
			pb.Append(int64(x % 10000))
			tb.Append(arrow.Timestamp(ev / 10))
			ev++
		}
		cols := []arrow.Array{ab.NewArray(), pb.NewArray(), tb.NewArray()}
		s.batches = append(s.batches, array.NewRecordBatch(benchSchema, cols, int64(n)))
		for _, c := range cols {
			c.Release()
		}
		ab.Release()
		pb.Release()
		tb.Release()
	}
	return s
}

func (s *joinBenchSource) Schema() *arrow.Schema { return benchSchema }
func (s *joinBenchSource) Next(context.Context) (arrow.RecordBatch, error) {
	if s.i >= len(s.batches) {
		return nil, io.EOF
	}
	b := s.batches[s.i]
	s.i++
	b.Retain()
	return b, nil
}
func (s *joinBenchSource) Close() error { return nil }
func (s *joinBenchSource) release() {
	for _, b := range s.batches {
		b.Release()
	}
}

// BenchmarkJoin joins two streams of 500 000 events each on auction
// within 1 s (KDA: a one-second RANGE window on the left side; each side
// holds about 10 000 rows), by batch size and key cardinality. It reports
// events/s of both sides together, and the join's largest state in bytes
// per key held and per row held.
func BenchmarkJoin(b *testing.B) {
	const events = 500_000
	for _, size := range []int{1024, 8192} {
		for _, keys := range []int{1_000, 100_000} {
			b.Run(fmt.Sprintf("batch=%d/keys=%d", size, keys), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				b.ReportAllocs()
				var peak, peakRows, out int
				for range b.N {
					b.StopTimer()
					l := newJoinBenchSource(mem, 1, events, size, keys)
					r := newJoinBenchSource(mem, 2, events, size, keys)
					op, err := window.NewJoin(l, r, window.JoinConfig{
						Kind: window.JoinInner, LeftKeys: []exec.Expr{col{idx: 0, dt: arrow.PrimitiveTypes.Int64, name: "auction"}},
						RightKeys: []exec.Expr{col{idx: 0, dt: arrow.PrimitiveTypes.Int64, name: "auction"}},
						Lower:     -time.Second, Alloc: mem,
					})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					for {
						batch, err := op.Next(context.Background())
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						out += int(batch.NumRows())
						batch.Release()
						if sb := op.(exec.StateSizer).StateBytes(); sb > peak {
							peak = sb
							lh, rh := op.(interface{ HeldRows() (int, int) }).HeldRows()
							peakRows = lh + rh
						}
					}
					b.StopTimer()
					op.Close()
					l.release()
					r.release()
					b.StartTimer()
				}
				if out == 0 || peakRows == 0 {
					b.Fatalf("%d rows out, %d rows held: nothing joined", out, peakRows)
				}
				b.ReportMetric(float64(2*events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(float64(peak)/float64(min(keys, peakRows)), "state-bytes/key")
				b.ReportMetric(float64(peak)/float64(peakRows), "state-bytes/row")
			})
		}
	}
}
