package window

import (
	"cmp"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// rowCmp compares two rows of one column: negative when row i sorts first.
type rowCmp func(i, j int) int

// sortPerm returns the order of the rows of cols by keys (NULLs last in
// either direction), ties broken by the next key. ok is false when a key
// column has a type it cannot compare (the caller sorts with Arrow).
func sortPerm(n int, cols []arrow.Array, desc []bool) ([]int32, bool) {
	cmps := make([]rowCmp, len(cols))
	for k, c := range cols {
		f, ok := columnCmp(c)
		if !ok {
			return nil, false
		}
		if c.NullN() > 0 {
			inner := f
			f = func(i, j int) int {
				ni, nj := c.IsNull(i), c.IsNull(j)
				switch {
				case ni && nj:
					return 0
				case ni:
					return 1 << 30 // after, even when descending
				case nj:
					return -(1 << 30)
				}
				return inner(i, j)
			}
		}
		cmps[k] = f
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		for k, f := range cmps {
			c := f(int(a), int(b))
			if c == 0 {
				continue
			}
			if desc[k] && c != 1<<30 && c != -(1<<30) {
				return -c
			}
			return c
		}
		return cmp.Compare(a, b)
	})
	return perm, true
}

// columnCmp returns a comparator for the valid values of c.
func columnCmp(c arrow.Array) (rowCmp, bool) {
	switch a := c.(type) {
	case *array.Int64:
		return ordered(a.Int64Values()), true
	case *array.Int32:
		return ordered(a.Int32Values()), true
	case *array.Int16:
		return ordered(a.Int16Values()), true
	case *array.Int8:
		return ordered(a.Int8Values()), true
	case *array.Uint64:
		return ordered(a.Uint64Values()), true
	case *array.Uint32:
		return ordered(a.Uint32Values()), true
	case *array.Float64:
		return ordered(a.Float64Values()), true
	case *array.Float32:
		return ordered(a.Float32Values()), true
	case *array.Timestamp:
		return ordered(a.TimestampValues()), true
	case *array.Date32:
		return ordered(a.Date32Values()), true
	case *array.Time32:
		return ordered(a.Time32Values()), true
	case *array.String:
		return func(i, j int) int { return cmp.Compare(a.Value(i), a.Value(j)) }, true
	case *array.Boolean:
		return func(i, j int) int {
			x, y := a.Value(i), a.Value(j)
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}, true
	case *array.Decimal128:
		return func(i, j int) int { return a.Value(i).Cmp(a.Value(j)) }, true
	}
	return nil, false
}

func ordered[T cmp.Ordered](v []T) rowCmp {
	return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
}
