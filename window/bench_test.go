package window_test

import (
	"context"
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

var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "auction", Type: arrow.PrimitiveTypes.Int64},
	{Name: "price", Type: arrow.PrimitiveTypes.Int64},
	{Name: "ROWTIME", Type: exec.TimestampType},
}, nil)

// bidSource replays pre-built bid batches: event time advances 1ms per
// 100 events, keys cycle pseudo-randomly.
type bidSource struct {
	batches []arrow.RecordBatch
	i, n    int
}

func newBidSource(mem memory.Allocator, batches, size, keys int) *bidSource {
	return buildBids(mem, 1, batches, size, func(x uint64, ev int64) (int64, int64, int64) {
		return int64(x % uint64(keys)), int64(x % 10000), ev / 100
	})
}

// buildBids builds batches of size bids whose auction, price and event
// time (ms) bid makes of a xorshift value (from seed) and the event number.
func buildBids(mem memory.Allocator, seed uint64, batches, size int, bid func(x uint64, ev int64) (auction, price, ts int64)) *bidSource {
	s := &bidSource{}
	x := seed
	ev := int64(0)
	for range batches {
		ab := array.NewInt64Builder(mem)
		pb := array.NewInt64Builder(mem)
		tb := array.NewTimestampBuilder(mem, exec.TimestampType.(*arrow.TimestampType))
		for range size {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			a, p, t := bid(x, ev)
			ab.Append(a)
			pb.Append(p)
			tb.Append(arrow.Timestamp(t))
			ev++
		}
		a, p, ts := ab.NewArray(), pb.NewArray(), tb.NewArray()
		s.batches = append(s.batches, array.NewRecordBatch(benchSchema, []arrow.Array{a, p, ts}, int64(size)))
		a.Release()
		p.Release()
		ts.Release()
		ab.Release()
		pb.Release()
		tb.Release()
	}
	return s
}

// drainBench reads op to its end, releasing every batch.
func drainBench(b *testing.B, op exec.Operator) {
	for {
		out, err := op.Next(context.Background())
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

func (s *bidSource) Schema() *arrow.Schema { return benchSchema }
func (s *bidSource) Next(context.Context) (arrow.RecordBatch, error) {
	if s.i >= s.n {
		return nil, io.EOF
	}
	b := s.batches[s.i%len(s.batches)]
	s.i++
	b.Retain()
	return b, nil
}
func (s *bidSource) Close() error { return nil }
func (s *bidSource) release() {
	for _, b := range s.batches {
		b.Release()
	}
}

func benchGroupBy(b *testing.B, a window.Assigner, aggs []exec.AggSpec, size, keys int) {
	benchGroupByCfg(b, window.Config{Assigner: a, Aggs: aggs}, size, keys)
}

// benchGroupByCfg runs cfg (its keys and allocator are set here) over the
// bid source.
func benchGroupByCfg(b *testing.B, cfg window.Config, size, keys int) {
	mem := memory.NewGoAllocator()
	// Event time must keep advancing across replays, so generate enough
	// distinct batches for the run.
	src := newBidSource(mem, 64, size, keys)
	defer src.release()
	b.ReportAllocs()
	events := 0
	peak := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		src.i, src.n = 0, len(src.batches)
		c := cfg
		c.Keys, c.Alloc = []exec.Expr{col{0, arrow.PrimitiveTypes.Int64, "auction"}}, mem
		op, err := window.NewGroupBy(src, c)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for {
			out, err := op.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
			if sc := op.(window.StateCounter); sc.LiveGroups() > 0 {
				peak = max(peak, sc.StateBytes()/sc.LiveGroups())
			}
		}
		op.Close()
		events += len(src.batches) * size
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(peak), "bytes/key")
}

func BenchmarkTumblingCountSumMax(b *testing.B) {
	a, _ := window.Tumbling(10*time.Second, 0)
	aggs := []exec.AggSpec{
		{Func: "COUNT", Name: "c"},
		{Func: "SUM", Arg: col{1, arrow.PrimitiveTypes.Int64, "price"}, Name: "s"},
		{Func: "MAX", Arg: col{1, arrow.PrimitiveTypes.Int64, "price"}, Name: "m"},
	}
	for _, size := range []int{4096, 16384} {
		b.Run(fmt.Sprintf("batch=%d/keys=10000", size), func(b *testing.B) { benchGroupBy(b, a, aggs, size, 10000) })
	}
}

func BenchmarkHopCount(b *testing.B) {
	a, _ := window.Hopping(10*time.Second, 2*time.Second, 0)
	aggs := []exec.AggSpec{{Func: "COUNT", Name: "c"}}
	b.Run("batch=16384/keys=10000", func(b *testing.B) { benchGroupBy(b, a, aggs, 16384, 10000) })
}

func BenchmarkSessionCount(b *testing.B) {
	a, _ := window.Session(2 * time.Second)
	aggs := []exec.AggSpec{{Func: "COUNT", Name: "c"}, {Func: "SUM", Arg: col{1, arrow.PrimitiveTypes.Int64, "price"}, Name: "s"}}
	b.Run("batch=16384/keys=10000", func(b *testing.B) { benchGroupBy(b, a, aggs, 16384, 10000) })
}
