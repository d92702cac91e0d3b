package window_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// BenchmarkStaggerCountSum measures stagger windows of 1s over bids whose
// event time advances 1ms per 100 events. With no lateness a window's start
// is certain as soon as the batch that opens it is folded, so nearly every
// row goes straight into its window; with 2s of lateness (more than the
// range) every row waits as a pending row until the watermark reaches its
// window's start.
func BenchmarkStaggerCountSum(b *testing.B) {
	a, _ := window.Stagger(time.Second)
	aggs := []exec.AggSpec{{Func: "COUNT", Name: "c"}, {Func: "SUM", Arg: col{1, arrow.PrimitiveTypes.Int64, "price"}, Name: "s"}}
	for _, lateness := range []time.Duration{0, 2 * time.Second} {
		for _, keys := range []int{100, 10000} {
			b.Run(fmt.Sprintf("lateness=%v/batch=16384/keys=%d", lateness, keys), func(b *testing.B) {
				benchGroupByCfg(b, window.Config{Assigner: a, Aggs: aggs, Lateness: lateness}, 16384, keys)
			})
		}
	}
}
