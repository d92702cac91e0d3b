package exec

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestValidityAndStrOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rows  []string
		nulls []int
		want  string
	}{
		{"no nulls", []string{"a", "", "ccc"}, nil, `["a", "", "ccc"]`},
		{"nulls and growth", []string{"x", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", "z"}, []int{0, 2}, `[null, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", null]`},
		{"empty", nil, nil, `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := checkedMem(t)
			n := len(tc.rows)
			v := newValidity(mem, n)
			for _, i := range tc.nulls {
				v.setNull(i)
			}
			out := newStrOut(mem, n, 1)
			for i, s := range tc.rows {
				if !v.valid(i) {
					out.empty(i)
					continue
				}
				out.appendString(i, s)
			}
			arr := out.finish(str, n, v)
			defer arr.Release()
			if err := arr.(*array.String).ValidateFull(); err != nil {
				t.Fatal(err)
			}
			if arr.NullN() != len(tc.nulls) {
				t.Fatalf("NullN = %d, want %d", arr.NullN(), len(tc.nulls))
			}
			got, _ := arr.MarshalJSON()
			if !sameJSON(t, string(got), tc.want) {
				t.Fatalf("= %s, want %s", got, tc.want)
			}
		})
	}
}
