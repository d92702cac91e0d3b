package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// fakeConnectors knows a "gen" source and a "out" destination and opens
// nothing: these tests stop at planning.
type fakeConnectors struct{}

func (fakeConnectors) OpenSource(context.Context, string, *arrow.Schema, map[string]string, exec.ErrorSink) (*OpenedSource, error) {
	return nil, errors.New("not in this test")
}
func (fakeConnectors) DiscoverSource(_ context.Context, opts map[string]string) ([]Column, error) {
	return []Column{{Name: "X", Type: arrow.PrimitiveTypes.Int64, SQLType: "BIGINT"}}, nil
}
func (fakeConnectors) OpenSink(context.Context, string, *arrow.Schema, map[string]string, exec.ErrorSink) (Sink, error) {
	return nil, errors.New("not in this test")
}
func (fakeConnectors) IsSource(c string) bool { return c == "gen" }
func (fakeConnectors) IsSink(c string) bool   { return c == "out" }

func execText(t *testing.T, s *Session, text string) (*Result, error) {
	t.Helper()
	stmts, err := sql.Parse(&sql.Source{Text: text})
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	var res *Result
	for _, st := range stmts {
		if res, err = s.Exec(context.Background(), st); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func TestSessionStatements(t *testing.T) {
	t.Parallel()
	setup := `CREATE STREAM src (a BIGINT, b VARCHAR(4)) WITH (connector = 'gen');
CREATE STREAM dst (a BIGINT);`
	cases := []struct {
		name, sql string
		want      string // substring of the result text, or of the error
		err       bool
	}{
		{name: "pump created", sql: "CREATE PUMP p AS INSERT INTO dst SELECT STREAM a FROM src", want: "CREATE PUMP P"},
		{name: "insert runs as an unnamed pump", sql: "INSERT INTO dst SELECT STREAM a FROM src; SHOW PUMPS", want: "INSERT_1 -> DST"},
		{name: "source shows as source", sql: "SHOW STREAMS", want: "SRC (source)"},
		{name: "describe shows the system columns of a source", sql: "DESCRIBE src", want: "APPROXIMATE_ARRIVAL_TIME TIMESTAMP (system)"},
		{name: "set records a setting", sql: "SET checkpoint_interval = '1s'", want: "SET checkpoint_interval"},
		{name: "a pump into the error stream is refused", sql: "CREATE PUMP e AS INSERT INTO error_stream SELECT STREAM a FROM src", want: "cannot be written", err: true},
		{name: "replacing a stream a pump uses is refused", sql: "CREATE PUMP p AS INSERT INTO dst SELECT STREAM a FROM src; CREATE OR REPLACE STREAM src (a INT)", want: "used by pump P", err: true},
		{name: "a pump twice without OR REPLACE is refused", sql: "CREATE PUMP p AS INSERT INTO dst SELECT STREAM a FROM src; CREATE PUMP p AS INSERT INTO dst SELECT STREAM a FROM src", want: "pump P already exists", err: true},
		{name: "NOT NULL target column without a value", sql: "CREATE STREAM nn (a BIGINT, b BIGINT NOT NULL); INSERT INTO nn (a) SELECT STREAM a FROM src", want: "NOT NULL", err: true},
		{name: "quoted names are exact", sql: `SELECT STREAM "a" FROM src`, want: `unknown column "a" (did you mean A?`, err: true},
		{name: "stream names are exact", sql: `SELECT STREAM a FROM "src"`, want: `unknown stream "src" (did you mean SRC?`, err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewSession(Config{Connectors: fakeConnectors{}})
			if _, err := execText(t, s, setup); err != nil {
				t.Fatal(err)
			}
			res, err := execText(t, s, tc.sql)
			switch {
			case tc.err && err == nil:
				t.Fatalf("succeeded, want error %q", tc.want)
			case tc.err:
				if !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %q, want %q", err, tc.want)
				}
			case err != nil:
				t.Fatal(err)
			case !strings.Contains(res.Text, tc.want):
				t.Fatalf("result %q, want %q", res.Text, tc.want)
			}
		})
	}
}

func TestRulesRewritePlans(t *testing.T) {
	t.Parallel()
	s := NewSession(Config{Connectors: fakeConnectors{}})
	if _, err := execText(t, s, "CREATE STREAM src (a BIGINT, b VARCHAR(4)) WITH (connector = 'gen')"); err != nil {
		t.Fatal(err)
	}
	res, err := execText(t, s, "EXPLAIN SELECT STREAM * FROM (SELECT STREAM a, b FROM src WHERE a > 1) AS x WHERE b = 'z'")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pushed: A > 1", "Filter B = 'z'"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("plan lacks %q:\n%s", want, res.Text)
		}
	}
	// Without rules, nothing is pushed.
	bare := NewSession(Config{Connectors: fakeConnectors{}, Rules: []Rule{}})
	if _, err := execText(t, bare, "CREATE STREAM src (a BIGINT) WITH (connector = 'gen')"); err != nil {
		t.Fatal(err)
	}
	res, err = execText(t, bare, "EXPLAIN SELECT STREAM a FROM src WHERE a > 1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Text, "pushed") || !strings.Contains(res.Text, "Filter A > 1") {
		t.Errorf("an empty rule list changed the plan:\n%s", res.Text)
	}
}

func TestDiscoveryForBoundInputs(t *testing.T) {
	t.Parallel()
	s := NewSession(Config{Connectors: fakeConnectors{}})
	s.BindInput("IN1", map[string]string{"connector": "gen"})
	res, err := execText(t, s, "DESCRIBE in1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Text, "X BIGINT\n") {
		t.Errorf("discovered stream:\n%s", res.Text)
	}
}
