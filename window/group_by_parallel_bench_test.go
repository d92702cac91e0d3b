package window_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// newNexmarkBids builds batches of bids shaped like Nexmark's: 10 000
// events per second of event time, a new auction every 50/3 events, half
// the bids on the hot auction (the newest, rounded down to a hundred), the
// others on one of the 100 auctions in flight.
func newNexmarkBids(mem memory.Allocator, batches, size int) *bidSource {
	return buildBids(mem, 88172645463325252, batches, size, func(x uint64, ev int64) (int64, int64, int64) {
		last := ev * 3 / 50
		auction := last / 100 * 100
		if x&1 == 0 {
			auction = max(0, last-int64(x>>8%100))
		}
		return 1000 + auction, int64(100 + x>>20%10000), ev / 10
	})
}

// BenchmarkParallelTumble is the Nexmark "tumble" query's operator:
// COUNT, SUM and MAX of the price per auction per 10 s tumbling window,
// on one goroutine (workers=0) and on 1, 2 and 4 workers.
func BenchmarkParallelTumble(b *testing.B) {
	a, _ := window.Tumbling(10*time.Second, 0)
	aggs := []exec.AggSpec{
		{Func: "COUNT", Name: "c"},
		{Func: "SUM", Arg: col{1, arrow.PrimitiveTypes.Int64, "price"}, Name: "s"},
		{Func: "MAX", Arg: col{1, arrow.PrimitiveTypes.Int64, "price"}, Name: "m"},
	}
	for _, size := range []int{1024, 4096} {
		for _, workers := range []int{0, 1, 2, 4} {
			b.Run(fmt.Sprintf("batch=%d/workers=%d", size, workers), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				src := newNexmarkBids(mem, 1<<20/size, size)
				defer src.release()
				cfg := window.Config{
					Assigner: a, Aggs: aggs, Alloc: mem,
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
					events += len(src.batches) * size
				}
				b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
				// CPU per event (all goroutines, setup included): on a shared
				// machine it shows the parallel form's overhead when the
				// wall-clock rate cannot show its scaling.
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(events), "cpu-ns/event")
			})
		}
	}
}

// cpuTime returns the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
