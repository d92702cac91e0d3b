package window_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// newNexmarkBidders builds batches of bids keyed by bidder, shaped like
// Nexmark's: 10 000 events per second of event time, a new person every 50
// events, half the bids from the newest person (rounded down to a hundred),
// the others from one of the 1 000 people before.
func newNexmarkBidders(mem memory.Allocator, batches, size int) *bidSource {
	return buildBids(mem, 88172645463325252, batches, size, func(x uint64, ev int64) (int64, int64, int64) {
		last := ev / 50
		bidder := last / 100 * 100
		if x&1 == 0 {
			bidder = max(0, last-int64(x>>8%1000))
		}
		return 1000 + bidder, int64(100 + x>>20%10000), ev / 10
	})
}

// BenchmarkParallelSession is Nexmark q11's operator: COUNT(*) of the bids
// per bidder per session of 10 s gap, on one goroutine (workers=0) and on
// 1 and 2 workers.
func BenchmarkParallelSession(b *testing.B) {
	a, _ := window.Session(10 * time.Second)
	aggs := []exec.AggSpec{{Func: "COUNT", Name: "bid_count"}}
	for _, size := range []int{1024, 4096} {
		for _, workers := range []int{0, 1, 2} {
			b.Run(fmt.Sprintf("batch=%d/workers=%d", size, workers), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				src := newNexmarkBidders(mem, 1<<20/size, size)
				defer src.release()
				cfg := window.Config{
					Assigner: a, Aggs: aggs, Alloc: mem,
					Keys: []exec.Expr{col{0, arrow.PrimitiveTypes.Int64, "bidder"}},
				}
				b.ReportAllocs()
				events := 0
				cpu0 := cpuTime()
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					src.i, src.n = 0, len(src.batches)
					var op exec.Operator
					var err error
					if workers == 0 {
						op, err = window.NewGroupBy(src, cfg)
					} else {
						op, err = window.NewParallelGroupByN(src, cfg, workers)
					}
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					drainBench(b, op)
					op.Close()
					events += len(src.batches) * size
				}
				b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(events), "cpu-ns/event")
			})
		}
	}
}

// BenchmarkParallelTumbleEarly is BenchmarkParallelTumble's query with
// early results every second of event time (EMIT … EVERY), on one
// goroutine (workers=0) and on 2 workers.
func BenchmarkParallelTumbleEarly(b *testing.B) {
	a, _ := window.Tumbling(10*time.Second, 0)
	aggs := []exec.AggSpec{
		{Func: "COUNT", Name: "c"},
		{Func: "SUM", Arg: col{1, arrow.PrimitiveTypes.Int64, "price"}, Name: "s"},
		{Func: "MAX", Arg: col{1, arrow.PrimitiveTypes.Int64, "price"}, Name: "m"},
	}
	for _, workers := range []int{0, 2} {
		b.Run(fmt.Sprintf("batch=4096/workers=%d", workers), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			src := newNexmarkBids(mem, 1<<20/4096, 4096)
			defer src.release()
			cfg := window.Config{
				Assigner: a, Aggs: aggs, Alloc: mem, Emit: window.EmitPolicy{Every: time.Second},
				Keys: []exec.Expr{col{0, arrow.PrimitiveTypes.Int64, "auction"}},
			}
			b.ReportAllocs()
			events := 0
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				src.i, src.n = 0, len(src.batches)
				var op exec.Operator
				var err error
				if workers == 0 {
					op, err = window.NewGroupBy(src, cfg)
				} else {
					op, err = window.NewParallelGroupByN(src, cfg, workers)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				drainBench(b, op)
				op.Close()
				events += len(src.batches) * 4096
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(events), "cpu-ns/event")
		})
	}
}
