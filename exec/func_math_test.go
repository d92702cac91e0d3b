package exec

import "testing"

func TestMath(t *testing.T) {
	t.Parallel()
	withInt := func(v int64) func([]Expr) []Expr {
		return func(c []Expr) []Expr { return []Expr{c[0], lit(t, v, i64)} }
	}
	runExprCases(t, []exprCase{
		{name: "abs int", fn: "abs", cols: []fixture{{i64, `[-3, 4, null, -9223372036854775808]`}}, want: `[3, 4, null, null]`, errRows: []int{3}},
		{name: "abs float", fn: "abs", cols: []fixture{{f64, `[-1.5, 2]`}}, want: `[1.5, 2]`},
		{name: "abs decimal", fn: "abs", cols: []fixture{{dec(4, 2), `["-1.25"]`}}, want: `["1.25"]`},
		{name: "floor float", fn: "floor", cols: []fixture{{f64, `[1.5, -1.5, null]`}}, want: `[1, -2, null]`},
		{name: "ceil float", fn: "ceil", cols: []fixture{{f64, `[1.2, -1.2]`}}, want: `[2, -1]`},
		{name: "floor decimal", fn: "floor", cols: []fixture{{dec(4, 2), `["1.25", "-1.25", "3.00"]`}}, want: `["1", "-2", "3"]`},
		{name: "ceil decimal", fn: "ceil", cols: []fixture{{dec(4, 2), `["1.25", "-1.25"]`}}, want: `["2", "-1"]`},
		{name: "round float half away from zero", fn: "round", cols: []fixture{{f64, `[2.5, -2.5, 1.234]`}}, want: `[3, -3, 1]`},
		{name: "round float digits", fn: "round", cols: []fixture{{f64, `[1.235, 1234.5]`}}, args: withInt(2), want: `[1.24, 1234.5]`},
		{name: "round int negative digits", fn: "round", cols: []fixture{{i64, `[1250, -1249]`}}, args: withInt(-2), want: `[1300, -1200]`},
		{name: "round decimal", fn: "round", cols: []fixture{{dec(6, 3), `["1.235", "-1.235"]`}}, args: withInt(2), want: `["1.24", "-1.24"]`},
		{name: "sqrt of negative is a row error", fn: "sqrt", cols: []fixture{{f64, `[4, -1, null]`}}, want: `[2, null, null]`, errRows: []int{1}},
		{name: "sqrt of int", fn: "sqrt", cols: []fixture{{i64, `[9]`}}, want: `[3]`},
		{name: "ln of zero is a row error", fn: "ln", cols: []fixture{{f64, `[1, 0]`}}, want: `[0, null]`, errRows: []int{1}},
		{name: "log10", fn: "log10", cols: []fixture{{i64, `[1000]`}}, want: `[3]`},
		{name: "exp", fn: "exp", cols: []fixture{{i64, `[0]`}}, want: `[1]`},
		{name: "power", fn: "power", cols: []fixture{{i64, `[2, 3]`}}, args: withInt(10), want: `[1024, 59049]`},
	})
}
