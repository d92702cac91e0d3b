package repl

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
)

// noConnectors has no connectors: streams live inside the session only.
type noConnectors struct{}

var errNoConnector = errors.New("test: no connectors")

func (noConnectors) OpenSource(context.Context, string, *arrow.Schema, map[string]string, exec.ErrorSink) (*planner.OpenedSource, error) {
	return nil, errNoConnector
}
func (noConnectors) DiscoverSource(context.Context, map[string]string) ([]planner.Column, error) {
	return nil, errNoConnector
}
func (noConnectors) OpenSink(context.Context, string, *arrow.Schema, map[string]string, exec.ErrorSink) (planner.Sink, error) {
	return nil, errNoConnector
}
func (noConnectors) IsSource(string) bool { return false }
func (noConnectors) IsSink(string) bool   { return false }

// session runs script (lines of input) through Run off a terminal and
// returns the repl for more checks, and its output.
func session(t *testing.T, script string, cfg Config) string {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	s := planner.NewSession(planner.Config{Connectors: noConnectors{}, Alloc: alloc})
	live := s.Live(nil)
	var out bytes.Buffer
	cfg.Live, cfg.Stream, cfg.In, cfg.Out, cfg.Err = live, s.Stream, strings.NewReader(script), &out, &out
	err := Run(context.Background(), cfg)
	live.Close()
	// A script with an error ends with ErrStatementFailed, and only then.
	if failed := strings.Contains(out.String(), "ERROR: "); failed != errors.Is(err, ErrStatementFailed) || err != nil && !failed {
		t.Fatalf("Run: %v; output:\n%s", err, out.String())
	}
	alloc.AssertSize(t, 0)
	return out.String()
}

func TestRunScript(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, script, want string }{
		{"multi-line statement", "CREATE STREAM s\n  (a INT)\n;\n\\describe s\n",
			"CREATE STREAM S\nA INTEGER\nROWTIME TIMESTAMP (system)\n"},
		{"several statements on a line", "CREATE STREAM a (x INT); CREATE STREAM b (y INT);\n",
			"CREATE STREAM A\nCREATE STREAM B\n"},
		{"blank lines and comments are skipped", "\n  \n-- nothing\n/* nor this */\nCREATE STREAM s (a INT);\n",
			"CREATE STREAM S\n"},
		{"last statement without a semicolon", "CREATE STREAM s (a INT)", "CREATE STREAM S\n"},
		{"quit stops reading", "\\q\nCREATE STREAM s (a INT);\n", ""},
		{"an error stops the rest of its entry", "CREATE STREAM s (a INT); CREATE STREAM s (b INT); CREATE STREAM t (c INT);\nCREATE STREAM u (d INT);\n",
			"CREATE STREAM S\nERROR: stdin:1:40: stream S already exists\n  CREATE STREAM s (a INT); CREATE STREAM s (b INT); CREATE STREAM t (c INT);\n                                         ^\nCREATE STREAM U\n"},
		{"meta-command inside a statement is SQL", "CREATE STREAM s\n\\q\n(a INT);\n",
			"ERROR: stdin:2:1: syntax error at or near \"\\\"\n  \\q\n  ^\n"},
		{"pumps", "CREATE STREAM a (x INT); CREATE STREAM b (x INT);\nCREATE PUMP p AS INSERT INTO b SELECT STREAM x FROM a;\n\\stop p\n\\pumps\n\\stop p\n",
			"CREATE STREAM A\nCREATE STREAM B\nCREATE PUMP P\nstopped pump p\nP -> B (stopped)\nERROR: no running pump P\n"},
		{"no pumps", "\\pumps\n", "(no pumps)\n"},
		{"timing", "\\timing on\n\\timing\n\\timing off\n", "timing is on\ntiming is off\ntiming is off\n"},
		{"format", "\\format JSON\n\\format\n", "format is json\nformat is json\n"},
		{"no binding host", "\\output s stdout\n", "ERROR: \\output: bindings are not available here\n"},
		{"missing arguments", "\\describe\n\\explain ;\n\\source\n\\stop\n",
			"ERROR: \\describe: which stream? (\\describe NAME)\nERROR: \\explain: which statement? (\\explain SELECT STREAM …)\nERROR: \\source: which file? (\\source FILE.sql)\nERROR: \\stop: which pump? (\\stop PUMP)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := session(t, tc.script, Config{}); got != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestRunBinds(t *testing.T) {
	t.Parallel()
	var got []string
	bind := func(input bool, name, uri string) error {
		if name == "BAD" {
			return errors.New("binding BAD: no")
		}
		got = append(got, strings.Join([]string{map[bool]string{true: "in", false: "out"}[input], name, uri}, " "))
		return nil
	}
	out := session(t, "\\input src 'file:x.jsonl?format=json'\n\\output dst stdout\n\\input BAD x\n", Config{Bind: bind})
	want := "input src bound to 'file:x.jsonl?format=json'\noutput dst bound to stdout\nERROR: \\input: binding BAD: no\n"
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
	if w := []string{"in src file:x.jsonl?format=json", "out dst stdout"}; !reflect.DeepEqual(got, w) {
		t.Errorf("bindings %q, want %q", got, w)
	}
}

func TestCompleter(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	s := planner.NewSession(planner.Config{Connectors: noConnectors{}, Alloc: alloc})
	live := s.Live(nil)
	defer func() {
		live.Close()
		alloc.AssertSize(t, 0)
	}()
	r := &repl{cfg: Config{Live: live, Stream: s.Stream, Words: []string{"SELECT", "STREAM", "FROM", "FLOOR", "SUM"}}}
	var out bytes.Buffer
	r.cfg.Out, r.cfg.Err = &out, &out
	r.execText(context.Background(), `CREATE STREAM trades (price DOUBLE, qty INT, "lower" INT);
CREATE STREAM quotes (prix DOUBLE, bid DOUBLE);
CREATE PUMP trade_pump AS INSERT INTO quotes SELECT STREAM price, price AS p2 FROM trades;`)
	if strings.Contains(out.String(), "ERROR") {
		t.Fatal(out.String())
	}
	cases := []struct {
		name    string
		pending string // lines typed before
		line    string
		pos     int // -1: the end
		head    string
		want    []string
		tail    string
	}{
		{"meta-command", "", `\desc`, -1, "", []string{`\describe`}, ""},
		{"every meta-command", "", `\`, -1, "", metaNames(), ""},
		{"stream after describe", "", `\describe tr`, -1, `\describe `, []string{"trades"}, ""},
		{"pump after stop", "", `\stop T`, -1, `\stop `, []string{"TRADE_PUMP"}, ""},
		{"format", "", `\format j`, -1, `\format `, []string{"json"}, ""},
		{"keyword in upper case", "", "SEL", -1, "", []string{"SELECT"}, ""},
		{"keyword in lower case", "", "sel", -1, "", []string{"select"}, ""},
		{"function", "", "SELECT STREAM FL", -1, "SELECT STREAM ", []string{"FLOOR"}, ""},
		{"column of the stream in scope", "", "SELECT STREAM pr FROM trades", len("SELECT STREAM pr"),
			"SELECT STREAM ", []string{"price"}, " FROM trades"},
		{"columns of every stream when none is named", "", "SELECT STREAM pr", -1, "SELECT STREAM ", []string{"price", "prix"}, ""},
		{"stream named on an earlier line", "SELECT STREAM b", "FROM quotes WHERE b", -1, "FROM quotes WHERE ", []string{"bid"}, ""},
		{"quoted column", "", `SELECT STREAM "lo`, -1, "SELECT STREAM ", []string{`"lower"`}, ""},
		{"streams and pumps", "", "SELECT STREAM * FROM t", -1, "SELECT STREAM * FROM ", []string{"trade_pump", "trades"}, ""},
		{"rowtime", "", "ROWT", -1, "", []string{"ROWTIME"}, ""},
		{"multi-byte text before the word", "", "SELECT '€' AS q", -1, "SELECT '€' AS ", []string{"qty", "quotes"}, ""},
		{"nothing matches", "", "zzz", -1, "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r.pending.Reset()
			r.pending.WriteString(tc.pending)
			pos := tc.pos
			if pos < 0 {
				pos = len([]rune(tc.line))
			}
			head, got, tail := r.completer(tc.line, pos)
			if head != tc.head || tail != tc.tail || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("completer(%q, %d) = %q %q %q, want %q %q %q", tc.line, pos, head, got, tail, tc.head, tc.want, tc.tail)
			}
		})
	}
}
