package exec

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestTime(t *testing.T) {
	t.Parallel()
	unitFirst := func(u string) func([]Expr) []Expr {
		return func(c []Expr) []Expr { return []Expr{lit(t, u, str), c[0]} }
	}
	unitLast := func(u string) func([]Expr) []Expr {
		return func(c []Expr) []Expr { return []Expr{c[0], lit(t, u, str)} }
	}
	ts := fixture{TimestampType, `["2021-03-17 13:45:30.250", "1969-12-31 23:59:59.999", null]`}
	runExprCases(t, []exprCase{
		{name: "floor to minute", fn: "floor_time", cols: []fixture{ts}, args: unitLast("MINUTE"), want: `["2021-03-17T13:45:00", "1969-12-31T23:59:00", null]`},
		{name: "floor to day", fn: "floor_time", cols: []fixture{ts}, args: unitLast("DAY"), want: `["2021-03-17T00:00:00", "1969-12-31T00:00:00", null]`},
		{name: "floor to week starts monday", fn: "floor_time", cols: []fixture{ts}, args: unitLast("WEEK"), want: `["2021-03-15T00:00:00", "1969-12-29T00:00:00", null]`},
		{name: "floor to quarter", fn: "floor_time", cols: []fixture{ts}, args: unitLast("QUARTER"), want: `["2021-01-01T00:00:00", "1969-10-01T00:00:00", null]`},
		{name: "ceil to hour", fn: "ceil_time", cols: []fixture{{TimestampType, `["2021-03-17 13:45:30", "2021-03-17 13:00:00"]`}}, args: unitLast("HOUR"), want: `["2021-03-17T14:00:00", "2021-03-17T13:00:00"]`},
		{name: "ceil to month", fn: "ceil_time", cols: []fixture{{TimestampType, `["2021-12-17 13:45:30"]`}}, args: unitLast("MONTH"), want: `["2022-01-01T00:00:00"]`},
		{name: "step timestamp", fn: "step", cols: []fixture{ts}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, int64(10000), IntervalType)} }, want: `["2021-03-17T13:45:30", "1969-12-31T23:59:50", null]`},
		{name: "step by months", fn: "step", cols: []fixture{{TimestampType, `["2021-05-17 13:45:30", "1969-11-30 00:00:00"]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, int64(3), MonthIntervalType)} }, want: `["2021-04-01T00:00:00", "1969-10-01T00:00:00"]`},
		{name: "step integer", fn: "step", cols: []fixture{{i64, `[23, -3, 20]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, int64(5), i64)} }, want: `[20, -5, 20]`},
		{name: "step by zero is a row error", fn: "step", cols: []fixture{{i64, `[23]`}}, args: func(c []Expr) []Expr { return []Expr{c[0], lit(t, int64(0), i64)} }, want: `[null]`, errRows: []int{0}},
		{name: "extract year", fn: "extract", cols: []fixture{ts}, args: unitFirst("YEAR"), want: `[2021, 1969, null]`},
		{name: "extract second", fn: "extract", cols: []fixture{ts}, args: unitFirst("SECOND"), want: `[30, 59, null]`},
		{name: "extract millisecond", fn: "extract", cols: []fixture{ts}, args: unitFirst("MILLISECOND"), want: `[30250, 59999, null]`},
		{name: "extract dow sunday is 1", fn: "extract", cols: []fixture{{TimestampType, `["2021-03-14 00:00:00", "2021-03-17 00:00:00"]`}}, args: unitFirst("DOW"), want: `[1, 4]`},
		{name: "extract doy", fn: "extract", cols: []fixture{{DateType, `["2020-12-31"]`}}, args: unitFirst("DOY"), want: `[366]`},
		{name: "extract iso week", fn: "extract", cols: []fixture{{DateType, `["2021-01-03", "2021-01-04", "2020-12-31"]`}}, args: unitFirst("WEEK"), want: `[53, 1, 53]`},
		{name: "extract epoch", fn: "extract", cols: []fixture{ts}, args: unitFirst("EPOCH"), want: `[1615988730, -1, null]`},
		{name: "hour", fn: "hour", cols: []fixture{ts}, want: `[13, 23, null]`},
		{name: "dayofmonth", fn: "dayofmonth", cols: []fixture{ts}, want: `[17, 31, null]`},
		{name: "tsdiff", fn: "tsdiff", cols: []fixture{{TimestampType, `["1970-01-01 00:00:02"]`}, {TimestampType, `["1970-01-01 00:00:01.5"]`}}, want: `[500]`},
		{name: "unix_timestamp", fn: "unix_timestamp", cols: []fixture{{TimestampType, `["2018-05-09 12:50:41.337", null]`}}, want: `[1525870241337, null]`},
		{name: "to_timestamp", fn: "to_timestamp", cols: []fixture{{i64, `[1525870241337]`}}, want: `["2018-05-09T12:50:41.337"]`},
	})
}

func TestNow(t *testing.T) {
	t.Parallel()
	start := time.Date(2024, 2, 3, 4, 5, 6, 7e6, time.UTC)
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fns := DefaultFunctions()
	for _, tc := range []struct {
		fn   string
		want string
	}{
		{"current_timestamp", `["2024-02-03T04:05:06.007", "2024-02-03T04:05:06.007"]`},
		{"localtimestamp", `["2024-02-03T04:05:06.007", "2024-02-03T04:05:06.007"]`},
		{"current_date", `["2024-02-03", "2024-02-03"]`},
		{"current_row_timestamp", `["2025-01-01T00:00:00", "2025-01-01T00:00:00"]`},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			t.Parallel()
			mem := checkedMem(t)
			e, err := fns.Bind(tc.fn)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := ConstValue(e); ok {
				t.Fatal("folded at Bind")
			}
			batch := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 2)
			defer batch.Release()
			ec := &EvalContext{Alloc: mem, Start: start, Clock: func() time.Time { return clock }}
			arr, err := e.Eval(ec, batch)
			if err != nil {
				t.Fatal(err)
			}
			defer arr.Release()
			got, _ := arr.MarshalJSON()
			if !sameJSON(t, string(got), tc.want) {
				t.Fatalf("%s = %s, want %s", tc.fn, got, tc.want)
			}
		})
	}
}
