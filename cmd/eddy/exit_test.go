package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/exec"
)

// endlessApp writes an application whose output never ends: the ticker
// generator at full speed, every row to stdout.
func endlessApp(t *testing.T) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "app.sql", "SELECT STREAM * FROM SOURCE_SQL_STREAM_001;\n")
}

// lockedBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSignalWhileStdoutBlocksExitsPromptly is the user's bug: SIGTERM was
// ignored for 17 s while a write to stdout blocked. With a stdout pipe
// nobody reads, SIGTERM ends the run within the stop timeout (or at once
// on a second signal) with status 143 and says what was not flushed.
func TestSignalWhileStdoutBlocksExitsPromptly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		args    []string
		signals int
		within  time.Duration
		why     string
	}{
		{"stop timeout", []string{"--stop-timeout", "1s"}, 1, 2500 * time.Millisecond, "the stop timeout (1s) passed"},
		{"second signal", nil, 2, 1500 * time.Millisecond, "a second signal came"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"run", endlessApp(t), "--input", "SOURCE_SQL_STREAM_001=generator:ticker?rate=0", "--format", "json"}, tc.args...)
			cmd := eddyCmd(args...)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close() // never read: writes block once the pipe is full
			cmd.Stdout = w
			var errb lockedBuffer
			cmd.Stderr = &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			defer cmd.Process.Kill()
			time.Sleep(1500 * time.Millisecond) // the pipe fills, the writer blocks
			start := time.Now()
			for i := 0; i < tc.signals; i++ {
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("eddy did not exit 10s after SIGTERM; stderr:\n%s", errb.String())
			}
			took := time.Since(start)
			if code := cmd.ProcessState.ExitCode(); code != 143 {
				t.Errorf("exit %d, want 143; stderr:\n%s", code, errb.String())
			}
			if took > tc.within {
				t.Errorf("exit took %v after the first SIGTERM, want at most %v", took, tc.within)
			}
			stderr := errb.String()
			for _, want := range []string{"SIGTERM: exiting before everything was flushed: " + tc.why, "not flushed: destination QUERY_1 (stdout):", "a write of"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
}

// TestClosedStdoutEndsWithAMessage: a reader that goes away after one line
// (| head -1) used to kill eddy by SIGPIPE without a word. Now the run ends
// with "stdout closed" on stderr and status 141.
func TestClosedStdoutEndsWithAMessage(t *testing.T) {
	t.Parallel()
	cmd := eddyCmd("run", endlessApp(t), "--input", "SOURCE_SQL_STREAM_001=generator:ticker?rate=0", "--format", "json")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	var errb lockedBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "{") {
		t.Fatalf("first line %q: %v", line, err)
	}
	r.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("eddy did not stop after its stdout closed; stderr:\n%s", errb.String())
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("eddy was killed by %v; stderr:\n%s", ws.Signal(), errb.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 141 {
		t.Errorf("exit %d, want 141; stderr:\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "eddy: stdout closed: ") {
		t.Errorf("stderr lacks the stdout closed message:\n%s", errb.String())
	}
}

// TestExitStatuses pins eddy run's statuses for each way a run ends.
func TestExitStatuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rows := writeFile(t, dir, "rows.jsonl", `{"a":1}`+"\n"+`{"a":2}`+"\n")
	cases := []struct {
		name string
		sql  string
		args []string
		code int
		want string // regexp on stderr
	}{
		{"finished", "CREATE STREAM s (a INT) WITH (connector = 'file', path = '" + rows + "');\nSELECT STREAM a FROM s;\n", nil, 0, `^$`},
		{"SQL error", "SELECT STREAM nope FROM s;\n", nil, 2, `app.sql:1:\d+: `},
		{"unknown option in a source's WITH clause", "CREATE STREAM s (a INT)\n  WITH (connector = 'file', path = '" + rows + "', colour = 'red');\nSELECT STREAM a FROM s;\n",
			nil, 2, `app\.sql:2:\d+: source of stream S: file: option: unknown option "colour"[^\n]*\n  [^\n]*colour = 'red'`},
		{"bad value in a destination's WITH clause", "CREATE STREAM s (a INT) WITH (connector = 'file', path = '" + rows + "');\n" +
			"CREATE STREAM d (a INT) WITH (connector = 'file', path = '" + filepath.Join(dir, "out.jsonl") + "', append = 'maybe');\n" +
			"CREATE PUMP p AS INSERT INTO d SELECT STREAM a FROM s;\n", nil, 2, `app\.sql:2:\d+: destination of stream D: file: option: append`},
		{"bad option in a binding", "CREATE STREAM s (a INT);\nSELECT STREAM a FROM s;\n", []string{"--input", "S=file:" + rows + "?colour=red"}, 2, `unknown option "colour".*\(bound by --input S\)`},
		{"bad flag", "SELECT 1;", []string{"--stop-timeout", "soon"}, 2, `--stop-timeout "soon"`},
		{"missing input file", "CREATE STREAM s (a INT) WITH (connector = 'file', path = '" + filepath.Join(dir, "nope.jsonl") + "');\nSELECT STREAM a FROM s;\n", nil, 1, `no such file`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := writeFile(t, t.TempDir(), "app.sql", tc.sql)
			var out, errb bytes.Buffer
			code := run(append([]string{"run", app}, tc.args...), nil, &out, &errb)
			if code != tc.code || !regexp.MustCompile(tc.want).MatchString(errb.String()) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and /%s/", code, errb.String(), tc.code, tc.want)
			}
		})
	}
	t.Run("help lists the statuses", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		if code := run([]string{"run", "--help"}, nil, &out, &out); code != 0 || !strings.Contains(out.String(), "143 by SIGTERM") {
			t.Errorf("exit %d:\n%s", code, out.String())
		}
	})
}

// TestSignalStopsAFollowedInputWith130 stops a run in process through an
// injected signal: a clean flush, then status 130.
func TestSignalStopsAFollowedInputWith130(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "in.jsonl", `{"a":1}`+"\n")
	app := writeFile(t, dir, "app.sql", "CREATE STREAM s (a INT) WITH (connector = 'file', path = '"+in+"', follow = 'true', poll_interval = '20ms');\nSELECT STREAM a FROM s;\n")
	sigs := make(chan chan<- os.Signal, 1)
	var out, errb lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- runApp([]string{app, "--format", "json"}, &out, &errb, func(c chan<- os.Signal) { sigs <- c })
	}()
	c := <-sigs
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `{"A":1}`) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	c <- os.Interrupt
	select {
	case got := <-code:
		if got != 130 || strings.Contains(errb.String(), "not flushed") {
			t.Errorf("exit %d, stderr:\n%s\nwant 130 after a clean flush", got, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no exit 10s after SIGINT; stderr:\n%s", errb.String())
	}
}

// TestErrorStreamAtVolume is the user's bug: 726,497 LATE rows wrote one
// stderr line each. Unread error-stream rows now print the first 20 in
// full, then at most one line a second by reason, then totals.
func TestErrorStreamAtVolume(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	l := newErrorLog(&out, func() time.Time { return now })
	report := func(name string, n int) {
		for i := 0; i < n; i++ {
			l.Report(exec.ErrorRecord{Name: name, Message: "late", Stream: "S", DataRow: `{"a":1}`})
		}
	}
	lines := func() []string { return strings.Split(strings.TrimRight(out.String(), "\n"), "\n") }
	report("LATE", 25)
	if got := len(lines()); got != 21 {
		t.Fatalf("%d lines after 25 rows, want 20 rows and a notice:\n%s", got, out.String())
	}
	now = now.Add(500 * time.Millisecond)
	report("LATE", 12340)
	report("DECODE", 3)
	l.Tick()
	if got := len(lines()); got != 21 {
		t.Fatalf("a summary came before a second passed:\n%s", out.String())
	}
	now = now.Add(500 * time.Millisecond)
	l.Tick()
	want := "eddy: error_stream: 12,345 LATE, 3 DECODE in the last second (first rows above; read error_stream to get them all)"
	if got := lines(); len(got) != 22 || got[21] != want {
		t.Fatalf("after a second:\n%s\nwant last line %q", out.String(), want)
	}
	for i := 0; i < 10; i++ { // ten rows within the next second: no line
		now = now.Add(50 * time.Millisecond)
		report("DELIVERY", 1)
	}
	if got := len(lines()); got != 22 {
		t.Fatalf("more than one line a second:\n%s", out.String())
	}
	now = now.Add(3 * time.Second)
	l.Tick()
	if got := lines(); got[len(got)-1] != "eddy: error_stream: 10 DELIVERY in the last 4s (first rows above; read error_stream to get them all)" {
		t.Errorf("last line %q", got[len(got)-1])
	}
	l.Flush() // nothing pending: no line
	if got := len(lines()); got != 23 {
		t.Errorf("%d lines, want 23:\n%s", got, out.String())
	}
	if got, want := l.Totals(), "eddy: error_stream: 12,378 rows in all: 12,365 LATE, 10 DELIVERY, 3 DECODE\n"; got != want {
		t.Errorf("totals %q, want %q", got, want)
	}
}

// TestRunSummarizesUnreadErrorRows runs a file of bad records through eddy
// run: stderr holds 20 rows, not 500, and the totals.
func TestRunSummarizesUnreadErrorRows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "{\"a\":\"bad %d\"}\n", i)
	}
	in := writeFile(t, dir, "bad.jsonl", b.String())
	app := writeFile(t, dir, "app.sql", "CREATE STREAM s (a INT) WITH (connector = 'file', path = '"+in+"');\nSELECT STREAM a FROM s;\n")
	var out, errb bytes.Buffer
	if code := run([]string{"run", app, "--format", "json"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	stderr := errb.String()
	if n := strings.Count(stderr, "error_stream: DECODE:"); n != 20 {
		t.Errorf("%d rows printed in full, want 20:\n%s", n, stderr)
	}
	if !strings.HasSuffix(stderr, "eddy: error_stream: 500 rows in all: 500 DECODE\n") {
		t.Errorf("stderr does not end with the totals:\n%s", stderr)
	}
	if n := strings.Count(stderr, "\n"); n > 30 {
		t.Errorf("%d lines on stderr for 500 bad rows:\n%s", n, stderr)
	}
}
