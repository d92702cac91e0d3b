package window_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// BenchmarkParallelJoin is BenchmarkJoin's join (two streams of 500 000
// events on auction within 1 s) on one goroutine (workers=0) and on 1 and
// 2 workers. It reports events/s of both sides together and the CPU time
// per event of the whole process (all goroutines, setup included), which
// shows the parallel form's overhead when the wall-clock rate cannot show
// its scaling on a shared machine.
func BenchmarkParallelJoin(b *testing.B) {
	const events = 500_000
	for _, size := range []int{1024, 8192} {
		for _, keys := range []int{1_000, 100_000} {
			for _, workers := range []int{0, 1, 2} {
				b.Run(fmt.Sprintf("batch=%d/keys=%d/workers=%d", size, keys, workers), func(b *testing.B) {
					mem := memory.NewGoAllocator()
					b.ReportAllocs()
					out := 0
					cpu0 := cpuTime()
					b.ResetTimer()
					for range b.N {
						b.StopTimer()
						l := newJoinBenchSource(mem, 1, events, size, keys)
						r := newJoinBenchSource(mem, 2, events, size, keys)
						cfg := window.JoinConfig{
							Kind: window.JoinInner, LeftKeys: []exec.Expr{col{idx: 0, dt: arrow.PrimitiveTypes.Int64, name: "auction"}},
							RightKeys: []exec.Expr{col{idx: 0, dt: arrow.PrimitiveTypes.Int64, name: "auction"}},
							Lower:     -time.Second, Alloc: mem,
						}
						var op exec.Operator
						var err error
						if workers == 0 {
							op, err = window.NewJoin(l, r, cfg)
						} else {
							op, err = window.NewParallelJoinN(l, r, cfg, workers)
						}
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
						}
						b.StopTimer()
						op.Close()
						l.release()
						r.release()
						b.StartTimer()
					}
					if out == 0 {
						b.Fatal("nothing joined")
					}
					b.ReportMetric(float64(2*events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
					b.ReportMetric(float64(cpuTime()-cpu0)/float64(2*events*b.N), "cpu-ns/event")
				})
			}
		}
	}
}
