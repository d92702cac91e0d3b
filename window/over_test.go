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
		{"avg rows 2 preceding", window.OverSpec{Func: "AVG", Arg: v, Partition: k, Rows: true, Preceding: 2}, []string{"1", "10", "1.5", "2", "2.5"}},
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
