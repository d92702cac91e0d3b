package exec

import (
	"errors"
	"testing"
)

func TestStrings(t *testing.T) {
	t.Parallel()
	withConsts := func(vals ...any) func([]Expr) []Expr {
		return func(c []Expr) []Expr {
			out := []Expr{c[0]}
			for _, v := range vals {
				switch x := v.(type) {
				case string:
					out = append(out, lit(t, x, str))
				case int:
					out = append(out, lit(t, int64(x), i64))
				case nil:
					out = append(out, lit(t, nil, str))
				}
			}
			return out
		}
	}
	runExprCases(t, []exprCase{
		{name: "concat converts numbers", fn: "concat", cols: []fixture{{str, `["a", null, "c"]`}, {i64, `[1, 2, 3]`}}, want: `["a1", null, "c3"]`},
		{name: "concat three", fn: "concat", cols: []fixture{{str, `["x"]`}}, args: withConsts("-", "y"), want: `["x-y"]`},
		{name: "upper", fn: "upper", cols: []fixture{{str, `["abc", "ÿé", null]`}}, want: `["ABC", "ŸÉ", null]`},
		{name: "lower", fn: "lower", cols: []fixture{{str, `["ABC", "Ä"]`}}, want: `["abc", "ä"]`},
		{name: "initcap", fn: "initcap", cols: []fixture{{str, `["hello wORLD-foo", ""]`}}, want: `["Hello World-Foo", ""]`},
		{name: "substring from", fn: "substring", cols: []fixture{{str, `["hello", "héllo", null]`}}, args: withConsts(2), want: `["ello", "éllo", null]`},
		{name: "substring with length", fn: "substring", cols: []fixture{{str, `["hello"]`}}, args: withConsts(2, 3), want: `["ell"]`},
		{name: "substring zero start", fn: "substring", cols: []fixture{{str, `["hello"]`}}, args: withConsts(0, 3), want: `["he"]`},
		{name: "substring negative start", fn: "substring", cols: []fixture{{str, `["hello"]`}}, args: withConsts(-2, 5), want: `["he"]`},
		{name: "substring past the end", fn: "substring", cols: []fixture{{str, `["hello"]`}}, args: withConsts(9, 2), want: `[""]`},
		{name: "substring negative length is a row error", fn: "substring", cols: []fixture{{str, `["hello", "x"]`}, {i64, `[1, 1]`}, {i64, `[-1, 1]`}}, want: `[null, "x"]`, errRows: []int{0}},
		{name: "position", fn: "position", cols: []fixture{{str, `["l", "z", "", "é", null]`}, {str, `["hello", "hello", "hello", "héllo", "x"]`}}, want: `[3, 0, 1, 2, null]`},
		{name: "trim both spaces", fn: "trim", cols: []fixture{{str, `["  a b  ", null]`}}, args: withConsts(" ", "BOTH"), want: `["a b", null]`},
		{name: "trim leading chars", fn: "trim", cols: []fixture{{str, `["xxaxx"]`}}, args: withConsts("x", "LEADING"), want: `["axx"]`},
		{name: "trim trailing", fn: "trim", cols: []fixture{{str, `["xxaxx"]`}}, args: withConsts("x", "TRAILING"), want: `["xxa"]`},
		{name: "char_length counts characters", fn: "char_length", cols: []fixture{{str, `["héllo", "", null]`}}, want: `[5, 0, null]`},
		{name: "character_length", fn: "character_length", cols: []fixture{{str, `["日本"]`}}, want: `[2]`},
		{name: "split_index", fn: "split_index", cols: []fixture{{str, `["a,b,c", "a,b,c", "a,b,c", null]`}, {i64, `[0, 2, 3, 0]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, ",", str), c[1]} }, want: `["a", "c", null, null]`},
		{name: "lpad", fn: "lpad", cols: []fixture{{str, `["7", "12345"]`}}, args: withConsts(3, "0"), want: `["007", "123"]`},
		{name: "rpad", fn: "rpad", cols: []fixture{{str, `["ab"]`}}, args: withConsts(5, "xy"), want: `["abxyx"]`},
	})
}

func TestStringBindErrors(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	for _, tc := range []struct {
		name string
		fn   string
		args []Expr
		want error
	}{
		{"bad constant regex", "regex_replace", []Expr{Column(0, "s", str), lit(t, "(", str), lit(t, "x", str)}, ErrInvalidArgument},
		{"upper of int", "upper", []Expr{Column(0, "i", i64)}, ErrArgumentTypes},
		{"like escape too long", "like", []Expr{Column(0, "s", str), lit(t, "a", str), lit(t, "ab", str)}, ErrArgumentTypes},
		{"trim bad side", "trim", []Expr{Column(0, "s", str), lit(t, " ", str), lit(t, "MIDDLE", str)}, ErrArgumentTypes},
		{"substring with string start", "substring", []Expr{Column(0, "s", str), lit(t, "a", str)}, ErrArgumentTypes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := fns.Bind(tc.fn, tc.args...); !errors.Is(err, tc.want) {
				t.Fatalf("Bind = %v, want %v", err, tc.want)
			}
		})
	}
}
