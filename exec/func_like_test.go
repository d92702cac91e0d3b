package exec

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLike(t *testing.T) {
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
	words := fixture{str, `["apple", "banana", "cherry", "a_c", null, "APPLE"]`}
	runExprCases(t, []exprCase{
		{name: "like prefix", fn: "like", cols: []fixture{words}, args: withConsts("a%"), want: `[true, false, false, true, null, false]`},
		{name: "like suffix", fn: "like", cols: []fixture{words}, args: withConsts("%y"), want: `[false, false, true, false, null, false]`},
		{name: "like contains", fn: "like", cols: []fixture{words}, args: withConsts("%an%"), want: `[false, true, false, false, null, false]`},
		{name: "like exact", fn: "like", cols: []fixture{words}, args: withConsts("apple"), want: `[true, false, false, false, null, false]`},
		{name: "like underscore", fn: "like", cols: []fixture{words}, args: withConsts("a_c"), want: `[false, false, false, true, null, false]`},
		{name: "like escape", fn: "like", cols: []fixture{{str, `["a_c", "abc"]`}}, args: withConsts(`a\_c`, `\`), want: `[true, false]`},
		{name: "like regex metacharacters are literal", fn: "like", cols: []fixture{{str, `["a.c", "abc"]`}}, args: withConsts("a.c"), want: `[true, false]`},
		{name: "like per-row pattern", fn: "like", cols: []fixture{{str, `["abc", "abc", "x"]`}, {str, `["a%", "b%", null]`}}, want: `[true, false, null]`},
		{name: "similar_to alternation", fn: "similar_to", cols: []fixture{words}, args: withConsts("(apple|cherry)"), want: `[true, false, true, false, null, false]`},
		{name: "similar_to wildcards and repetition", fn: "similar_to", cols: []fixture{{str, `["TECHNOLOGY", "FINANCE", "aaa", "ab"]`}}, args: withConsts("%TECH%|a+"), want: `[true, false, true, false]`},
		{name: "similar_to class", fn: "similar_to", cols: []fixture{{str, `["b1", "x1", "b12"]`}}, args: withConsts("[a-c][0-9]"), want: `[true, false, false]`},
		{name: "similar_to dot is literal", fn: "similar_to", cols: []fixture{{str, `["a.b", "axb"]`}}, args: withConsts("a.b"), want: `[true, false]`},
	})
}

// BenchmarkLike runs like over a string column with a constant pattern.
func BenchmarkLike(b *testing.B) {
	fns := DefaultFunctions()
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			e, err := fns.Bind("like", Column(0, "s", str), lit(b, "%rr%", str))
			if err != nil {
				b.Fatal(err)
			}
			benchExpr(b, e, size, benchWords)
		})
	}
}

// FuzzLikePattern checks that LIKE and SIMILAR TO patterns never panic and
// that LIKE's fast paths (prefix, suffix, contains, equality) agree with
// its regular expression translation.
func FuzzLikePattern(f *testing.F) {
	for _, p := range []string{"a%", "%a", "%a%", "abc", "%", "%%", "a%b", "", "a.c", "(x|y)*"} {
		f.Add(p, "abc")
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		_, _ = compileSimilar(pattern, 0)
		_, _ = compileSimilar(pattern, '\\')
		fast, err := compileLike(pattern, 0)
		if err != nil {
			return
		}
		// Text columns hold valid UTF-8; regexps match invalid bytes as U+FFFD.
		if strings.ContainsRune(pattern, 1) || !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		slow, err := compileLike(pattern, 1) // an escape forces the regexp path
		if err != nil {
			t.Fatalf("regexp path rejects %q: %v", pattern, err)
		}
		if fast(s) != slow(s) {
			t.Fatalf("like(%q, %q): fast %v, regexp %v", s, pattern, fast(s), slow(s))
		}
	})
}
