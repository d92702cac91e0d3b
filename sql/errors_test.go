package sql

import (
	"errors"
	"testing"
)

func TestErrorPositions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		in        string
		line, col int
		msg       string
	}{
		{"second line", "SELECT a\nFROM s\nWHERE b = = 1", 3, 11, `syntax error at or near "="`},
		{"second statement", "SELECT 1 FROM s;\nSELECT a,, b FROM t;", 2, 10, `syntax error at or near ","`},
		{"tabs count as one column", "SELECT a\n\tFROM s\n\tWHERE\tGARBAGE GARBAGE", 3, 16, `syntax error at or near "GARBAGE"`},
		{"utf-8 before the error", "SELECT 'é€', b c d FROM s", 1, 18, `syntax error at or near "d"`},
		{"utf-8 identifier on an earlier line", "SELECT \"prix€\"\nFROM s s2 s3", 2, 11, `syntax error at or near "s3"`},
		{"inside an interval", "SELECT a FROM s\nWHERE ts > INTERVAL 'x1' MINUTE", 2, 21, "invalid interval literal 'x1'"},
		{"after a rewritten interval", "SELECT TUMBLE(ts, INTERVAL '1' MINUTE,, 1) FROM s", 1, 39, `syntax error at or near ","`},
		{"inside a with clause", "CREATE STREAM s (a INT)\nWITH ('k' 'v')", 2, 11, `syntax error at or near "'v'"`},
		{"inside a watermark expression", "CREATE TABLE t (ts TIMESTAMP,\n  WATERMARK FOR ts AS ts + * 2)", 2, 28, `syntax error at or near "*"`},
		{"inside a window tvf", "SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE,, x))", 1, 73, `syntax error at or near ","`},
		{"inside a tvf argument expression", "SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), 1 +, 2))", 1, 53, `syntax error at or near ","`},
		{"inside a stagger partition", "SELECT a FROM s WINDOWED BY STAGGER (PARTITION BY a + RANGE INTERVAL '1' MINUTE)", 1, 54, "syntax error: unexpected end of input"},
		{"after quoted reserved words", "SELECT key, window FROM s WHERE key = = 1", 1, 39, `syntax error at or near "="`},
		{"blanks after an identifier", "SELECT a FROM t AS S GARBAGE\n\n  x", 1, 22, `syntax error at or near "GARBAGE"`},
		{"end of input on a later line", "SELECT a\nFROM s\nWHERE", 3, 6, "syntax error: unexpected end of input"},
		{"third statement after a pump", "CREATE PUMP p AS INSERT INTO o SELECT STREAM STEP(s.ROWTIME BY INTERVAL '1' MINUTE) FROM s;\n-- note\nSHOW STREAMS;\n  SELECT FROM", 4, 10, `syntax error at or near "FROM"`},
		{"select stream then garbage", "SELECT STREAM a FROM s WHERE", 1, 29, "syntax error: unexpected end of input"},
		{"bad type in cast", "SELECT\n  CAST(a AS NUMBER) FROM s", 2, 13, "unsupported type NUMBER"},
		{"unsupported construct", "SELECT a FROM s\nWHERE a IN (SELECT b FROM t)", 2, 7, "unsupported IN (subquery)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &Source{Name: "app.sql", Text: tc.in}
			_, err := Parse(src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v, want a *Error", tc.in, err)
			}
			if e.Line != tc.line || e.Col != tc.col || e.Msg != tc.msg {
				t.Fatalf("Parse(%q) = %d:%d: %s, want %d:%d: %s", tc.in, e.Line, e.Col, e.Msg, tc.line, tc.col, tc.msg)
			}
			if l, c := src.LineCol(e.Pos); l != e.Line || c != e.Col {
				t.Fatalf("Pos %d is %d:%d, error says %d:%d", e.Pos, l, c, e.Line, e.Col)
			}
			if e.Src != src {
				t.Fatalf("error Src is not the parsed source")
			}
		})
	}
}

func TestStatementSpans(t *testing.T) {
	t.Parallel()
	text := "-- app\nSELECT 1 FROM s;\n\n  /* c */ ;; SELECT 2\n FROM t ;\nSHOW PUMPS"
	cases := []struct {
		name string
		at   int
		text string
	}{
		{"first statement after a comment", 7, "SELECT 1 FROM s"},
		{"statement after empty ones", 38, "SELECT 2\n FROM t"},
		{"last statement without semicolon", 57, "SHOW PUMPS"},
	}
	src := &Source{Text: text}
	stmts, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != len(cases) {
		t.Fatalf("got %d statements, want %d", len(stmts), len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := stmts[i].Base()
			if int(b.At) != tc.at || b.Text != tc.text || b.Src != src {
				t.Fatalf("statement %d = {At %d, Text %q}, want {At %d, Text %q}", i, b.At, b.Text, tc.at, tc.text)
			}
		})
	}
}

func TestNodePositions(t *testing.T) {
	t.Parallel()
	text := "CREATE PUMP p AS INSERT INTO o (x)\n  SELECT STREAM a + 1 AS x\n  FROM s AS t1 JOIN s AS t2 ON t1.k = t2.k"
	stmts, err := Parse(&Source{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	pump := stmts[0].(*CreatePump)
	sel := pump.Insert.Query.Selects[0]
	join := sel.From.(*Join)
	cases := []struct {
		name string
		got  Pos
		want string // text expected at the position
		nth  int
	}{
		{"pump name", pump.NamePos, "p AS", 0},
		{"insert statement", pump.Insert.At, "INSERT", 0},
		{"insert target", pump.Insert.TargetPos, "o (x)", 0},
		{"insert column", pump.Insert.Columns[0].Pos, "x)", 0},
		{"select keyword", sel.Pos, "SELECT", 0},
		{"select item", sel.Items[0].Pos, "a + 1", 0},
		{"binary expression", sel.Items[0].Expr.ExprPos(), "a + 1", 0},
		{"literal", sel.Items[0].Expr.(*Binary).R.ExprPos(), "1 AS", 0},
		{"left table", join.Left.TablePos(), "s AS t1", 0},
		{"right table", join.Right.TablePos(), "s AS t2", 0},
		{"join condition", join.On.ExprPos(), "t1.k =", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := text[tc.got:]; len(got) < len(tc.want) || got[:len(tc.want)] != tc.want {
				t.Fatalf("position %d points at %q, want %q", tc.got, got, tc.want)
			}
		})
	}
}
