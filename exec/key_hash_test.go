package exec

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// HashKeys hashes equal key tuples equal (NULLs included), wherever the
// rows sit in their arrays (offsets of slices too), and tells different
// tuples apart.
func TestHashKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		types []arrow.DataType
		cols  []string // JSON arrays, one per key column
		same  [][2]int // rows whose hashes must be equal
		diff  [][2]int // rows whose hashes must differ
	}{
		{
			name:  "one BIGINT",
			types: []arrow.DataType{arrow.PrimitiveTypes.Int64},
			cols:  []string{`[1, 2, 1, null, null, 0]`},
			same:  [][2]int{{0, 2}, {3, 4}},
			diff:  [][2]int{{0, 1}, {3, 5}},
		},
		{
			name:  "one VARCHAR",
			types: []arrow.DataType{arrow.BinaryTypes.String},
			cols:  []string{`["a", "bb", "a", null, "", null, "abcdefghij", "abcdefghik"]`},
			same:  [][2]int{{0, 2}, {3, 5}},
			diff:  [][2]int{{0, 1}, {3, 4}, {6, 7}},
		},
		{
			name:  "VARCHAR and INT",
			types: []arrow.DataType{arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32},
			cols:  []string{`["a", "a", "b", "a", null]`, `[1, 2, 1, 1, 1]`},
			same:  [][2]int{{0, 3}},
			diff:  [][2]int{{0, 1}, {0, 2}, {0, 4}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var keys, sliced []arrow.Array
			for i, js := range tc.cols {
				a, _, err := array.FromJSON(mem, tc.types[i], strings.NewReader(js))
				if err != nil {
					t.Fatal(err)
				}
				defer a.Release()
				keys = append(keys, a)
				s := array.NewSlice(a, 1, int64(a.Len()))
				defer s.Release()
				sliced = append(sliced, s)
			}
			h, err := HashKeys(keys, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != keys[0].Len() {
				t.Fatalf("%d hashes for %d rows", len(h), keys[0].Len())
			}
			for _, p := range tc.same {
				if h[p[0]] != h[p[1]] {
					t.Errorf("rows %d and %d: hashes %x and %x, want equal", p[0], p[1], h[p[0]], h[p[1]])
				}
			}
			for _, p := range tc.diff {
				if h[p[0]] == h[p[1]] {
					t.Errorf("rows %d and %d: both hash %x", p[0], p[1], h[p[0]])
				}
			}
			hs, err := HashKeys(sliced, h[:0:0])
			if err != nil {
				t.Fatal(err)
			}
			for i := range hs {
				if hs[i] != h[i+1] {
					t.Errorf("sliced row %d: hash %x, unsliced %x", i, hs[i], h[i+1])
				}
			}
		})
	}
}
