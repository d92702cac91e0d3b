package exec

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestOverlaps(t *testing.T) {
	t.Parallel()
	s1 := fixture{TimestampType, `["2024-01-01 10:00:00", "2024-01-01 10:00:00", "2024-01-01 12:00:00", "2024-01-01 10:00:00", "2024-01-01 10:00:00", "2024-01-01 10:00:00", null]`}
	e1 := fixture{TimestampType, `["2024-01-01 12:00:00", "2024-01-01 12:00:00", "2024-01-01 10:00:00", null, null, "2024-01-01 10:00:00", null]`}
	s2 := fixture{TimestampType, `["2024-01-01 11:00:00", "2024-01-01 12:00:00", "2024-01-01 11:00:00", "2024-01-01 09:00:00", "2024-01-01 11:00:00", "2024-01-01 10:00:00", "2024-01-01 10:00:00"]`}
	e2 := fixture{TimestampType, `["2024-01-01 13:00:00", "2024-01-01 13:00:00", "2024-01-01 13:00:00", "2024-01-01 11:00:00", "2024-01-01 13:00:00", "2024-01-01 11:00:00", "2024-01-01 11:00:00"]`}
	hours := func(h int64) int64 { return h * 3_600_000 }
	runExprCases(t, []exprCase{
		{
			// overlap, touching ends (no overlap), a period written backwards,
			// an open end inside the other period (TRUE) and outside it
			// (NULL), two periods starting together (even an empty one),
			// and no start at all.
			name: "standard semantics with NULLs", fn: "overlaps", cols: []fixture{s1, e1, s2, e2},
			want: `[true, false, true, true, null, true, null]`,
		},
		{
			name: "end given as an interval", fn: "overlaps",
			cols: []fixture{{TimestampType, `["2024-01-01 10:00:00", "2024-01-01 10:00:00", null, "2024-01-01 10:00:00"]`},
				{TimestampType, `["2024-01-01 11:00:00", "2024-01-01 12:00:00", "2024-01-01 11:00:00", "2024-01-01 11:30:00"]`}},
			args: func(c []Expr) []Expr {
				return []Expr{c[0], lit(t, hours(2), IntervalType), c[1], lit(t, hours(1), IntervalType)}
			},
			want: `[true, false, null, true]`,
		},
		{
			name: "a negative interval reads the period backwards", fn: "overlaps",
			cols: []fixture{{TimestampType, `["2024-01-01 10:00:00", "2024-01-01 10:00:00"]`}, {TimestampType, `["2024-01-01 09:30:00", "2024-01-01 10:00:00"]`}},
			args: func(c []Expr) []Expr {
				return []Expr{c[0], lit(t, -hours(1), IntervalType), c[1], lit(t, hours(1), IntervalType)}
			},
			want: `[true, false]`,
		},
		{
			name: "NULL constants", fn: "overlaps",
			cols: []fixture{{TimestampType, `["2024-01-01 10:00:00"]`}},
			args: func(c []Expr) []Expr {
				return []Expr{c[0], lit(t, nil, arrow.Null), lit(t, nil, arrow.Null), c[0]}
			},
			want: `[null]`,
		},
	})
}

func TestOverlapsRejectsBadArguments(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	ts, iv, n := lit(t, int64(0), TimestampType), lit(t, int64(1), IntervalType), lit(t, int64(1), arrow.PrimitiveTypes.Int64)
	for _, tc := range []struct {
		name string
		args []Expr
	}{
		{"three arguments", []Expr{ts, ts, ts}},
		{"an interval as a start", []Expr{iv, ts, ts, ts}},
		{"a number as an end", []Expr{ts, n, ts, ts}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := fns.Bind("overlaps", tc.args...); err == nil {
				t.Fatal("Bind succeeded")
			}
		})
	}
}
