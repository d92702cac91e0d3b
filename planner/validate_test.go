package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/sql"
)

func TestWindowsPerRowRefused(t *testing.T) {
	t.Parallel()
	setup := `CREATE STREAM src (k BIGINT, ts TIMESTAMP) WITH (connector = 'gen');
CREATE STREAM dst (k BIGINT, n BIGINT);`
	cases := []struct {
		name, sql string
		want      string // error prefix; "" for success
	}{
		{name: "regression: HOP 1ms over 1 day", sql: "SELECT STREAM k, COUNT(*) FROM src GROUP BY k, HOP(ts, INTERVAL '1' MILLISECOND, INTERVAL '1' DAY)",
			want: "1:48: HOP puts each row in 86400000 windows (size 24h0m0s / slide 1ms), more than max_windows_per_row = 1000"},
		{name: "cumulate", sql: "SELECT STREAM window_end, COUNT(*) FROM TABLE(CUMULATE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '1' DAY)) GROUP BY window_start, window_end",
			want: "1:41: CUMULATE puts each row in 86400 windows (max 24h0m0s / step 1s)"},
		{name: "the second of two windows in a union", sql: "SELECT STREAM k, COUNT(*) FROM src GROUP BY k, HOP(ts, INTERVAL '1' SECOND, INTERVAL '10' SECOND) UNION ALL SELECT STREAM k, COUNT(*) FROM src GROUP BY k, HOP(ts, INTERVAL '1' SECOND, INTERVAL '2' HOUR)",
			want: "1:156: HOP puts each row in 7200 windows"},
		{name: "pump", sql: "CREATE PUMP p AS INSERT INTO dst SELECT STREAM k, COUNT(*) FROM src GROUP BY k, HOP(ts, INTERVAL '1' SECOND, INTERVAL '2' HOUR)",
			want: "1:81: HOP puts each row in 7200 windows"},
		{name: "at the bound", sql: "SELECT STREAM k, COUNT(*) FROM src GROUP BY k, HOP(ts, INTERVAL '1' SECOND, INTERVAL '1000' SECOND)"},
		{name: "raised bound", sql: "SET max_windows_per_row = '7200'; SELECT STREAM k, COUNT(*) FROM src GROUP BY k, HOP(ts, INTERVAL '1' SECOND, INTERVAL '2' HOUR)"},
		{name: "tumbling is one window a row", sql: "SELECT STREAM k, COUNT(*) FROM src GROUP BY k, TUMBLE(ts, INTERVAL '1' MILLISECOND)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewSession(Config{Connectors: fakeConnectors{}})
			if _, err := execText(t, s, setup); err != nil {
				t.Fatal(err)
			}
			_, err := execText(t, s, tc.sql)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "":
				var se *sql.Error
				if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("error %v, want a *sql.Error %q", err, tc.want)
				}
			}
		})
	}
}

// TestBuildRevalidates: lowering max_windows_per_row after a pump was
// created makes Build refuse the job before anything opens.
func TestBuildRevalidates(t *testing.T) {
	t.Parallel()
	s := NewSession(Config{Connectors: fakeConnectors{}})
	_, err := execText(t, s, `CREATE STREAM src (k BIGINT, ts TIMESTAMP) WITH (connector = 'gen');
CREATE STREAM dst (k BIGINT, n BIGINT);
SET max_windows_per_row = '100';
CREATE PUMP p AS INSERT INTO dst SELECT STREAM k, COUNT(*) FROM src GROUP BY k, HOP(ts, INTERVAL '1' SECOND, INTERVAL '100' SECOND);
SET max_windows_per_row = '10'`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Build(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "4:81: HOP puts each row in 100 windows (size 1m40s / slide 1s), more than max_windows_per_row = 10") {
		t.Fatalf("Build: %v", err)
	}
}

func TestPumpCyclesRefused(t *testing.T) {
	t.Parallel()
	setup := `CREATE STREAM x (a BIGINT); CREATE STREAM y (a BIGINT); CREATE STREAM z (a BIGINT);`
	cases := []struct {
		name, sql, want string
	}{
		{name: "regression: a pump reading its target", sql: "CREATE PUMP p AS INSERT INTO x SELECT STREAM a FROM x",
			want: "1:30: pumps feed each other in a cycle, which would never end: pump P -> stream X -> pump P"},
		{name: "regression: two pumps feeding each other", sql: "CREATE PUMP a AS INSERT INTO y SELECT STREAM a FROM x;\nCREATE PUMP b AS INSERT INTO x SELECT STREAM a FROM y",
			want: "2:30: pumps feed each other in a cycle, which would never end: pump B -> stream X -> pump A -> stream Y -> pump B"},
		{name: "replacing a pump can close a cycle", sql: "CREATE PUMP a AS INSERT INTO y SELECT STREAM a FROM x; CREATE PUMP b AS INSERT INTO z SELECT STREAM a FROM y;\nCREATE OR REPLACE PUMP a AS INSERT INTO y SELECT STREAM a FROM z",
			want: "2:41: pumps feed each other in a cycle, which would never end: pump A -> stream Y -> pump B -> stream Z -> pump A"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewSession(Config{Connectors: fakeConnectors{}})
			if _, err := execText(t, s, setup); err != nil {
				t.Fatal(err)
			}
			_, err := execText(t, s, tc.sql)
			var se *sql.Error
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want a *sql.Error %q", err, tc.want)
			}
			if _, ok := s.cat.pumps["B"]; ok && strings.Contains(tc.want, "pump B -> stream X") {
				t.Error("the refused pump joined the catalog")
			}
		})
	}
}

// TestLiveRefusesCycles: the REPL adds pumps one at a time to a running
// session; the one closing a cycle is refused and never starts.
func TestLiveRefusesCycles(t *testing.T) {
	t.Parallel()
	s := NewSession(Config{Connectors: fakeConnectors{}})
	l := s.Live(nil)
	defer l.Close()
	var err error
	for _, text := range []string{"CREATE STREAM x (a BIGINT)", "CREATE STREAM y (a BIGINT)", "CREATE PUMP a AS INSERT INTO y SELECT STREAM a FROM x", "CREATE PUMP b AS INSERT INTO x SELECT STREAM a FROM y"} {
		stmts, perr := sql.Parse(&sql.Source{Text: text})
		if perr != nil {
			t.Fatal(perr)
		}
		if _, err = l.Exec(context.Background(), stmts[0]); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "pump B -> stream X -> pump A -> stream Y -> pump B") {
		t.Fatalf("live CREATE PUMP b: %v", err)
	}
	if l.Running()["pump B"] {
		t.Error("pump B runs")
	}
	if !l.Running()["pump A"] {
		t.Error("pump A does not run")
	}
}
