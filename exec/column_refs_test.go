package exec

import (
	"maps"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// otherExpr is an expression ColumnRefs does not know.
type otherExpr struct{ Expr }

func TestColumnRefs(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	i64 := arrow.PrimitiveTypes.Int64
	a, b, c := Column(0, "A", i64), Column(3, "B", i64), Column(5, "C", arrow.BinaryTypes.String)
	must := func(e Expr, err error) Expr {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	lit := must(Literal(int64(123), i64))
	mod := must(fns.Bind("mod", a, lit))
	for _, tc := range []struct {
		name string
		e    Expr
		want []int // nil: not known
	}{
		{"a column", b, []int{3}},
		{"a literal", lit, []int{}},
		{"a call", must(fns.Bind("equal", mod, must(Literal(int64(0), i64)))), []int{0}},
		{"logic over calls", must(fns.Bind("and", must(fns.Bind("greater", a, b)), must(fns.Bind("less", b, lit)))), []int{0, 3}},
		{"a cast", must(Cast(c, i64)), []int{5}},
		{"an unknown expression", otherExpr{a}, nil},
		{"an unknown expression inside a call", must(fns.Bind("add", a, otherExpr{b})), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cols := map[int]bool{}
			ok := ColumnRefs(tc.e, cols)
			if ok != (tc.want != nil) {
				t.Fatalf("ColumnRefs(%s) ok = %v", tc.e, ok)
			}
			if got := slices.Sorted(maps.Keys(cols)); ok && !slices.Equal(got, tc.want) {
				t.Fatalf("ColumnRefs(%s) = %v, want %v", tc.e, got, tc.want)
			}
		})
	}
}
