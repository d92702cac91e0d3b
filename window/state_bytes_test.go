package window_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// genSource makes batches on the fly: row i has key key(i), value val(i)
// and ROWTIME ts(i), until stop says so.
type genSource struct {
	mem    memory.Allocator
	schema *arrow.Schema
	key    func(i int) string
	ikey   func(i int) int64
	val    func(i int) string
	ts     func(i int) int64
	batch  int
	i      int
	stop   func() bool
}

var genSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ik", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "ROWTIME", Type: exec.TimestampType},
}, nil)

func (s *genSource) Schema() *arrow.Schema { return genSchema }
func (s *genSource) Close() error          { return nil }
func (s *genSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.stop() {
		return nil, io.EOF
	}
	b := array.NewRecordBuilder(s.mem, genSchema)
	defer b.Release()
	for range s.batch {
		i := s.i
		s.i++
		b.Field(0).(*array.StringBuilder).Append(s.key(i))
		b.Field(1).(*array.Int64Builder).Append(s.ikey(i))
		b.Field(2).(*array.StringBuilder).Append(s.val(i))
		b.Field(3).(*array.Int64Builder).Append(int64(i))
		b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(s.ts(i)))
	}
	return b.NewRecordBatch(), nil
}

func heapInuse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// TestStateBytesMatchesTheHeap grows the state of a windowed GROUP BY to
// about 100 MB in several shapes and checks that StateBytes, which
// max_state and max_memory act on, is within ±30% of what the heap really
// grew by (max_state used to count 71 MB of a 487 MB process). It does not
// run in parallel: it measures the whole heap.
func TestStateBytesMatchesTheHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("grows 100 MB of state per case")
	}
	const target = 100 << 20
	kStr := col{0, arrow.BinaryTypes.String, "k"}
	kInt := col{1, arrow.PrimitiveTypes.Int64, "ik"}
	vStr := col{2, arrow.BinaryTypes.String, "v"}
	vInt := col{3, arrow.PrimitiveTypes.Int64, "n"}
	tumble, _ := window.Tumbling(time.Hour, 0)
	hop, _ := window.Hopping(10*time.Minute, time.Second, 0)
	session, _ := window.Session(time.Hour)
	stagger, _ := window.Stagger(time.Second)
	cases := []struct {
		name string
		a    window.Assigner
		keys []exec.Expr
		aggs []exec.AggSpec
		key  func(i int) string
		ikey func(i int) int64
		val  func(i int) string
		ts   func(i int) int64
	}{
		{name: "string keys, count sum min max of strings", a: tumble, keys: []exec.Expr{kStr},
			aggs: []exec.AggSpec{{Func: "COUNT", Name: "c"}, {Func: "SUM", Arg: vInt, Name: "s"}, {Func: "MIN", Arg: vStr, Name: "mn"}, {Func: "MAX", Arg: vStr, Name: "mx"}},
			key:  func(i int) string { return fmt.Sprintf("customer-%09d", i) }, val: func(i int) string { return fmt.Sprintf("v%d", i%1000) }},
		{name: "int keys, count distinct strings", a: tumble, keys: []exec.Expr{kInt},
			aggs: []exec.AggSpec{{Func: "COUNT", Arg: vStr, Distinct: true, Name: "d"}},
			ikey: func(i int) int64 { return int64(i % 5000) }, val: func(i int) string { return fmt.Sprintf("visitor-%d", i) }},
		{name: "hopping windows, many panes, int keys", a: hop, keys: []exec.Expr{kInt},
			aggs: []exec.AggSpec{{Func: "COUNT", Name: "c"}, {Func: "SUM", Arg: vInt, Name: "s"}},
			ikey: func(i int) int64 { return int64(i % 50) }, ts: func(i int) int64 { return int64(i) * 20 }},
		{name: "session windows, string keys", a: session, keys: []exec.Expr{kStr},
			aggs: []exec.AggSpec{{Func: "COUNT", Name: "c"}, {Func: "SUM", Arg: vInt, Name: "s"}},
			key:  func(i int) string { return fmt.Sprintf("device-%d", i) }},
		// With 1000h of lateness no window's start is ever certain: every
		// row stays pending.
		{name: "stagger windows, pending rows", a: stagger, keys: []exec.Expr{kInt},
			aggs: []exec.AggSpec{{Func: "COUNT", Name: "c"}, {Func: "SUM", Arg: vInt, Name: "s"}},
			ikey: func(i int) int64 { return int64(i % 1000) }, ts: func(i int) int64 { return int64(i) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.key == nil {
				tc.key = func(int) string { return "" }
			}
			if tc.ikey == nil {
				tc.ikey = func(i int) int64 { return int64(i) }
			}
			if tc.val == nil {
				tc.val = func(int) string { return "" }
			}
			if tc.ts == nil {
				tc.ts = func(i int) int64 { return int64(i % 1000) }
			}
			mem := memory.NewGoAllocator()
			before := heapInuse()
			var op exec.Operator
			src := &genSource{mem: mem, key: tc.key, ikey: tc.ikey, val: tc.val, ts: tc.ts, batch: 4096,
				stop: func() bool { return op != nil && op.(exec.StateSizer).StateBytes() >= target }}
			op, err := window.NewGroupBy(src, window.Config{Keys: tc.keys, Aggs: tc.aggs, Assigner: tc.a, Lateness: 1000 * time.Hour, Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			for src.i == 0 || !src.stop() {
				b, err := op.Next(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				b.Release()
			}
			reported := int64(op.(exec.StateSizer).StateBytes())
			measured := heapInuse() - before
			runtime.KeepAlive(op)
			ratio := float64(reported) / float64(measured)
			t.Logf("%d rows: StateBytes %d bytes, heap grew %d bytes (%.2f)", src.i, reported, measured, ratio)
			if ratio < 0.7 || ratio > 1.3 {
				t.Errorf("StateBytes %d is %.0f%% of the heap's growth %d, want within ±30%%", reported, ratio*100, measured)
			}
			op.Close()
		})
	}
}
