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

// BenchmarkParallelOver is a folded sliding window (MAX of the price per
// auction over the last second, about 10 rows a frame) and LAG, on one
// goroutine (workers=0) and on 2 workers.
func BenchmarkParallelOver(b *testing.B) {
	price := col{1, arrow.PrimitiveTypes.Int64, "price"}
	auction := []exec.Expr{col{0, arrow.PrimitiveTypes.Int64, "auction"}}
	cases := []struct {
		name  string
		specs []window.OverSpec
	}{
		{"max range 1s", []window.OverSpec{{Func: "MAX", Arg: price, Partition: auction, Range: time.Second, Name: "m"}}},
		{"lag rows 1", []window.OverSpec{{Func: "LAG", Arg: price, Partition: auction, Rows: true, Preceding: 1, Name: "l"}}},
	}
	for _, tc := range cases {
		for _, workers := range []int{0, 2} {
			b.Run(fmt.Sprintf("%s/batch=4096/keys=10000/workers=%d", tc.name, workers), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				src := newBidSource(mem, 1<<20/4096, 4096, 10000)
				defer src.release()
				b.ReportAllocs()
				events := 0
				cpu0 := cpuTime()
				b.ResetTimer()
				for range b.N {
					b.StopTimer()
					src.i, src.n = 0, len(src.batches)
					cfg := window.OverConfig{Specs: tc.specs, Lateness: time.Second, Alloc: mem}
					var op exec.Operator
					var err error
					if workers == 0 {
						op, err = window.NewOver(src, cfg)
					} else {
						op, err = window.NewParallelOver(src, cfg, workers)
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
}
