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

// benchOver runs the sliding windows specs over bid batches (event time
// advancing 1 ms per 100 events) and reports events/s.
func benchOver(b *testing.B, specs []window.OverSpec, size, keys int) {
	mem := memory.NewGoAllocator()
	// Enough distinct batches for a frame of a minute to fill up and slide.
	src := newBidSource(mem, max(1, 8_000_000/size), size, keys)
	defer src.release()
	b.ReportAllocs()
	events := 0
	peak := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		src.i, src.n = 0, len(src.batches)
		op, err := window.NewOver(src, window.OverConfig{Specs: specs, Lateness: time.Second, Alloc: mem})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		drainBench(b, op)
		peak = max(peak, op.(window.StateCounter).LiveGroups())
		op.Close()
		events += len(src.batches) * size
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkOverRange(b *testing.B) {
	price := col{1, arrow.PrimitiveTypes.Int64, "price"}
	auction := []exec.Expr{col{0, arrow.PrimitiveTypes.Int64, "auction"}}
	cases := []struct {
		name  string
		specs []window.OverSpec
	}{
		{"sum+count range 1m", []window.OverSpec{
			{Func: "SUM", Arg: price, Partition: auction, Range: time.Minute, Name: "s"},
			{Func: "COUNT", Partition: auction, Range: time.Minute, Name: "c"},
		}},
		// MAX and the other folded functions cost the frame size per row
		// (600 rows here): too slow for this size; see TestOver for them.
		{"lag rows 1", []window.OverSpec{{Func: "LAG", Arg: price, Partition: auction, Rows: true, Preceding: 1, Name: "l"}}},
	}
	for _, tc := range cases {
		for _, size := range []int{1024, 16384} {
			b.Run(fmt.Sprintf("%s/batch=%d/keys=10000", tc.name, size), func(b *testing.B) { benchOver(b, tc.specs, size, 10000) })
		}
	}
}
