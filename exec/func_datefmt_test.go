package exec

import "testing"

func TestDateFormat(t *testing.T) {
	t.Parallel()
	unitFirst := func(u string) func([]Expr) []Expr {
		return func(c []Expr) []Expr { return []Expr{lit(t, u, str), c[0]} }
	}
	unitLast := func(u string) func([]Expr) []Expr {
		return func(c []Expr) []Expr { return []Expr{c[0], lit(t, u, str)} }
	}
	runExprCases(t, []exprCase{
		{name: "timestamp_to_char", fn: "timestamp_to_char", cols: []fixture{{TimestampType, `["2018-05-09 12:50:41.337", "2018-05-09 00:05:00", null]`}}, args: unitFirst("yyyy-MM-dd hh:mm:ss"), want: `["2018-05-09 12:50:41", "2018-05-09 12:05:00", "null"]`},
		{name: "timestamp_to_char names", fn: "timestamp_to_char", cols: []fixture{{TimestampType, `["2018-05-09 15:50:41.007"]`}}, args: unitFirst("EEE, d MMM yyyy HH:mm:ss.SSS a 'at' z"), want: `["Wed, 9 May 2018 15:50:41.007 PM at UTC"]`},
		{name: "date_format", fn: "date_format", cols: []fixture{{TimestampType, `["2018-05-09 15:50:41", null]`}}, args: unitLast("yyyyMMdd HH"), want: `["20180509 15", null]`},
		{name: "char_to_timestamp", fn: "char_to_timestamp", cols: []fixture{{str, `["2018-05-09 12:50:41", "09/May/2018", "nonsense", null]`}}, args: func(c []Expr) []Expr { return []Expr{lit(t, "yyyy-MM-dd HH:mm:ss", str), c[0]} }, want: `["2018-05-09T12:50:41", null, null, null]`, errRows: []int{1, 2}},
		{name: "char_to_timestamp names and defaults", fn: "char_to_timestamp", cols: []fixture{{str, `["09/May/2018:10:00:00 +0100", "12"]`}, {str, `["dd/MMM/yyyy:HH:mm:ss Z", "HH"]`}}, args: func(c []Expr) []Expr { return []Expr{c[1], c[0]} }, want: `["2018-05-09T09:00:00", "1970-01-01T12:00:00"]`},
		{name: "char_to_timestamp fused fields", fn: "char_to_timestamp", cols: []fixture{{str, `["20180509123001"]`}}, args: func(c []Expr) []Expr { return []Expr{lit(t, "yyyyMMddHHmmss", str), c[0]} }, want: `["2018-05-09T12:30:01"]`},
		{name: "timestamp_to_char quoted text and 24h clock", fn: "timestamp_to_char", cols: []fixture{{TimestampType, `["2018-05-09 00:05:00"]`}}, args: unitFirst("'T'''kk:mm"), want: `["T'24:05"]`},
		{name: "char_to_timestamp per-row bad format", fn: "char_to_timestamp", cols: []fixture{{str, `["2018", "2018"]`}, {str, `["yyyy", "'oops"]`}}, args: func(c []Expr) []Expr { return []Expr{c[1], c[0]} }, want: `["2018-01-01T00:00:00", null]`, errRows: []int{1}},
	})
}

func TestDateFormatBind(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	for _, tc := range []struct {
		name string
		fn   string
		args []Expr
	}{
		{"unknown letter", "timestamp_to_char", []Expr{lit(t, "yyyy-qq", str), Column(0, "ts", TimestampType)}},
		{"unterminated quote", "char_to_timestamp", []Expr{lit(t, "'abc", str), Column(0, "s", str)}},
		{"wrong argument order", "timestamp_to_char", []Expr{Column(0, "ts", TimestampType), lit(t, "yyyy", str)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := fns.Bind(tc.fn, tc.args...); err == nil {
				t.Fatal("Bind succeeded")
			}
		})
	}
}
