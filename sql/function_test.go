package sql

import (
	"errors"
	"strings"
	"testing"
)

// functionCases are statements with CREATE FUNCTION, OVERLAPS, fields of
// parenthesized row values and derived column lists: the canonical form
// they format to, or "error: " and the positioned error.
var functionCases = []struct {
	name, in, want string
}{
	{"kda function with contains sql",
		"CREATE FUNCTION get_fraction( degrees DOUBLE ) RETURNS DOUBLE CONTAINS SQL RETURN degrees - FLOOR(degrees)",
		"CREATE FUNCTION GET_FRACTION(DEGREES DOUBLE) RETURNS DOUBLE RETURN DEGREES - FLOOR(DEGREES)"},
	{"language sql and every characteristic",
		"create or replace function f(a INTEGER, \"b\" VARCHAR(4)) returns VARCHAR(8) language sql specific f1 not deterministic reads sql data returns null on null input return CAST(a AS VARCHAR(4)) || \"b\"",
		"CREATE OR REPLACE FUNCTION F(A INTEGER, \"b\" VARCHAR(4)) RETURNS VARCHAR(8) RETURNS NULL ON NULL INPUT RETURN CAST(A AS VARCHAR(4)) || \"b\""},
	{"no parameters and called on null input",
		"CREATE FUNCTION one() RETURNS INTEGER DETERMINISTIC CALLED ON NULL INPUT RETURN 1",
		"CREATE FUNCTION ONE() RETURNS INTEGER RETURN 1"},
	{"body with interval and case",
		"CREATE FUNCTION later(t TIMESTAMP) RETURNS TIMESTAMP RETURN CASE WHEN t IS NULL THEN NULL ELSE t + INTERVAL '1' MINUTE END",
		"CREATE FUNCTION LATER(T TIMESTAMP) RETURNS TIMESTAMP RETURN CASE WHEN T IS NULL THEN NULL ELSE T + INTERVAL '1' MINUTE END"},
	{"drop function if exists", "drop function if exists f", "DROP FUNCTION IF EXISTS F"},
	{"show functions", "show functions", "SHOW FUNCTIONS"},
	{"java function is rejected",
		"CREATE FUNCTION count_char AS 'com.example.CountChar'",
		"error: 1:28: unsupported function implemented outside SQL: write (parameters) RETURNS type RETURN expression"},
	{"other language is rejected",
		"CREATE FUNCTION f(a INT) RETURNS INT LANGUAGE JAVA RETURN a",
		"error: 1:47: unsupported function language JAVA: only LANGUAGE SQL"},
	{"missing body", "CREATE FUNCTION f(a INT) RETURNS INT", "error: 1:37: syntax error: unexpected end of input"},
	{"return without expression", "CREATE FUNCTION f(a INT) RETURNS INT RETURN", "error: 1:44: syntax error: unexpected end of input"},
	{"repeated characteristic",
		"CREATE FUNCTION f(a INT) RETURNS INT DETERMINISTIC NOT DETERMINISTIC RETURN a",
		`error: 1:52: syntax error at or near "NOT"`},
	{"bad body", "CREATE FUNCTION f(a INT) RETURNS INT RETURN a +", "error: 1:48: syntax error: unexpected end of input"},
	{"parameter without type", "CREATE FUNCTION f(a) RETURNS INT RETURN a", `error: 1:20: syntax error at or near ")"`},
	{"overlaps of two periods",
		"SELECT STREAM * FROM s WHERE (a, b) OVERLAPS (c, d + INTERVAL '1' HOUR) AND x = 1",
		"SELECT STREAM * FROM S WHERE (A, B) OVERLAPS (C, D + INTERVAL '1' HOUR) AND X = 1"},
	{"overlaps with an interval and not",
		"SELECT STREAM NOT (a, INTERVAL '5' MINUTE) OVERLAPS (c, d) AS o FROM s",
		"SELECT STREAM NOT (A, INTERVAL '5' MINUTE) OVERLAPS (C, D) AS O FROM S"},
	{"overlaps needs pairs",
		"SELECT STREAM (a, b, c) OVERLAPS (c, d) FROM s",
		"error: 1:15: OVERLAPS compares two periods: (start, end or interval) OVERLAPS (start, end or interval)"},
	{"field of a parenthesized row value",
		"SELECT STREAM (REGEX_LOG_PARSE(s, '(a)(b)')).COLUMN1 || 'x', 'y' || (r).\"col\" || (r).B, (r).\"col\" * 2 FROM t",
		"SELECT STREAM REGEX_LOG_PARSE(S, '(a)(b)').COLUMN1 || 'x', 'y' || R.\"col\" || R.B, R.\"col\" * 2 FROM T"},
	{"field of a call", "SELECT STREAM f(x).A AS a FROM t", "SELECT STREAM F(X).A AS A FROM T"},
	{"field under a minus", "SELECT STREAM -(r).A FROM t", "SELECT STREAM -R.A FROM T"},
	{"derived table column list",
		"SELECT STREAM l.r.COLUMN1 FROM (SELECT STREAM W3C_LOG_PARSE(\"log\", 'COMMON') FROM s) AS l(r)",
		"SELECT STREAM L.R.COLUMN1 FROM (SELECT STREAM W3C_LOG_PARSE(\"log\", 'COMMON') FROM S) AS L(R)"},
	{"derived table column list without AS",
		"SELECT STREAM * FROM (SELECT STREAM a, b FROM s) t(x, \"y\")",
		"SELECT STREAM * FROM (SELECT STREAM A, B FROM S) AS T(X, \"y\")"},
}

func TestParseFunctions(t *testing.T) {
	t.Parallel()
	for _, tc := range functionCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stmts, err := Parse(&Source{Text: tc.in})
			if want, ok := strings.CutPrefix(tc.want, "error: "); ok {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Parse(%q) error = %v, want *Error %q", tc.in, err, want)
				}
				if e.Error() != want {
					t.Fatalf("Parse(%q) error = %q, want %q", tc.in, e.Error(), want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if len(stmts) != 1 {
				t.Fatalf("Parse(%q) gave %d statements, want 1", tc.in, len(stmts))
			}
			got := Format(stmts[0])
			if got != tc.want {
				t.Fatalf("Format(Parse(%q))\n got %s\nwant %s", tc.in, got, tc.want)
			}
			again, err := Parse(&Source{Text: got})
			if err != nil {
				t.Fatalf("reparse of %q: %v", got, err)
			}
			if len(again) != 1 || Format(again[0]) != got {
				t.Fatalf("round trip of %q changed it", got)
			}
		})
	}
}

func TestParseFunctionTree(t *testing.T) {
	t.Parallel()
	stmts, err := Parse(&Source{Text: "CREATE FUNCTION f(a INT, b VARCHAR(3)) RETURNS BIGINT RETURNS NULL ON NULL INPUT RETURN a + CHAR_LENGTH(b)"})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := stmts[0].(*CreateFunction)
	if !ok {
		t.Fatalf("got %T, want *CreateFunction", stmts[0])
	}
	if f.Name != "F" || len(f.Params) != 2 || f.Params[1].Name != "B" || f.Params[1].Type.Kind != TypeVarchar ||
		f.Params[1].Type.Length != 3 || f.Returns.Kind != TypeBigInt || !f.NullOnNull || f.Params[0].Pos != 18 {
		t.Fatalf("unexpected tree %+v", f)
	}
	b, ok := f.Body.(*Binary)
	if !ok || b.Op != "+" || b.Pos != 88 {
		t.Fatalf("body = %#v, want a + at offset 88", f.Body)
	}
	if c, ok := b.L.(*ColumnRef); !ok || c.Name != "A" || c.Pos != 88 {
		t.Fatalf("body left = %#v", b.L)
	}
}

// FuzzCreateFunction checks that CREATE FUNCTION never panics, that every
// error is a positioned *Error inside the text, and that what parses
// formats to text that parses to the same canonical form.
func FuzzCreateFunction(f *testing.F) {
	for _, tc := range functionCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, text string) {
		stmts, err := Parse(&Source{Text: text})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %v is not a *Error", text, err)
			}
			if e.Pos < 0 || int(e.Pos) > len(text) {
				t.Fatalf("Parse(%q) error offset %d is outside the text", text, e.Pos)
			}
			return
		}
		for _, s := range stmts {
			cf, ok := s.(*CreateFunction)
			if !ok {
				continue
			}
			out := Format(cf)
			again, err := Parse(&Source{Text: out})
			if err != nil {
				t.Fatalf("Format(Parse(%q)) = %q does not parse: %v", text, out, err)
			}
			if len(again) != 1 || Format(again[0]) != out {
				t.Fatalf("round trip of %q changed it", out)
			}
		}
	})
}
