package exec

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestLogic(t *testing.T) {
	t.Parallel()
	kleeneA := fixture{bl, `[true, true, true, false, false, false, null, null, null]`}
	kleeneB := fixture{bl, `[true, false, null, true, false, null, true, false, null]`}
	fns := DefaultFunctions()
	bind := func(name string, args ...Expr) Expr {
		e, err := fns.Bind(name, args...)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	runExprCases(t, []exprCase{
		{name: "and is kleene", fn: "and", cols: []fixture{kleeneA, kleeneB}, want: `[true, false, null, false, false, false, null, false, null]`},
		{name: "or is kleene", fn: "or", cols: []fixture{kleeneA, kleeneB}, want: `[true, true, true, true, false, null, true, null, null]`},
		{name: "not", fn: "not", cols: []fixture{{bl, `[true, false, null]`}}, want: `[false, true, null]`},
		{name: "is_null never null", fn: "is_null", cols: []fixture{{i64, `[1, null]`}}, want: `[false, true]`},
		{name: "is_not_null", fn: "is_not_null", cols: []fixture{{str, `["a", null]`}}, want: `[true, false]`},
		{name: "and drops errors of decided rows", fn: "and", cols: []fixture{{i64, `[0, 1, 0]`}, {bl, `[false, true, true]`}}, args: func(c []Expr) []Expr {
			ne := bind("not_equal", c[0], lit(t, int64(0), i64))
			// 10 / c0 > 1 fails on rows 0 and 2, but row 0 is already false.
			div := bind("greater", bind("divide", lit(t, int64(10), i64), c[0]), lit(t, int64(1), i64))
			return []Expr{bind("or", ne, c[1]), div}
		}, want: `[false, true, null]`, errRows: []int{2}},
		{name: "case_when picks the first true branch", fn: "case_when", cols: []fixture{{i64, `[1, 5, 10, null]`}}, args: func(c []Expr) []Expr {
			return []Expr{
				bind("less", c[0], lit(t, int64(3), i64)), lit(t, "small", str),
				bind("less", c[0], lit(t, int64(8), i64)), lit(t, "medium", str),
				lit(t, "large", str),
			}
		}, want: `["small", "medium", "large", "large"]`},
		{name: "case_when without else is null", fn: "case_when", cols: []fixture{{i64, `[1, 5]`}}, args: func(c []Expr) []Expr {
			return []Expr{bind("less", c[0], lit(t, int64(3), i64)), c[0], lit(t, nil, arrow.Null)}
		}, want: `[1, null]`},
		{name: "case_when keeps only errors of chosen rows", fn: "case_when", cols: []fixture{{i64, `[0, 2, 0]`}, {bl, `[true, false, false]`}}, args: func(c []Expr) []Expr {
			return []Expr{
				bind("equal", c[0], lit(t, int64(0), i64)), lit(t, int64(-1), i64),
				bind("divide", lit(t, int64(10), i64), c[0]),
			}
		}, want: `[-1, 5, -1]`},
		{name: "case_when result type promotes", fn: "case_when", cols: []fixture{{bl, `[true, false]`}, {i32, `[1, 2]`}, {f64, `[0.5, 1.5]`}}, want: `[1, 1.5]`},
		{name: "coalesce", fn: "coalesce", cols: []fixture{{i64, `[null, 2, null]`}, {i64, `[1, 3, null]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], c[1], lit(t, int64(9), i64)} }, want: `[1, 2, 9]`},
		{name: "coalesce strings", fn: "coalesce", cols: []fixture{{str, `[null, "b"]`}, {str, `["x", "y"]`}}, want: `["x", "b"]`},
		{name: "coalesce ignores errors after a value", fn: "coalesce", cols: []fixture{{i64, `[1, null]`}, {i64, `[0, 0]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], bind("divide", lit(t, int64(1), i64), c[1])} }, want: `[1, null]`, errRows: []int{1}},
		{name: "nullif", fn: "nullif", cols: []fixture{{i64, `[1, 2, null]`}, {i64, `[1, 3, 1]`}}, want: `[null, 2, null]`},
	})
}
