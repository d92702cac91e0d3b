package sql

import (
	"errors"
	"strings"
	"testing"
)

func TestParseReport(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		cron           string
		everyMs        int64
		options        int
	}{
		{"cron schedule with options",
			"create report top_movers schedule '0 8 * * *' as select ticker, max(price) - min(price) as moved from ticks group by ticker order by moved desc with (format = 'html', title = 'Movers')",
			"CREATE REPORT TOP_MOVERS SCHEDULE '0 8 * * *' AS SELECT TICKER, MAX(PRICE) - MIN(PRICE) AS MOVED FROM TICKS GROUP BY TICKER ORDER BY MOVED DESC WITH ('format' = 'html', 'title' = 'Movers')",
			"0 8 * * *", 0, 2},
		{"every interval without options",
			"CREATE OR REPLACE REPORT r EVERY INTERVAL '15' MINUTE AS SELECT a FROM s",
			"CREATE OR REPLACE REPORT R EVERY INTERVAL '15' MINUTE AS SELECT A FROM S",
			"", 15 * 60000, 0},
		{"cron with a time zone prefix",
			"CREATE REPORT r SCHEDULE 'CRON_TZ=Europe/Paris 0 8 * * *' AS SELECT a FROM s WITH (timezone = 'UTC')",
			"CREATE REPORT R SCHEDULE 'CRON_TZ=Europe/Paris 0 8 * * *' AS SELECT A FROM S WITH ('timezone' = 'UTC')",
			"CRON_TZ=Europe/Paris 0 8 * * *", 0, 1},
		{"query with interval arithmetic and a subquery in parentheses",
			"CREATE REPORT r EVERY INTERVAL '1' HOUR AS SELECT a, COUNT(*) AS n FROM (SELECT a FROM s WHERE ROWTIME >= CURRENT_TIMESTAMP - INTERVAL '1' HOUR) AS x GROUP BY a WITH (destination = 'function', url = 'http://127.0.0.1:1/')",
			"CREATE REPORT R EVERY INTERVAL '1' HOUR AS SELECT A, COUNT(*) AS N FROM (SELECT A FROM S WHERE ROWTIME >= CURRENT_TIMESTAMP - INTERVAL '1' HOUR) AS X GROUP BY A WITH ('destination' = 'function', 'url' = 'http://127.0.0.1:1/')",
			"", 3600000, 2},
		{"compound interval",
			"CREATE REPORT r EVERY INTERVAL '1:30' HOUR TO MINUTE AS SELECT a FROM s",
			"CREATE REPORT R EVERY INTERVAL '90' MINUTE AS SELECT A FROM S",
			"", 90 * 60000, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &Source{Text: tc.in}
			stmts, err := Parse(src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			r, ok := stmts[0].(*CreateReport)
			if !ok || len(stmts) != 1 {
				t.Fatalf("Parse gave %T (%d statements), want one *CreateReport", stmts[0], len(stmts))
			}
			if r.Cron != tc.cron || r.Every.Millis != tc.everyMs || len(r.Options) != tc.options {
				t.Fatalf("report = cron %q every %d options %v", r.Cron, r.Every.Millis, r.Options)
			}
			if r.Text != tc.in || r.At != 0 {
				t.Fatalf("Stmt = {At %d, Text %q}, want the whole input", r.At, r.Text)
			}
			if int(r.NamePos) != strings.Index(strings.ToUpper(tc.in), " "+r.Name+" ")+1 {
				t.Fatalf("NamePos = %d", r.NamePos)
			}
			got := Format(r)
			if got != tc.want {
				t.Fatalf("Format\n got %s\nwant %s", got, tc.want)
			}
			again, err := Parse(&Source{Text: got})
			if err != nil || len(again) != 1 || Format(again[0]) != got {
				t.Fatalf("round trip of %q: %v", got, err)
			}
		})
	}
}

func TestParseReportErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		in        string
		line, col int
		msg       string
	}{
		{"no schedule", "CREATE REPORT r AS SELECT a FROM s", 1, 17, `syntax error at or near "AS"`},
		{"schedule not a string", "CREATE REPORT r SCHEDULE 8 AS SELECT a FROM s", 1, 26, `syntax error at or near "8"`},
		{"empty schedule", "CREATE REPORT r\nSCHEDULE '' AS SELECT a FROM s", 2, 10, "report R: the schedule is empty"},
		{"every without interval", "CREATE REPORT r EVERY '1' HOUR AS SELECT a FROM s", 1, 23, `syntax error at or near "'1'"`},
		{"every in months", "CREATE REPORT r EVERY INTERVAL '1' MONTH AS SELECT a FROM s", 1, 23, "report R: EVERY needs a positive day-time interval such as INTERVAL '1' HOUR"},
		{"bad interval", "CREATE REPORT r EVERY INTERVAL 'x' HOUR AS SELECT a FROM s", 1, 32, "invalid interval literal 'x'"},
		{"missing AS", "CREATE REPORT r EVERY INTERVAL '1' HOUR SELECT a FROM s", 1, 41, `syntax error at or near "SELECT"`},
		{"not a query", "CREATE REPORT r EVERY INTERVAL '1' HOUR AS INSERT INTO t SELECT a FROM s", 1, 44, `syntax error at or near "INSERT"`},
		{"end after AS", "CREATE REPORT r EVERY INTERVAL '1' HOUR AS", 1, 43, "syntax error: unexpected end of input"},
		{"error in the query", "CREATE REPORT r EVERY INTERVAL '1' HOUR AS\nSELECT a,, b FROM s", 2, 10, `syntax error at or near ","`},
		{"bad option", "CREATE REPORT r EVERY INTERVAL '1' HOUR AS SELECT a FROM s\nWITH (format 'html')", 2, 14, `syntax error at or near "'html'"`},
		{"text after options", "CREATE REPORT r EVERY INTERVAL '1' HOUR AS SELECT a FROM s WITH (a = 'b') x", 1, 60, `syntax error at or near "WITH"`},
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
		})
	}
}
