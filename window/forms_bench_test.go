package window_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// benchForm runs a DISTINCT or ORDER BY operator over bid batches (event
// time advancing 1 ms per 100 events, so a 1 s bucket holds 100,000) and
// reports events/s.
func benchForm(b *testing.B, open func(src exec.Operator, mem memory.Allocator) (exec.Operator, error), size, keys int) {
	mem := memory.NewGoAllocator()
	src := newBidSource(mem, max(1, 1_000_000/size), size, keys)
	defer src.release()
	b.ReportAllocs()
	events := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		src.i, src.n = 0, len(src.batches)
		op, err := open(src, mem)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		drainBench(b, op)
		op.Close()
		events += len(src.batches) * size
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkDistinct(b *testing.B) {
	for _, keys := range []int{100, 10000} {
		for _, size := range []int{1024, 16384} {
			b.Run(fmt.Sprintf("floor 1s/batch=%d/keys=%d", size, keys), func(b *testing.B) {
				benchForm(b, func(src exec.Operator, mem memory.Allocator) (exec.Operator, error) {
					return window.NewDistinct(src, window.DistinctConfig{Keys: []int{0}, Bucket: floorTo(1000), Lateness: time.Second, Alloc: mem})
				}, size, keys)
			})
		}
	}
}

func BenchmarkOrder(b *testing.B) {
	for _, keys := range []int{100, 10000} {
		for _, size := range []int{1024, 16384} {
			b.Run(fmt.Sprintf("floor 1s, price desc/batch=%d/keys=%d", size, keys), func(b *testing.B) {
				benchForm(b, func(src exec.Operator, mem memory.Allocator) (exec.Operator, error) {
					return window.NewOrder(src, window.OrderConfig{Keys: []exec.SortKey{{Column: 1, Desc: true}, {Column: 0}}, Bucket: floorTo(1000), Lateness: time.Second, Alloc: mem})
				}, size, keys)
			})
		}
	}
}
