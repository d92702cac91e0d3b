package window_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

const benchOpenKeys = 100_000

// openKeysOp returns a tumbling COUNT/SUM/MAX group-by holding
// benchOpenKeys open keys in one (hour-long) window, and its source.
func openKeysOp(b *testing.B, mem memory.Allocator) (exec.Operator, *bidSource) {
	b.Helper()
	src := &bidSource{}
	const size = 10_000
	for k := 0; k < benchOpenKeys; k += size {
		ab := array.NewInt64Builder(mem)
		pb := array.NewInt64Builder(mem)
		tb := array.NewTimestampBuilder(mem, exec.TimestampType.(*arrow.TimestampType))
		for i := k; i < k+size; i++ {
			ab.Append(int64(i))
			pb.Append(int64(i % 10000))
			tb.Append(arrow.Timestamp(i / 100))
		}
		a, p, ts := ab.NewArray(), pb.NewArray(), tb.NewArray()
		src.batches = append(src.batches, array.NewRecordBatch(benchSchema, []arrow.Array{a, p, ts}, size))
		for _, x := range []interface{ Release() }{a, p, ts, ab, pb, tb} {
			x.Release()
		}
	}
	src.n = len(src.batches)
	op := newOpenKeysGroupBy(b, mem, src)
	for range src.batches {
		out, err := op.Next(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	if n := op.(window.StateCounter).LiveGroups(); n != benchOpenKeys {
		b.Fatalf("%d open groups, want %d", n, benchOpenKeys)
	}
	return op, src
}

func newOpenKeysGroupBy(b *testing.B, mem memory.Allocator, src exec.Operator) exec.Operator {
	b.Helper()
	a, _ := window.Tumbling(time.Hour, 0)
	price := col{1, arrow.PrimitiveTypes.Int64, "price"}
	op, err := window.NewGroupBy(src, window.Config{
		Keys: []exec.Expr{col{0, arrow.PrimitiveTypes.Int64, "auction"}},
		Aggs: []exec.AggSpec{
			{Func: "COUNT", Name: "c"}, {Func: "SUM", Arg: price, Name: "s"}, {Func: "MAX", Arg: price, Name: "m"},
		},
		Assigner: a, Alloc: mem,
	})
	if err != nil {
		b.Fatal(err)
	}
	return op
}

// BenchmarkSnapshotOpenKeys is the checkpoint cost of 100,000 open keys in
// a tumbling COUNT/SUM/MAX window: time per snapshot, snapshot bytes, and
// the operator's StateBytes estimate.
func BenchmarkSnapshotOpenKeys(b *testing.B) {
	mem := memory.NewGoAllocator()
	op, src := openKeysOp(b, mem)
	defer src.release()
	defer op.Close()
	var buf bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf.Reset()
		if err := op.(exec.Snapshotter).Snapshot(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchOpenKeys)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(buf.Len()), "snapshot-bytes")
	b.ReportMetric(float64(op.(exec.StateSizer).StateBytes()), "state-bytes")
}

// BenchmarkRestoreOpenKeys is the time to restore that snapshot into a
// fresh operator.
func BenchmarkRestoreOpenKeys(b *testing.B) {
	mem := memory.NewGoAllocator()
	op, src := openKeysOp(b, mem)
	defer src.release()
	var buf bytes.Buffer
	if err := op.(exec.Snapshotter).Snapshot(&buf); err != nil {
		b.Fatal(err)
	}
	op.Close()
	data := buf.Bytes()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		fresh := newOpenKeysGroupBy(b, mem, &bidSource{})
		b.StartTimer()
		if err := fresh.(exec.Snapshotter).Restore(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n := fresh.(window.StateCounter).LiveGroups(); n != benchOpenKeys {
			b.Fatalf("restored %d groups", n)
		}
		fresh.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*benchOpenKeys)/b.Elapsed().Seconds(), "events/s")
}
