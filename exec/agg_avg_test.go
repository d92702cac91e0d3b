package exec

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestAvgIntegerTruncates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		typ  arrow.DataType
		vals string // JSON array; groups alternate 0, 1, 0, 1…
		want string // per group
	}{
		{"integer positive truncates", arrow.PrimitiveTypes.Int32, `[30, 7, 31, null]`, "30 7"},
		{"integer negative truncates toward zero", arrow.PrimitiveTypes.Int32, `[-30, null, -31, null]`, "-30 (null)"},
		{"bigint", arrow.PrimitiveTypes.Int64, `[1, 5, 2, 6]`, "1 5"},
		{"smallint", arrow.PrimitiveTypes.Int16, `[32767, 1, 32766, 2]`, "32766 1"},
		{"tinyint", arrow.PrimitiveTypes.Int8, `[-128, 3, -127, 4]`, "-127 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rt, err := AggResultType("avg", tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			if !arrow.TypeEqual(rt, tc.typ) {
				t.Fatalf("result type %s, want %s", rt, tc.typ)
			}
			acc, err := NewAccumulator("AVG", tc.typ, false, false)
			if err != nil {
				t.Fatal(err)
			}
			arr, _, err := array.FromJSON(mem, tc.typ, strings.NewReader(tc.vals))
			if err != nil {
				t.Fatal(err)
			}
			defer arr.Release()
			acc.Grow(2)
			groups := make([]uint32, arr.Len())
			for i := range groups {
				groups[i] = uint32(i % 2)
			}
			// Half the rows via one accumulator, merged: state survives merge.
			other, _ := NewAccumulator("AVG", tc.typ, false, false)
			other.Grow(2)
			if err := acc.Update(arr, nil, groups); err != nil {
				t.Fatal(err)
			}
			if err := other.Merge(acc, []uint32{0, 1}, []uint32{0, 1}); err != nil {
				t.Fatal(err)
			}
			out, err := other.Build(mem, []uint32{0, 1})
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			if !arrow.TypeEqual(out.DataType(), tc.typ) {
				t.Fatalf("built %s, want %s", out.DataType(), tc.typ)
			}
			got := out.ValueStr(0) + " " + out.ValueStr(1)
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
