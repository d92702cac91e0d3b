package kinesis

import (
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestShardWatermarks(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "ROWTIME", Type: &arrow.TimestampType{Unit: arrow.Millisecond}}}, nil)
	batch := func(ts ...int64) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		for _, v := range ts {
			b.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(v))
		}
		return b.NewRecordBatch()
	}
	w := newWatermarks(100*time.Millisecond, time.Second)
	now := time.Unix(1000, 0)
	if w.wm != math.MinInt64 {
		t.Fatal("a watermark before any row")
	}
	w.row("a")
	w.row("b")
	w.row("a")
	rec := batch(5000, 2000, 9000)
	w.observe(rec, now)
	rec.Release()
	if w.wm != 2000-100-1 {
		t.Errorf("watermark %d: the lagging shard b must hold it at %d", w.wm, 2000-100-1)
	}
	// b goes quiet past idle_timeout while a goes on: b stops holding it.
	w.row("a")
	rec = batch(12000)
	w.observe(rec, now.Add(2*time.Second))
	rec.Release()
	if w.wm != 12000-100-1 {
		t.Errorf("watermark %d after b went idle, want %d", w.wm, 12000-100-1)
	}
	// Every shard idle: the watermark moves with the clock.
	rec = batch()
	w.observe(rec, now.Add(5*time.Second))
	rec.Release()
	if w.wm != 12000-100-1+3000 {
		t.Errorf("watermark %d with every shard idle, want %d", w.wm, 12000-100-1+3000)
	}
	// It never goes back, even when a finished shard is forgotten.
	w.done("a")
	rec = batch()
	w.observe(rec, now.Add(5*time.Second))
	rec.Release()
	if w.wm < 12000-100-1+3000 {
		t.Errorf("watermark went back to %d", w.wm)
	}
}
