package window_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

var snapDec = &arrow.Decimal128Type{Precision: 10, Scale: 2}

var snapSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "d", Type: snapDec, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "ROWTIME", Type: exec.TimestampType},
}, nil)

var (
	sK = col{0, arrow.BinaryTypes.String, "k"}
	sN = col{1, arrow.PrimitiveTypes.Int64, "n"}
	sV = col{2, arrow.PrimitiveTypes.Int64, "v"}
	sS = col{3, arrow.BinaryTypes.String, "s"}
	sF = col{4, arrow.PrimitiveTypes.Float64, "f"}
	sD = col{5, snapDec, "d"}
	sB = col{6, arrow.FixedWidthTypes.Boolean, "b"}
)

// genBatches returns a deterministic random stream: keys (some NULL) out of
// keys, values of every type (some NULL), event times that mostly advance
// with some out-of-order and late rows, and some empty batches.
func genBatches(seed uint64, n, keys int) []string {
	r := rand.New(rand.NewPCG(seed, 42))
	t := int64(1_000_000)
	null := func(p float64, v string) string {
		if r.Float64() < p {
			return "null"
		}
		return v
	}
	var out []string
	for range n {
		if r.IntN(10) == 0 {
			out = append(out, "[]")
			continue
		}
		var rows []string
		for range r.IntN(12) + 1 {
			t += int64(r.IntN(150))
			ts := t
			if r.IntN(8) == 0 {
				ts -= int64(r.IntN(2500))
			}
			rows = append(rows, fmt.Sprintf(`{"k":%s,"n":%s,"v":%s,"s":%s,"f":%s,"d":%s,"b":%s,"ROWTIME":%d}`,
				null(0.1, fmt.Sprintf(`"k%d"`, r.IntN(keys))),
				null(0.1, fmt.Sprint(r.IntN(3))),
				null(0.15, fmt.Sprint(r.IntN(201)-100)),
				null(0.15, fmt.Sprintf(`"%c"`, 'a'+r.IntN(6))),
				null(0.1, fmt.Sprintf("%d.%02d", r.IntN(50), r.IntN(100))),
				null(0.1, fmt.Sprintf(`"%d.%02d"`, r.IntN(1000)-500, r.IntN(100))),
				null(0.2, fmt.Sprint(r.IntN(2) == 0)),
				ts))
		}
		out = append(out, "["+strings.Join(rows, ",")+"]")
	}
	return out
}

// snapSource replays JSON batches from index i; its clock advances 250ms
// per batch read, so two operators at the same point see the same time.
type snapSource struct {
	mem     memory.Allocator
	batches []string
	i       int
}

func (s *snapSource) Schema() *arrow.Schema { return snapSchema }
func (s *snapSource) Next(context.Context) (arrow.RecordBatch, error) {
	if s.i >= len(s.batches) {
		return nil, io.EOF
	}
	b, _, err := array.RecordFromJSON(s.mem, snapSchema, strings.NewReader(s.batches[s.i]))
	s.i++
	return b, err
}
func (s *snapSource) Close() error              { return nil }
func (s *snapSource) clock() time.Time          { return time.UnixMilli(int64(s.i) * 250) }
func (s *snapSource) clockFn() func() time.Time { return s.clock }

// allAggs uses every accumulator kind.
func allAggs() []exec.AggSpec {
	return []exec.AggSpec{
		{Func: "COUNT", Name: "c"},
		{Func: "COUNT", Arg: sV, Name: "cv"},
		{Func: "SUM", Arg: sV, Name: "sv"},
		{Func: "MAX", Arg: sV, Name: "mv"},
		{Func: "COUNT", Arg: sS, Distinct: true, Name: "ds"},
		{Func: "FIRST_VALUE", Arg: sS, Name: "fs"},
		{Func: "LAST_VALUE", Arg: sV, IgnoreNulls: true, Name: "lv"},
		{Func: "AVG", Arg: sF, Name: "af"},
		{Func: "STDDEV_SAMP", Arg: sF, Name: "sf"},
		{Func: "VAR_POP", Arg: sV, Name: "vv"},
		{Func: "SUM", Arg: sD, Name: "sd"},
		{Func: "AVG", Arg: sD, Name: "ad"},
		{Func: "MIN", Arg: sS, Name: "ms"},
		{Func: "MIN", Arg: sD, Name: "md"},
		{Func: "MAX", Arg: sF, Name: "mf"},
		{Func: "MAX", Arg: sB, Name: "mb"},
		{Func: "FIRST_VALUE", Arg: sD, Name: "fd"},
	}
}

// pipeline builds an operator chain over src and returns its top and the
// stateful operators to snapshot, in order.
type pipeline func(t testing.TB, mem memory.Allocator, src *snapSource) (exec.Operator, []exec.Snapshotter)

func groupByPipe(a func() (window.Assigner, error), keys []exec.Expr, emit window.EmitPolicy, withWM bool) pipeline {
	return func(t testing.TB, mem memory.Allocator, src *snapSource) (exec.Operator, []exec.Snapshotter) {
		t.Helper()
		as, err := a()
		if err != nil {
			t.Fatal(err)
		}
		var in exec.Operator = src
		var snaps []exec.Snapshotter
		if withWM {
			if in, err = window.NewWatermark(src, 7, 300*time.Millisecond, 600*time.Millisecond, src.clockFn()); err != nil {
				t.Fatal(err)
			}
			snaps = append(snaps, in.(exec.Snapshotter))
		}
		op, err := window.NewGroupBy(in, window.Config{
			Keys: keys, Aggs: allAggs(), Assigner: as, Lateness: 500 * time.Millisecond,
			Emit: emit, Late: window.LateCount, Alloc: mem, Clock: src.clockFn(),
		})
		if err != nil {
			t.Fatal(err)
		}
		return op, append(snaps, op.(exec.Snapshotter))
	}
}

func overPipe(specs ...window.OverSpec) pipeline {
	return func(t testing.TB, mem memory.Allocator, src *snapSource) (exec.Operator, []exec.Snapshotter) {
		t.Helper()
		op, err := window.NewOver(src, window.OverConfig{Specs: specs, Alloc: mem})
		if err != nil {
			t.Fatal(err)
		}
		return op, []exec.Snapshotter{op.(exec.Snapshotter)}
	}
}

// perSecond buckets event times by the second.
func perSecond(t int64) int64 { return t / 1000 }

func distinctPipe(keys []int) pipeline {
	return func(t testing.TB, mem memory.Allocator, src *snapSource) (exec.Operator, []exec.Snapshotter) {
		t.Helper()
		op, err := window.NewDistinct(src, window.DistinctConfig{Keys: keys, Bucket: perSecond,
			Lateness: 500 * time.Millisecond, Late: window.LateCount, Alloc: mem, Clock: src.clockFn()})
		if err != nil {
			t.Fatal(err)
		}
		return op, []exec.Snapshotter{op.(exec.Snapshotter)}
	}
}

func orderPipe(keys []exec.SortKey) pipeline {
	return func(t testing.TB, mem memory.Allocator, src *snapSource) (exec.Operator, []exec.Snapshotter) {
		t.Helper()
		op, err := window.NewOrder(src, window.OrderConfig{Keys: keys, Bucket: perSecond,
			Lateness: 500 * time.Millisecond, Late: window.LateCount, Alloc: mem, Clock: src.clockFn()})
		if err != nil {
			t.Fatal(err)
		}
		return op, []exec.Snapshotter{op.(exec.Snapshotter)}
	}
}

// step renders one Next: its rows, the watermark and the late-row count.
func step(t testing.TB, op exec.Operator) (string, bool) {
	t.Helper()
	b, err := op.Next(context.Background())
	if errors.Is(err, io.EOF) {
		return "EOF", false
	}
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	defer b.Release()
	s := strings.Join(rowStrings(b), "\n")
	if w, ok := op.(exec.Watermarker); ok {
		s += fmt.Sprintf("\nwm=%d", w.Watermark())
	}
	if l, ok := op.(window.LateCounter); ok {
		s += fmt.Sprintf(" late=%d", l.LateRows())
	}
	return s, true
}

func runAll(t testing.TB, op exec.Operator) []string {
	t.Helper()
	var out []string
	for {
		s, more := step(t, op)
		out = append(out, s)
		if !more {
			return out
		}
	}
}

func snapshotAll(t testing.TB, snaps []exec.Snapshotter) [][]byte {
	t.Helper()
	var out [][]byte
	for _, s := range snaps {
		var buf bytes.Buffer
		if err := s.Snapshot(&buf); err != nil {
			t.Fatalf("Snapshot: %v", err)
		}
		out = append(out, buf.Bytes())
	}
	return out
}

func restoreAll(t testing.TB, snaps []exec.Snapshotter, data [][]byte) {
	t.Helper()
	for i, s := range snaps {
		if err := s.Restore(bytes.NewReader(data[i])); err != nil {
			t.Fatalf("Restore: %v", err)
		}
	}
}

func diff(t testing.TB, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d steps, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: step %d:\ngot  %q\nwant %q", what, i, got[i], want[i])
		}
	}
}

func TestSnapshotRestoreSameFutureOutput(t *testing.T) {
	t.Parallel()
	keyK := []exec.Expr{sK}
	tumble := func() (window.Assigner, error) { return window.Tumbling(time.Second, 0) }
	hop := func() (window.Assigner, error) { return window.Hopping(2*time.Second, 500*time.Millisecond, 0) }
	cumulate := func() (window.Assigner, error) { return window.Cumulate(500*time.Millisecond, 2*time.Second) }
	session := func() (window.Assigner, error) { return window.Session(400 * time.Millisecond) }
	stagger := func() (window.Assigner, error) { return window.Stagger(time.Second) }
	cases := []struct {
		name string
		keys int
		pipe pipeline
	}{
		{"tumbling string key", 5, groupByPipe(tumble, keyK, window.EmitPolicy{}, false)},
		{"tumbling no keys", 5, groupByPipe(tumble, nil, window.EmitPolicy{}, false)},
		{"tumbling many keys", 400, groupByPipe(tumble, keyK, window.EmitPolicy{}, false)},
		{"tumbling early results every 700ms of event time", 5, groupByPipe(tumble, keyK, window.EmitPolicy{Every: 700 * time.Millisecond}, false)},
		{"hopping composite key", 5, groupByPipe(hop, []exec.Expr{sK, sN}, window.EmitPolicy{}, false)},
		{"hopping early results by processing time", 5, groupByPipe(hop, keyK, window.EmitPolicy{Every: time.Second, ProcessingTime: true}, false)},
		{"cumulate int key", 5, groupByPipe(cumulate, []exec.Expr{sN}, window.EmitPolicy{}, false)},
		{"session with merges", 4, groupByPipe(session, keyK, window.EmitPolicy{}, false)},
		{"session many keys with early results", 300, groupByPipe(session, keyK, window.EmitPolicy{Every: 500 * time.Millisecond}, false)},
		{"session no keys", 1, groupByPipe(session, nil, window.EmitPolicy{}, false)},
		{"stagger composite key", 5, groupByPipe(stagger, []exec.Expr{sK, sN}, window.EmitPolicy{}, false)},
		{"stagger many keys with early results", 200, groupByPipe(stagger, keyK, window.EmitPolicy{Every: 700 * time.Millisecond}, false)},
		{"tumbling over watermark operator", 5, groupByPipe(tumble, keyK, window.EmitPolicy{}, true)},
		{"session over watermark operator", 5, groupByPipe(session, keyK, window.EmitPolicy{}, true)},
		{"over rows", 6, overPipe(
			window.OverSpec{Func: "SUM", Arg: sV, Partition: keyK, Rows: true, Preceding: 2, Name: "a"},
			window.OverSpec{Func: "LAG", Arg: sV, Partition: keyK, Rows: true, Preceding: 1, Name: "b"},
			window.OverSpec{Func: "FIRST_VALUE", Arg: sS, Partition: []exec.Expr{sK, sN}, Rows: true, Preceding: 3, Name: "c"},
			window.OverSpec{Func: "NTH_VALUE", Arg: sD, N: 2, Partition: keyK, Rows: true, Preceding: 4, Name: "d"},
			window.OverSpec{Func: "COUNT", Rows: true, Preceding: 5, Name: "e"},
		)},
		{"over range", 6, overPipe(
			window.OverSpec{Func: "AVG", Arg: sD, Partition: keyK, Range: time.Second, Name: "a"},
			window.OverSpec{Func: "MIN", Arg: sS, Partition: []exec.Expr{sN}, Range: 700 * time.Millisecond, Name: "b"},
			window.OverSpec{Func: "LAST_VALUE", Arg: sF, IgnoreNulls: true, Partition: keyK, Range: 300 * time.Millisecond, Name: "c"},
			window.OverSpec{Func: "STDDEV_POP", Arg: sF, Range: 2 * time.Second, Name: "d"},
			window.OverSpec{Func: "COUNT", Partition: keyK, Range: 1500 * time.Millisecond, Name: "e"},
			window.OverSpec{Func: "MAX", Arg: sB, Partition: keyK, Range: time.Second, Name: "f"},
		)},
		{"over range many partitions", 300, overPipe(
			window.OverSpec{Func: "SUM", Arg: sV, Partition: keyK, Range: 400 * time.Millisecond, Name: "a"},
		)},
		{"distinct per second", 6, distinctPipe([]int{0, 1})},
		{"distinct many keys", 300, distinctPipe([]int{0, 3, 5})},
		{"order by bucket then value", 6, orderPipe([]exec.SortKey{{Column: 2, Desc: true}, {Column: 0}})},
		{"order by bucket only", 300, orderPipe(nil)},
		{"watermark operator with idle input", 3, func(t testing.TB, mem memory.Allocator, src *snapSource) (exec.Operator, []exec.Snapshotter) {
			op, err := window.NewWatermark(src, 7, 200*time.Millisecond, 500*time.Millisecond, src.clockFn())
			if err != nil {
				t.Fatal(err)
			}
			return op, []exec.Snapshotter{op.(exec.Snapshotter)}
		}},
	}
	const nBatches = 40
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(6) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				batches := genBatches(seed, nBatches, tc.keys)
				cut := rand.New(rand.NewPCG(seed, 7)).IntN(nBatches + 1)
				if seed == 0 {
					cut = nBatches / 2
				}
				t.Logf("seed %d cut %d", seed, cut)

				// The uninterrupted run.
				full, _ := tc.pipe(t, mem, &snapSource{mem: mem, batches: batches})
				want := runAll(t, full)[cut:]
				full.Close()

				// Snapshot at the cut, then go on: Snapshot changes nothing.
				orig, snaps := tc.pipe(t, mem, &snapSource{mem: mem, batches: batches})
				for range cut {
					step(t, orig)
				}
				if sz, ok := orig.(exec.StateSizer); ok && sz.StateBytes() < 0 {
					t.Errorf("StateBytes = %d", sz.StateBytes())
				}
				data := snapshotAll(t, snaps)
				diff(t, "snapshotted operator", runAll(t, orig), want)
				orig.Close()

				// A fresh operator restored from the snapshot, fed the rest.
				rest, rsnaps := tc.pipe(t, mem, &snapSource{mem: mem, batches: batches, i: cut})
				restoreAll(t, rsnaps, data)
				// Snapshotting the restored state gives a working snapshot too.
				again := snapshotAll(t, rsnaps)
				diff(t, "restored operator", runAll(t, rest), want)
				rest.Close()

				rest2, rsnaps2 := tc.pipe(t, mem, &snapSource{mem: mem, batches: batches, i: cut})
				restoreAll(t, rsnaps2, again)
				diff(t, "operator restored from a restored one", runAll(t, rest2), want)
				rest2.Close()
				mem.AssertSize(t, 0)
			}
		})
	}
}
