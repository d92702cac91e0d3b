package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/creack/pty"

	"github.com/eddy-sql/eddy/cmd/eddy/repl"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks/encode"
)

// init lets a test run this binary as `eddy repl` (EDDY_REPL_MAIN=1, the
// arguments after "--"), until main's run dispatches "repl" itself.
func init() {
	if os.Getenv("EDDY_REPL_MAIN") != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(cmdRepl(args, os.Stdin, os.Stdout, os.Stderr))
}

// TestREPLScripts runs each testdata/repl/NAME.sql through the REPL on a
// non-terminal input and compares stdout and stderr, interleaved, with
// NAME.out (-rewrite regenerates them: review the diff).
func TestREPLScripts(t *testing.T) {
	t.Parallel()
	scripts, err := filepath.Glob(filepath.Join("testdata", "repl", "*.sql"))
	if err != nil || len(scripts) < 3 {
		t.Fatalf("scripts %v: %v", scripts, err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".sql")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in, err := os.Open(script)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			var out bytes.Buffer
			code := cmdRepl([]string{"--history", ""}, in, &out, &out)
			// A script exits 2 when a statement failed (and printed ERROR:).
			if wantCode := map[bool]int{false: 0, true: 2}[strings.Contains(out.String(), "ERROR: ")]; code != wantCode {
				t.Fatalf("exit %d, want %d: %s", code, wantCode, out.String())
			}
			golden := strings.TrimSuffix(script, ".sql") + ".out"
			if *rewrite {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create it)", err)
			}
			if out.String() != string(want) {
				t.Errorf("output of %s:\n%s\nwant (%s):\n%s", script, out.String(), golden, want)
			}
		})
	}
}

// TestREPLFlags checks the command line of eddy repl.
func TestREPLFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", "CREATE STREAM s (a INT);\n")
	cases := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"files run before the input", []string{app}, `\describe s`, 0, "A INTEGER"},
		{"format flag", []string{"--format", "csv"}, `\format`, 0, "format is csv"},
		{"bad format", []string{"--format", "xml"}, "", 2, "want table, json or csv"},
		{"unknown flag", []string{"--nope"}, "", 2, "unknown flag --nope"},
		{"input binding", []string{"--input", "T=file:testdata/repl/ticks.jsonl"}, `\describe t`, 0, "PRICE DOUBLE"},
		{"bad binding", []string{"--input", "T=nosuch:x"}, "", 2, `unknown source connector "nosuch"`},
		{"missing file", []string{filepath.Join(dir, "nope.sql")}, "", 2, "no such file"},
		{"script without errors exits 0", nil, "CREATE STREAM s (a INT);\n\\describe s\n", 0, "A INTEGER"},
		{"script with an error exits 2", nil, "CREATE STREAM s (a INT);\nSELECT STREAM nope FROM s;\nCREATE STREAM t (b INT);\n", 2, "CREATE STREAM T"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			code := cmdRepl(append(tc.args, "--history="), strings.NewReader(tc.stdin), &out, &out)
			if code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, out.String(), tc.code, tc.want)
			}
		})
	}
}

// TestREPLReleasesBatches runs queries through the REPL on a checked
// allocator: every batch shown is released.
func TestREPLReleasesBatches(t *testing.T) {
	t.Parallel()
	for _, format := range []encode.Format{encode.Table, encode.JSON, encode.CSV} {
		t.Run(string(format), func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			conns := &registryConnectors{alloc: alloc, clock: time.Now, defaults: map[string]string{}}
			s := planner.NewSession(planner.Config{Connectors: conns, Alloc: alloc})
			live := s.Live(nil)
			var out bytes.Buffer
			script := `CREATE STREAM ticks (event_time TIMESTAMP, ticker_symbol VARCHAR(4), price DOUBLE)
  WITH (connector = 'file', path = 'testdata/repl/ticks.jsonl', format = 'json', rowtime = 'EVENT_TIME');
SELECT STREAM ticker_symbol, MIN(price) AS low FROM ticks GROUP BY ticker_symbol, FLOOR(ticks.ROWTIME TO SECOND);
`
			err := repl.Run(context.Background(), repl.Config{Live: live, Stream: s.Stream,
				In: strings.NewReader(script), Out: &out, Err: &out, Format: format})
			live.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "(11 rows)") || !strings.Contains(strings.ToUpper(out.String()), "IBM") {
				t.Errorf("output:\n%s", out.String())
			}
			alloc.AssertSize(t, 0)
		})
	}
}

// screen collects what a program writes to a pseudo-terminal.
type screen struct {
	mu   sync.Mutex
	raw  bytes.Buffer
	done chan struct{}
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r|\a`)

// text returns the screen's text from offset on, without escapes.
func (s *screen) text(from int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.ReplaceAllString(s.raw.String()[from:], "")
}

// mark returns the offset of the output so far.
func (s *screen) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.Len()
}

// expect waits until the output after offset from contains want.
func (s *screen) expect(t *testing.T, from int, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(s.text(from), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the screen did not show %q within %s; it shows:\n%s", want, timeout, s.text(0))
}

// TestREPLOnTerminal drives eddy repl through a pseudo-terminal as a
// person would: a multi-line CREATE STREAM, a windowed SELECT STREAM whose
// rows arrive live, Ctrl-C, history, Tab completion, a typo, Ctrl-D.
func TestREPLOnTerminal(t *testing.T) {
	t.Parallel()
	history := filepath.Join(t.TempDir(), "state", "history")
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "--history", history)
	cmd.Env = append(os.Environ(), "EDDY_REPL_MAIN=1", "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 140})
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pseudo-terminal: %v", err)
		}
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer tty.Close()
	scr := &screen{done: make(chan struct{})}
	go func() {
		defer close(scr.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			scr.mu.Lock()
			scr.raw.Write(buf[:n])
			scr.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()
	typeText := func(s string) int {
		t.Helper()
		m := scr.mark()
		if _, err := tty.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		return m
	}
	const wait = 5 * time.Second

	scr.expect(t, 0, "eddy> ", wait)
	m := typeText("CREATE STREAM ticks (ticker_symbol VARCHAR(4), price DOUBLE)\r")
	scr.expect(t, m, "  ... ", wait)
	m = typeText("  WITH (connector = 'generator', kind = 'ticker', rate = '200', seed = '7');\r")
	scr.expect(t, m, "CREATE STREAM TICKS", wait)
	scr.expect(t, m, "eddy> ", wait)

	// A windowed query: rows arrive live, Ctrl-C stops it.
	query := "SELECT STREAM ticker_symbol, COUNT(*) AS n FROM ticks GROUP BY ticker_symbol, FLOOR(ticks.ROWTIME TO SECOND);"
	m = typeText("SELECT STREAM ticker_symbol, COUNT(*) AS n\r")
	scr.expect(t, m, "  ... ", wait)
	typeText("FROM ticks GROUP BY ticker_symbol, FLOOR(ticks.ROWTIME TO SECOND);\r")
	scr.expect(t, m, "TICKER_SYMBOL |", wait)
	scr.expect(t, m, "---+---", wait)
	if rows := regexp.MustCompile(`(?m)^ [A-Z]+ +\| +\d+$`).FindAllString(scr.text(m), -1); len(rows) == 0 {
		t.Fatalf("no rows under the header:\n%s", scr.text(m))
	}
	m = typeText("\x03")
	scr.expect(t, m, "cancelled)", wait)
	scr.expect(t, m, "eddy> ", wait)
	if !regexp.MustCompile(`\(\d+ rows? in [0-9.]+m?s, [0-9.]+ rows/s, cancelled\)`).MatchString(scr.text(m)) {
		t.Errorf("no summary after Ctrl-C:\n%s", scr.text(m))
	}

	// The pump-free session goes on: the up arrow recalls the query as
	// one line, and it runs again.
	m = typeText("\x1b[A")
	scr.expect(t, m, query, wait)
	m = typeText("\r")
	scr.expect(t, m, "TICKER_SYMBOL |", wait)
	m = typeText("\x03")
	scr.expect(t, m, "cancelled)", wait)
	scr.expect(t, m, "eddy> ", wait)

	// Tab completes a meta-command and a stream name; two Tabs list the
	// candidates of an ambiguous word.
	m = typeText(`\desc` + "\t")
	scr.expect(t, m, `\describe`, wait)
	m = typeText(" tic\t")
	scr.expect(t, m, `\describe ticks`, wait)
	m = typeText("\r")
	scr.expect(t, m, "TICKER_SYMBOL VARCHAR(4)", wait)
	scr.expect(t, m, "eddy> ", wait)
	m = typeText("SELECT STREAM tick\t\t")
	scr.expect(t, m, "ticker_symbol", wait)
	scr.expect(t, m, "ticks", wait)
	m = typeText("\x03") // Ctrl-C at the prompt drops the line
	scr.expect(t, m, "eddy> ", wait)

	// A typo: the caret points at it and the session goes on.
	m = typeText("SELECT STREAM pryce FROM ticks;\r")
	scr.expect(t, m, "1:15: unknown column PRYCE", wait)
	scr.expect(t, m, "SELECT STREAM pryce FROM ticks;\n                ^", wait)
	scr.expect(t, m, "eddy> ", wait)

	// \errors tails the error stream until Ctrl-C.
	// (Ctrl-C pressed before the query starts does nothing: press it until
	// the query stops.)
	m = typeText(`\errors` + "\r")
	scr.expect(t, m, `\errors`, wait)
	m = scr.mark()
	for start := time.Now(); !strings.Contains(scr.text(m), "cancelled)"); time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > wait {
			t.Fatalf("Ctrl-C did not stop \\errors:\n%s", scr.text(0))
		}
		typeText("\x03")
	}
	scr.expect(t, m, "(0 rows in", wait)
	scr.expect(t, m, "eddy> ", wait)

	// Ctrl-D leaves.
	typeText("\x04")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("eddy repl exited with %v:\n%s", err, scr.text(0))
		}
	case <-time.After(wait):
		t.Fatalf("Ctrl-D did not end the REPL:\n%s", scr.text(0))
	}
	saved, err := os.ReadFile(history)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nCREATE STREAM ticks (ticker_symbol VARCHAR(4), price DOUBLE) WITH (connector",
		"\n" + query + "\n", "\n" + `\describe ticks` + "\n"} {
		if !strings.Contains("\n"+string(saved), want) {
			t.Errorf("history file lacks %q:\n%s", want, saved)
		}
	}
}
