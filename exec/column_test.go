package exec

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestColumn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		index   int
		typ     arrow.DataType
		want    string
		wantErr bool
	}{
		{"second column", 1, str, `["a", null]`, false},
		{"index out of range", 5, str, ``, true},
		{"type mismatch", 0, str, ``, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := checkedMem(t)
			batch := batchOf(t, mem, fixture{i64, `[1, 2]`}, fixture{str, `["a", null]`})
			defer batch.Release()
			e := Column(tc.index, "name", tc.typ)
			if e.String() != "name" {
				t.Errorf("String() = %q", e.String())
			}
			if tc.wantErr {
				if arr, err := e.Eval(&EvalContext{Alloc: mem}, batch); err == nil {
					arr.Release()
					t.Fatal("Eval succeeded")
				}
				return
			}
			got, _ := evalJSON(t, mem, e, batch)
			if !sameJSON(t, got, tc.want) {
				t.Errorf("Eval = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestSlicedInput evaluates kernels over a batch sliced at an odd offset,
// where values and validity bitmaps do not start at bit 0.
func TestSlicedInput(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	tests := []struct {
		name string
		fn   string
		args func(c []Expr) []Expr
		want string
	}{
		{"add", "add", func(c []Expr) []Expr { return []Expr{c[0], c[1]} }, `[null, 13, 15, null]`},
		{"and", "and", func(c []Expr) []Expr { return []Expr{c[2], c[3]} }, `[false, null, true, false]`},
		{"not", "not", func(c []Expr) []Expr { return []Expr{c[2]} }, `[true, null, false, false]`},
		{"is_null", "is_null", func(c []Expr) []Expr { return []Expr{c[0]} }, `[true, false, false, false]`},
		{"upper", "upper", func(c []Expr) []Expr { return []Expr{c[4]} }, `["B", "C", null, "E"]`},
		{"less", "less", func(c []Expr) []Expr { return []Expr{c[0], c[1]} }, `[null, true, true, null]`},
		{"coalesce", "coalesce", func(c []Expr) []Expr { return []Expr{c[0], c[1]} }, `[11, 3, 4, 5]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := checkedMem(t)
			full := batchOf(t, mem,
				fixture{i64, `[0, 1, null, 3, 4, 5, 6]`},
				fixture{i64, `[10, 11, 11, 10, 11, null, 13]`},
				fixture{bl, `[true, true, false, null, true, true, false]`},
				fixture{bl, `[true, false, true, true, true, false, true]`},
				fixture{str, `["a", "b", "b", "c", null, "e", "f"]`},
			)
			defer full.Release()
			batch := full.NewSlice(2, 6)
			defer batch.Release()
			cols := make([]Expr, full.NumCols())
			for i := range cols {
				cols[i] = Column(i, "", full.Column(i).DataType())
			}
			e, err := fns.Bind(tc.fn, tc.args(cols)...)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := evalJSON(t, mem, e, batch)
			if !sameJSON(t, got, tc.want) {
				t.Errorf("%s = %s, want %s", e, got, tc.want)
			}
		})
	}
}
