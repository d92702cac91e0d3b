package window_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

func TestOver(t *testing.T) {
	t.Parallel()
	k := []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
	v := col{1, arrow.PrimitiveTypes.Int64, "v"}
	batches := []string{
		`[{"k":"a","v":1,"ROWTIME":0},{"k":"b","v":10,"ROWTIME":0},{"k":"a","v":2,"ROWTIME":500}]`,
		`[{"k":"a","v":3,"ROWTIME":1000},{"k":"a","v":null,"ROWTIME":1500}]`,
	}
	cases := []struct {
		name string
		spec window.OverSpec
		want []string // the spec's column, row by row
	}{
		{"sum range 1s lower bound inclusive", window.OverSpec{Func: "SUM", Arg: v, Partition: k, Range: time.Second}, []string{"1", "10", "3", "6", "5"}},
		{"count star rows 1 preceding", window.OverSpec{Func: "COUNT", Partition: k, Rows: true, Preceding: 1}, []string{"1", "1", "2", "2", "2"}},
		{"avg rows 2 preceding", window.OverSpec{Func: "AVG", Arg: v, Partition: k, Rows: true, Preceding: 2}, []string{"1", "10", "1", "2", "2"}},
		{"min range zero is current row", window.OverSpec{Func: "MIN", Arg: v, Partition: k}, []string{"1", "10", "2", "3", "null"}},
		{"lag 1", window.OverSpec{Func: "LAG", Arg: v, Partition: k, Rows: true, Preceding: 1}, []string{"null", "null", "1", "2", "3"}},
		{"nth value 2", window.OverSpec{Func: "NTH_VALUE", Arg: v, N: 2, Partition: k, Range: time.Minute}, []string{"null", "null", "2", "2", "2"}},
		{"first value unpartitioned", window.OverSpec{Func: "FIRST_VALUE", Arg: v, Range: 600 * time.Millisecond}, []string{"1", "1", "1", "2", "3"}},
		{"last value ignore nulls", window.OverSpec{Func: "LAST_VALUE", Arg: v, IgnoreNulls: true, Partition: k, Rows: true, Preceding: 3}, []string{"1", "10", "2", "3", "3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tc.spec.Name = "x"
			src := &jsonSource{mem: mem, schema: bidSchema, batches: batches}
			op, err := window.NewOver(src, window.OverConfig{Specs: []window.OverSpec{tc.spec, {Func: "COUNT", Name: "n", Range: time.Hour}}, Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			var got []string
			for _, r := range flat(drain(t, op)) {
				var k, v, rt, x, n string
				fmt.Sscanf(replaceBars(r), "%s %s %s %s %s", &k, &v, &rt, &x, &n)
				got = append(got, x)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOverStateBounded(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var batches []string
	for i := range 50 {
		batches = append(batches, fmt.Sprintf(`[{"k":"k%d","v":1,"ROWTIME":%d}]`, i, i*1000))
	}
	src := &jsonSource{mem: mem, schema: bidSchema, batches: batches}
	op, err := window.NewOver(src, window.OverConfig{Specs: []window.OverSpec{{
		Func: "SUM", Arg: col{1, arrow.PrimitiveTypes.Int64, "v"}, Partition: []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}},
		Range: 2 * time.Second, Name: "s",
	}}, Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	drain(t, op)
	if n := op.(window.StateCounter).LiveGroups(); n > 4 {
		t.Errorf("rows held after 50 partitions went quiet = %d, want at most 4", n)
	}
}

func replaceBars(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '|' {
			b[i] = ' '
		}
	}
	return string(b)
}

// overOp builds the differential test's operator over src.
func overOp(t testing.TB, mem memory.Allocator, src exec.Operator, cfg window.OverConfig) exec.Operator {
	t.Helper()
	specs, _ := overCase(t)
	cfg.Specs, cfg.Alloc = specs, mem
	op, err := window.NewOver(src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

func sameRows(t testing.TB, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: row %d:\ngot  %s\nwant %s", what, i, got[i], want[i])
		}
	}
}

func TestOverEventTimeMatchesReference(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		seed      uint64
		keys      int
		lateEvery int
	}{
		{"shuffled within 2s, three keys", 1, 3, 0},
		{"shuffled within 2s, one key", 2, 1, 0},
		{"shuffled within 2s, many keys", 3, 40, 0},
		{"with rows 10s late", 4, 3, 17},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows := genShuffled(tc.seed, 600, tc.keys, 2000, tc.lateEvery, 0, 1_000_000)
			onTime, late := refSplit(batchOf(rows, 0), 5000)
			if tc.lateEvery == 0 && len(late) > 0 {
				t.Fatalf("generator: %d late rows, want none", len(late))
			}
			_, refs := overCase(t)
			want := refOutput(onTime, refs)
			for _, size := range []int{1, 7, 0} {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				var errs errs
				src := newOverSrc(mem, batchOf(rows, size))
				op := overOp(t, mem, src, window.OverConfig{Lateness: 5 * time.Second, Errors: &errs})
				got, _ := runOver(t, op)
				sameRows(t, fmt.Sprintf("batch size %d", size), got, want)
				if n := op.(window.LateCounter).LateRows(); n != int64(len(late)) {
					t.Errorf("batch size %d: LateRows = %d, want %d", size, n, len(late))
				}
				if len(errs.recs) != len(late) {
					t.Errorf("batch size %d: %d error records, want %d", size, len(errs.recs), len(late))
				}
				for i, r := range errs.recs {
					if r.Name != "LATE" || r.DataRowtime != late[i].ts || !strings.Contains(r.DataRow, strconv.FormatInt(late[i].v, 10)) {
						t.Errorf("batch size %d: error %d = %+v, want LATE for %+v", size, i, r, late[i])
					}
				}
				if n := op.(window.StateCounter).LiveGroups(); n != 0 {
					t.Errorf("batch size %d: %d rows held after the end", size, n)
				}
				op.Close()
				mem.AssertSize(t, 0)
			}
		})
	}
}

func TestOverWaitsForSlowerOrigin(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	slow := genShuffled(5, 300, 3, 2000, 0, 1, 1_000_000)
	fast := genShuffled(6, 300, 3, 2000, 0, 2, 1_000_000+3_600_000) // an hour ahead
	var bs []overBatch
	for i := 0; i < 300; i += 10 {
		bs = append(bs, overBatch{origin: 1, rows: slices.Clone(slow[i : i+10])}, overBatch{origin: 2, rows: slices.Clone(fast[i : i+10])})
	}
	numberBatches(bs)
	onTime, late := refSplit(bs, 5000)
	if len(late) != 0 {
		t.Fatalf("reference: %d late rows, want none", len(late))
	}
	_, refs := overCase(t)
	want := refOutput(onTime, refs)

	op := overOp(t, mem, newOverSrc(mem, bs, 1, 2), window.OverConfig{Lateness: 5 * time.Second})
	defer op.Close()
	var got []string
	slowMax := int64(math.MinInt64)
	for i := 0; ; i++ {
		b, err := op.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i < len(bs) {
			for _, r := range bs[i].rows {
				if r.origin == 1 {
					slowMax = max(slowMax, r.ts)
				}
			}
			wm := op.(exec.Watermarker).Watermark()
			if slowMax == math.MinInt64 && wm != math.MinInt64 || slowMax != math.MinInt64 && wm > slowMax-5000-1 {
				t.Fatalf("Next %d: watermark %d ahead of the slower origin (its newest row %d)", i, wm, slowMax)
			}
			ps := op.(exec.Partitioned).Partitions()
			if len(ps) != 1 || ps[0].Watermark != wm {
				t.Fatalf("Next %d: partitions %+v, want one with watermark %d", i, ps, wm)
			}
			ts := b.Column(2).(*array.Timestamp)
			for j := range ts.Len() {
				if int64(ts.Value(j)) > wm {
					t.Fatalf("Next %d: row at %d emitted past the watermark %d", i, ts.Value(j), wm)
				}
			}
		}
		got = append(got, overRows(b)...)
		b.Release()
	}
	if n := op.(window.LateCounter).LateRows(); n != 0 {
		t.Errorf("LateRows = %d, want 0", n)
	}
	sameRows(t, "two origins", got, want)
}

func TestOverStopSnapshotRestore(t *testing.T) {
	t.Parallel()
	rows := genShuffled(7, 600, 4, 2000, 23, 0, 1_000_000)
	for _, size := range []int{1, 7, 50} {
		for _, cut := range []int{0, 3, 40} {
			t.Run(fmt.Sprintf("batch %d stop after %d", size, cut), func(t *testing.T) {
				t.Parallel()
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				bs := batchOf(rows, size)
				cut := min(cut, len(bs))
				cfg := window.OverConfig{Lateness: 5 * time.Second, Late: window.LateCount}
				full := overOp(t, mem, newOverSrc(mem, bs), cfg)
				want, _ := runOver(t, full)
				wantLate := full.(window.LateCounter).LateRows()
				full.Close()

				src := newOverSrc(mem, bs)
				src.stopAt = cut
				first := overOp(t, mem, src, cfg)
				got, stopped := runOver(t, first)
				if !stopped {
					t.Fatal("the first run did not end with exec.ErrStopped")
				}
				if _, err := first.Next(context.Background()); err != exec.ErrStopped {
					t.Fatalf("Next after the stop = %v, want exec.ErrStopped", err)
				}
				var buf bytes.Buffer
				if err := first.(exec.Snapshotter).Snapshot(&buf); err != nil {
					t.Fatal(err)
				}
				first.Close()

				rest := newOverSrc(mem, bs)
				rest.i = cut
				second := overOp(t, mem, rest, cfg)
				defer second.Close()
				if err := second.(exec.Snapshotter).Restore(&buf); err != nil {
					t.Fatal(err)
				}
				more, _ := runOver(t, second)
				sameRows(t, "stopped, restored and continued", append(got, more...), want)
				if n := second.(window.LateCounter).LateRows(); n != wantLate {
					t.Errorf("LateRows = %d, want %d", n, wantLate)
				}
			})
		}
	}
}

func TestOverDrainOnStop(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rows := genShuffled(8, 200, 3, 2000, 0, 0, 1_000_000)
	src := newOverSrc(mem, batchOf(rows, 10))
	src.stopAt = 10
	op := overOp(t, mem, src, window.OverConfig{Lateness: 5 * time.Second, Drain: true})
	defer op.Close()
	got, stopped := runOver(t, op)
	if !stopped {
		t.Fatal("the run did not end with exec.ErrStopped")
	}
	if len(got) != 100 {
		t.Errorf("drained %d rows, want all 100 read", len(got))
	}
	if n := len(op.(exec.Partitioned).Partitions()); n != 1 {
		t.Errorf("%d output partitions, want 1", n)
	}
	if n := op.(window.StateCounter).LiveGroups(); n == 0 {
		t.Error("no frame rows kept after the drain")
	}
}

func TestOverLagDefault(t *testing.T) {
	t.Parallel()
	k := []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
	v := col{1, arrow.PrimitiveTypes.Int64, "v"}
	lit := func(x any, dt arrow.DataType) exec.Expr {
		e, err := exec.Literal(x, dt)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	batches := []string{
		`[{"k":"a","v":1,"ROWTIME":0},{"k":"b","v":10,"ROWTIME":0},{"k":"a","v":null,"ROWTIME":500}]`,
		`[{"k":"a","v":3,"ROWTIME":1000},{"k":"a","v":4,"ROWTIME":5000}]`,
	}
	cases := []struct {
		name string
		spec window.OverSpec
		want []string
	}{
		{"constant default", window.OverSpec{Func: "LAG", Arg: v, Default: lit(int64(-1), arrow.PrimitiveTypes.Int64), Partition: k, Rows: true, Preceding: 1},
			[]string{"-1", "-1", "1", "null", "3"}},
		{"default is the current row's value", window.OverSpec{Func: "LAG", Arg: v, N: 2, Default: v, Partition: k, Rows: true, Preceding: 2},
			[]string{"1", "10", "null", "1", "null"}},
		{"default cast to the argument type", window.OverSpec{Func: "LAG", Arg: v, Default: lit(float64(7), arrow.PrimitiveTypes.Float64), Partition: k, Rows: true, Preceding: 1},
			[]string{"7", "7", "1", "null", "3"}},
		{"range frame bounds lag", window.OverSpec{Func: "LAG", Arg: v, Default: lit(int64(0), arrow.PrimitiveTypes.Int64), Partition: k, Range: time.Second},
			[]string{"0", "0", "1", "null", "0"}},
		{"no default is null", window.OverSpec{Func: "LAG", Arg: v, Partition: k, Rows: true, Preceding: 1},
			[]string{"null", "null", "1", "null", "3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tc.spec.Name = "x"
			src := &jsonSource{mem: mem, schema: bidSchema, batches: batches}
			op, err := window.NewOver(src, window.OverConfig{Specs: []window.OverSpec{tc.spec}, Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			var got []string
			for _, r := range flat(drain(t, op)) {
				got = append(got, r[strings.LastIndexByte(r, '|')+1:])
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOverRejectsBadDefault(t *testing.T) {
	t.Parallel()
	mem := memory.NewGoAllocator()
	v := col{1, arrow.PrimitiveTypes.Int64, "v"}
	cases := []struct {
		name string
		spec window.OverSpec
	}{
		{"default on another function", window.OverSpec{Func: "SUM", Arg: v, Default: v, Range: time.Second}},
		{"default of an uncastable type", window.OverSpec{Func: "LAG", Arg: v, Default: col{0, arrow.BinaryTypes.Binary, "k"}, Rows: true, Preceding: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &jsonSource{mem: mem, schema: bidSchema}
			if _, err := window.NewOver(src, window.OverConfig{Specs: []window.OverSpec{tc.spec}, Alloc: mem}); err == nil {
				t.Fatal("NewOver accepted the spec")
			}
		})
	}
}

func TestOverNullsAndExpAvg(t *testing.T) {
	t.Parallel()
	k := []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
	v := col{1, arrow.PrimitiveTypes.Int64, "v"}
	batches := []string{
		`[{"k":"a","v":1,"ROWTIME":0},{"k":"a","v":null,"ROWTIME":1000}]`,
		`[{"k":"a","v":4,"ROWTIME":2000},{"k":"a","v":null,"ROWTIME":3000},{"k":"a","v":8,"ROWTIME":4000}]`,
	}
	cases := []struct {
		name string
		spec window.OverSpec
		want []string
	}{
		{"lag respects nulls by default", window.OverSpec{Func: "LAG", Arg: v, Partition: k, Rows: true, Preceding: 4}, []string{"null", "1", "null", "4", "null"}},
		{"lag ignore nulls skips them", window.OverSpec{Func: "LAG", Arg: v, IgnoreNulls: true, Partition: k, Rows: true, Preceding: 4}, []string{"null", "1", "1", "4", "4"}},
		{"lag 2 ignore nulls counts values only", window.OverSpec{Func: "LAG", Arg: v, N: 2, IgnoreNulls: true, Partition: k, Rows: true, Preceding: 4}, []string{"null", "null", "null", "1", "1"}},
		{"lag ignore nulls stays in the frame", window.OverSpec{Func: "LAG", Arg: v, IgnoreNulls: true, Partition: k, Rows: true, Preceding: 1}, []string{"null", "1", "null", "4", "null"}},
		{"nth value ignore nulls", window.OverSpec{Func: "NTH_VALUE", Arg: v, N: 2, IgnoreNulls: true, Partition: k, Range: time.Minute}, []string{"null", "null", "4", "4", "4"}},
		{"first value ignore nulls", window.OverSpec{Func: "FIRST_VALUE", Arg: v, IgnoreNulls: true, Partition: k, Rows: true, Preceding: 1}, []string{"1", "1", "4", "4", "8"}},
		{"exp avg halves per half-life", window.OverSpec{Func: "EXP_AVG", Arg: v, HalfLife: time.Second, Partition: k, Range: 2 * time.Second}, []string{"1", "1", "3.4", "4", "7.2"}},
		{"exp avg over rows", window.OverSpec{Func: "EXP_AVG", Arg: v, HalfLife: 2 * time.Second, Partition: k, Rows: true, Preceding: 0}, []string{"1", "null", "4", "null", "8"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tc.spec.Name = "x"
			src := &jsonSource{mem: mem, schema: bidSchema, batches: batches}
			op, err := window.NewOver(src, window.OverConfig{Specs: []window.OverSpec{tc.spec}, Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			var got []string
			for _, r := range flat(drain(t, op)) {
				var k, v, rt, x string
				fmt.Sscanf(replaceBars(r), "%s %s %s %s", &k, &v, &rt, &x)
				got = append(got, x)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOverSpecRefusals(t *testing.T) {
	t.Parallel()
	v := col{1, arrow.PrimitiveTypes.Int64, "v"}
	s := col{0, arrow.BinaryTypes.String, "k"}
	cases := []struct {
		name string
		spec window.OverSpec
	}{
		{"exp avg needs a half-life", window.OverSpec{Func: "EXP_AVG", Arg: v, Range: time.Second}},
		{"exp avg needs a number", window.OverSpec{Func: "EXP_AVG", Arg: s, HalfLife: time.Second, Range: time.Second}},
		{"ignore nulls on sum", window.OverSpec{Func: "SUM", Arg: v, IgnoreNulls: true, Range: time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tc.spec.Name = "x"
			src := &jsonSource{mem: mem, schema: bidSchema}
			op, err := window.NewOver(src, window.OverConfig{Specs: []window.OverSpec{tc.spec}, Alloc: mem})
			if err == nil {
				op.Close()
				t.Fatal("NewOver accepted the spec")
			}
		})
	}
}
