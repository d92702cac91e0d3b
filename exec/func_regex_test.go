package exec

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestRegex(t *testing.T) {
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
				}
			}
			return out
		}
	}
	runExprCases(t, []exprCase{
		{name: "regex_replace all", fn: "regex_replace", cols: []fixture{{str, `["a1b22c", null]`}}, args: withConsts(`[0-9]+`, "#"), want: `["a#b#c", null]`},
		{name: "regex_replace groups", fn: "regex_replace", cols: []fixture{{str, `["john smith"]`}}, args: withConsts(`(\w+) (\w+)`, "$2, $1"), want: `["smith, john"]`},
		{name: "regex_replace from position", fn: "regex_replace", cols: []fixture{{str, `["aaaa"]`}}, args: withConsts("a", "b", 3), want: `["aabb"]`},
		{name: "regex_replace nth occurrence", fn: "regex_replace", cols: []fixture{{str, `["a-a-a"]`}}, args: withConsts("a", "X", 1, 2), want: `["a-X-a"]`},
		{name: "regex_replace escaped dollar", fn: "regex_replace", cols: []fixture{{str, `["cost 5"]`}}, args: withConsts(`([0-9])`, `\$$1`), want: `["cost $5"]`},
		{name: "regex_replace bad row pattern", fn: "regex_replace", cols: []fixture{{str, `["abc", "abc"]`}, {str, `["(", "b"]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], c[1], lit(t, "x", str)} }, want: `[null, "axc"]`, errRows: []int{0}},
		{name: "regex_replace bad position", fn: "regex_replace", cols: []fixture{{str, `["abc"]`}}, args: withConsts("a", "b", 0), want: `[null]`, errRows: []int{0}},
		{name: "regexp_extract group", fn: "regexp_extract", cols: []fixture{{str, `["foo=12", "bar", null]`}}, args: withConsts(`(\w+)=(\d+)`, 2), want: `["12", null, null]`},
		{name: "regexp_extract whole match", fn: "regexp_extract", cols: []fixture{{str, `["x123y"]`}}, args: withConsts(`\d+`), want: `["123"]`},
	})
}

// BenchmarkRegexReplace runs regex_replace over a string column with a
// constant pattern, with 64 distinct texts and with every text distinct.
func BenchmarkRegexReplace(b *testing.B) {
	fns := DefaultFunctions()
	distinct := func(mem memory.Allocator, n, off int) arrow.RecordBatch {
		bld := array.NewStringBuilder(mem)
		defer bld.Release()
		for i := 0; i < n; i++ {
			bld.Append(fmt.Sprintf("order-%d-apple", off+i))
		}
		return benchBatch(n, bld.NewArray())
	}
	for _, size := range benchSizes {
		for _, card := range []struct {
			name string
			gen  func(memory.Allocator, int, int) arrow.RecordBatch
		}{{"64", benchWords}, {"all", distinct}} {
			b.Run(fmt.Sprintf("batch=%d/distinct=%s", size, card.name), func(b *testing.B) {
				e, err := fns.Bind("regex_replace", Column(0, "s", str), lit(b, "[aeiou]+", str), lit(b, "_", str))
				if err != nil {
					b.Fatal(err)
				}
				benchExpr(b, e, size, card.gen)
			})
		}
	}
}
