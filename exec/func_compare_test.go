package exec

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	runExprCases(t, []exprCase{
		{name: "equal int64 with nulls", fn: "equal", cols: []fixture{{i64, `[1, 2, null, 4]`}, {i64, `[1, 3, 3, null]`}}, want: `[true, false, null, null]`},
		{name: "less promotes int32 and float", fn: "less", cols: []fixture{{i32, `[1, 2, 3]`}, {f64, `[1.5, 2, 2.5]`}}, want: `[true, false, false]`},
		{name: "NaN is unordered", fn: "less_equal", cols: []fixture{{f64, `["NaN", 1]`}, {f64, `[1, "NaN"]`}}, want: `[false, false]`},
		{name: "NaN not_equal", fn: "not_equal", cols: []fixture{{f64, `["NaN", 1]`}, {f64, `["NaN", 1]`}}, want: `[true, false]`},
		{name: "not_equal strings", fn: "not_equal", cols: []fixture{{str, `["a", "b", null]`}, {str, `["a", "c", "x"]`}}, want: `[false, true, null]`},
		{name: "greater_equal string constant", fn: "greater_equal", cols: []fixture{{str, `["apple", "banana", "cherry"]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, "banana", str)} }, want: `[false, true, true]`},
		{name: "less_equal decimals of different scale", fn: "less_equal", cols: []fixture{{dec(5, 2), `["1.50", "2.00"]`}, {dec(3, 1), `["1.5", "1.9"]`}}, want: `[true, false]`},
		{name: "decimal with int", fn: "greater", cols: []fixture{{dec(5, 2), `["1.50", "2.00"]`}, {i64, `[1, 2]`}}, want: `[true, false]`},
		{name: "timestamps", fn: "less", cols: []fixture{{TimestampType, `["2020-01-01 00:00:00", "2020-01-02 00:00:00"]`}, {TimestampType, `["2020-01-01 00:00:01", "2020-01-01 00:00:00"]`}}, want: `[true, false]`},
		{name: "timestamp with date", fn: "equal", cols: []fixture{{TimestampType, `["2020-01-02 00:00:00", "2020-01-02 00:00:01"]`}, {DateType, `["2020-01-02", "2020-01-02"]`}}, want: `[true, false]`},
		{name: "booleans", fn: "less", cols: []fixture{{bl, `[false, true, true]`}, {bl, `[true, true, false]`}}, want: `[true, false, false]`},
		{name: "constant null compares null", fn: "equal", cols: []fixture{{i64, `[1, 2]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, nil, i64)} }, want: `[null, null]`},
		{name: "mod equal zero (q2)", fn: "equal", cols: []fixture{{i64, `[123, 124, 246, null]`}}, args: func(c []Expr) []Expr {
			m, err := DefaultFunctions().Bind("mod", c[0], lit(t, int64(123), i64))
			if err != nil {
				t.Fatal(err)
			}
			return []Expr{m, lit(t, int64(0), i64)}
		}, want: `[true, false, true, null]`, str: "equal(mod(c0, 123), 0)"},
		{name: "between inclusive", fn: "between", cols: []fixture{{i64, `[1, 2, 5, 6, null]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, int64(2), i64), lit(t, int64(5), i64)} }, want: `[false, true, true, false, null]`, str: "between(c0, 2, 5)"},
		{name: "in constant list", fn: "in", cols: []fixture{{i32, `[1, 2, 3, null]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, int64(1), i64), lit(t, int64(3), i64)} }, want: `[true, false, true, null]`},
		{name: "in with null in list", fn: "in", cols: []fixture{{str, `["a", "b"]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, "a", str), lit(t, nil, str)} }, want: `[true, null]`},
		{name: "in decimals", fn: "in", cols: []fixture{{dec(4, 2), `["1.50", "2.00"]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, decimal128.FromI64(15), dec(2, 1))} }, want: `[true, false]`},
		{name: "in column list", fn: "in", cols: []fixture{{i64, `[1, 2, 3]`}, {i64, `[1, 5, null]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], c[1], lit(t, int64(2), i64)} }, want: `[true, true, null]`},
	})
}

func TestCompareBindErrors(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	for _, tc := range []struct {
		name string
		fn   string
		args []Expr
	}{
		{"string with int", "equal", []Expr{Column(0, "s", str), Column(1, "i", i64)}},
		{"timestamp with interval", "less", []Expr{Column(0, "t", TimestampType), Column(1, "d", IntervalType)}},
		{"between arity", "between", []Expr{Column(0, "i", i64)}},
		{"in of mixed types", "in", []Expr{Column(0, "i", i64), Column(1, "s", str)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := fns.Bind(tc.fn, tc.args...); err == nil {
				t.Fatal("Bind succeeded")
			}
		})
	}
}

// BenchmarkModEqual is Nexmark q2: MOD(auction, 123) = 0.
func BenchmarkModEqual(b *testing.B) {
	fns := DefaultFunctions()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			m, err := fns.Bind("mod", Column(0, "auction", i64), lit(b, int64(123), i64))
			if err != nil {
				b.Fatal(err)
			}
			e, err := fns.Bind("equal", m, lit(b, int64(0), i64))
			if err != nil {
				b.Fatal(err)
			}
			benchExpr(b, e, size, func(mem memory.Allocator, n, off int) arrow.RecordBatch {
				bld := array.NewInt64Builder(mem)
				defer bld.Release()
				for i := 0; i < n; i++ {
					bld.Append(int64(off+i)*7 + 1000)
				}
				return benchBatch(n, bld.NewArray())
			})
		})
	}
}

// benchWords builds a string column cycling through a few words.
func benchWords(mem memory.Allocator, n, off int) arrow.RecordBatch {
	words := []string{"apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "honeydew"}
	bld := array.NewStringBuilder(mem)
	defer bld.Release()
	for i := 0; i < n; i++ {
		bld.Append(words[(off+i)%len(words)] + "-" + words[(off+i)/8%len(words)])
	}
	return benchBatch(n, bld.NewArray())
}

// BenchmarkStringEqual compares a string column with a constant.
func BenchmarkStringEqual(b *testing.B) {
	fns := DefaultFunctions()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			e, err := fns.Bind("equal", Column(0, "s", str), lit(b, "cherry-apple", str))
			if err != nil {
				b.Fatal(err)
			}
			benchExpr(b, e, size, benchWords)
		})
	}
}
