package exec

import (
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	i8  = arrow.PrimitiveTypes.Int8
	i32 = arrow.PrimitiveTypes.Int32
	i64 = arrow.PrimitiveTypes.Int64
	f64 = arrow.PrimitiveTypes.Float64
	str = arrow.BinaryTypes.String
	bl  = arrow.FixedWidthTypes.Boolean
)

func dec(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }

func TestArithmetic(t *testing.T) {
	t.Parallel()
	two := func(a, b int) func([]Expr) []Expr { return func(c []Expr) []Expr { return []Expr{c[a], c[b]} } }
	runExprCases(t, []exprCase{
		{name: "add int64 with nulls", fn: "add", cols: []fixture{{i64, `[1, null, 3]`}, {i64, `[10, 20, null]`}}, want: `[11, null, null]`},
		{name: "add overflow is a row error", fn: "add", cols: []fixture{{i64, `[9223372036854775807, 1, 5]`}, {i64, `[1, 2, 3]`}}, want: `[null, 3, 8]`, errRows: []int{0}},
		{name: "int8 overflow", fn: "add", cols: []fixture{{i8, `[127, 1]`}, {i8, `[1, 1]`}}, want: `[null, 2]`, errRows: []int{0}},
		{name: "int widening", fn: "add", cols: []fixture{{i8, `[127, -128]`}, {i32, `[1, -1]`}}, want: `[128, -129]`},
		{name: "subtract overflow", fn: "subtract", cols: []fixture{{i64, `[-9223372036854775808, 5]`}, {i64, `[1, 7]`}}, want: `[null, -2]`, errRows: []int{0}},
		{name: "multiply overflow", fn: "multiply", cols: []fixture{{i64, `[4611686018427387904, -3, 3037000500]`}, {i64, `[2, 4, 3037000500]`}}, want: `[null, -12, null]`, errRows: []int{0, 2}},
		{name: "multiply negative no overflow", fn: "multiply", cols: []fixture{{i64, `[-4611686018427387904]`}, {i64, `[2]`}}, want: `[-9223372036854775808]`},
		{name: "divide by zero row error, null row silent", fn: "divide", cols: []fixture{{i64, `[7, 8, null, -7]`}, {i64, `[2, 0, 0, 2]`}}, want: `[3, null, null, -3]`, errRows: []int{1}},
		{name: "divide min by -1", fn: "divide", cols: []fixture{{i64, `[-9223372036854775808]`}, {i64, `[-1]`}}, want: `[null]`, errRows: []int{0}},
		{name: "mod", fn: "mod", cols: []fixture{{i64, `[7, -7, 5, null]`}, {i64, `[3, 3, 0, 1]`}}, want: `[1, -1, null, null]`, errRows: []int{2}},
		{name: "mod by constant", fn: "mod", cols: []fixture{{i64, `[246, 247, null]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, int64(123), i64)} }, want: `[0, 1, null]`},
		{name: "mod by constant zero", fn: "mod", cols: []fixture{{i64, `[1, null]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, int64(0), i64)} }, want: `[null, null]`, errRows: []int{0}},
		{name: "int with float", fn: "multiply", cols: []fixture{{i64, `[2, null]`}, {f64, `[1.5, 2]`}}, want: `[3, null]`},
		{name: "float divide by zero is a row error", fn: "divide", cols: []fixture{{f64, `[1, 3, null]`}, {f64, `[0, 2, 0]`}}, want: `[null, 1.5, null]`, errRows: []int{0}},
		{name: "float mod by zero is a row error", fn: "mod", cols: []fixture{{f64, `[1, 7]`}, {f64, `[0, 4]`}}, want: `[null, 3]`, errRows: []int{0}},
		{name: "decimal times int constant", fn: "multiply", cols: []fixture{{i64, `[1000, -2000, null]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, decimal128.FromI64(908), dec(3, 3))} }, want: `["908", "-1816", null]`, str: "multiply(c0, 0.908)"},
		{name: "decimal add rescales", fn: "add", cols: []fixture{{dec(5, 2), `["1.25", "-3.10"]`}, {dec(4, 1), `["2.5", "0.1"]`}}, want: `["3.75", "-3"]`},
		{name: "decimal divide", fn: "divide", cols: []fixture{{dec(5, 2), `["1.00", "2.00", "1.00"]`}, {dec(5, 2), `["3.00", "0", "-8.00"]`}}, want: `["0.33333333", null, "-0.125"]`, errRows: []int{1}},
		{name: "decimal mod by zero", fn: "mod", cols: []fixture{{dec(5, 2), `["7.50", "1"]`}, {i64, `[2, 0]`}}, want: `["1.5", null]`, errRows: []int{1}},
		{name: "negate", fn: "negate", cols: []fixture{{i64, `[1, -9223372036854775808, null]`}}, want: `[-1, null, null]`, errRows: []int{1}},
		{name: "timestamp plus interval", fn: "add", cols: []fixture{{TimestampType, `["1970-01-01 00:00:01"]`}, {IntervalType, `[500]`}}, want: `["1970-01-01T00:00:01.5"]`},
		{name: "timestamp minus timestamp", fn: "subtract", cols: []fixture{{TimestampType, `["1970-01-01 00:01:00"]`}, {TimestampType, `["1970-01-01 00:00:01"]`}}, want: `["59000ms"]`},
		{name: "timestamp plus months clamps the day", fn: "add", cols: []fixture{{TimestampType, `["2020-01-31 10:00:00", "2021-01-31 00:00:00"]`}, {MonthIntervalType, `[{"months": 1}, {"months": 13}]`}}, want: `["2020-02-29T10:00:00", "2022-02-28T00:00:00"]`},
		{name: "date plus interval", fn: "add", cols: []fixture{{DateType, `["2020-02-28"]`}, {IntervalType, `[86400000]`}}, want: `["2020-02-29"]`},
		{name: "interval times integer", fn: "multiply", cols: []fixture{{IntervalType, `[1000]`}, {i32, `[3]`}}, want: `["3000ms"]`, args: two(0, 1)},
	})
}

func TestArithmeticBindErrors(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	tests := []struct {
		name string
		fn   string
		args []Expr
		want error
	}{
		{"string plus bool", "add", []Expr{Column(0, "s", str), Column(1, "b", bl)}, ErrArgumentTypes},
		{"one argument", "add", []Expr{Column(0, "a", i64)}, ErrArgumentTypes},
		{"unknown", "frobnicate", nil, ErrUnknownFunction},
		{"timestamp plus timestamp", "add", []Expr{Column(0, "a", TimestampType), Column(1, "b", TimestampType)}, ErrArgumentTypes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := fns.Bind(tc.fn, tc.args...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Bind = %v, want %v", err, tc.want)
			}
		})
	}
}

// BenchmarkMultiplyDecimal is Nexmark q1: price * 0.908 on a BIGINT column.
func BenchmarkMultiplyDecimal(b *testing.B) {
	fns := DefaultFunctions()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			e, err := fns.Bind("multiply", Column(0, "price", i64), lit(b, decimal128.FromI64(908), dec(3, 3)))
			if err != nil {
				b.Fatal(err)
			}
			benchExpr(b, e, size, func(mem memory.Allocator, n, off int) arrow.RecordBatch {
				bld := array.NewInt64Builder(mem)
				defer bld.Release()
				for i := 0; i < n; i++ {
					bld.Append(int64(off+i)*37%100000 + 100)
				}
				return benchBatch(n, bld.NewArray())
			})
		})
	}
}

// BenchmarkAddInt64 is checked int64 addition of two columns.
func BenchmarkAddInt64(b *testing.B) {
	fns := DefaultFunctions()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			e, err := fns.Bind("add", Column(0, "a", i64), Column(1, "b", i64))
			if err != nil {
				b.Fatal(err)
			}
			benchExpr(b, e, size, func(mem memory.Allocator, n, off int) arrow.RecordBatch {
				x, y := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
				defer x.Release()
				defer y.Release()
				for i := 0; i < n; i++ {
					x.Append(int64(off + i))
					y.Append(int64(i * 3))
				}
				return benchBatch(n, x.NewArray(), y.NewArray())
			})
		})
	}
}
