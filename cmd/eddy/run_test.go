package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets tests run the real binary: with EDDY_MAIN=1 the test
// executable behaves as `eddy` with the arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("EDDY_MAIN") == "1" {
		args := os.Args
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// eddyCmd returns a command running this test binary as eddy.
func eddyCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "EDDY_MAIN=1")
	return cmd
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunQuickstartExample(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	code := run([]string{"run", "examples/ticker_alerts.sql",
		"--input", "SOURCE_SQL_STREAM_001=generator:ticker?count=400&rate=0&seed=3",
		"--format", "json"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("the example printed no alerts")
	}
	for _, l := range lines {
		var row struct {
			TICKER_SYMBOL string
			PCT_CHANGE    float64
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if row.TICKER_SYMBOL == "" || (row.PCT_CHANGE <= 5 && row.PCT_CHANGE >= -5) {
			t.Errorf("row %s does not satisfy the filter", l)
		}
	}
}

func TestRunReportsSQLErrorsWithCaret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", "CREATE STREAM s (a INT);\nSELECT STREAM\n  a + nope\nFROM s;\n")
	var out, errb bytes.Buffer
	code := run([]string{"run", app}, nil, &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	want := app + ":3:7: unknown column NOPE\n    a + nope\n        ^\n"
	if errb.String() != want {
		t.Errorf("stderr:\n%q\nwant:\n%q", errb.String(), want)
	}
}

func TestRunFileToFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "ticks.jsonl", `{"sym":"A","price":1.5,"ts":"2024-05-01T10:00:00Z"}
{"sym":"B","price":"bad","ts":"2024-05-01T10:00:01Z"}
{"sym":"A","price":3,"ts":"2024-05-01T10:00:02Z"}
`)
	app := writeFile(t, dir, "app.sql", `
CREATE STREAM "DEST" (sym VARCHAR(4), doubled DOUBLE);
CREATE PUMP p AS INSERT INTO "DEST" SELECT STREAM sym, price * 2 FROM "SRC";`)
	decl := writeFile(t, dir, "src.sql", `CREATE STREAM "SRC" (sym VARCHAR(4), price DOUBLE, ts TIMESTAMP);`)
	outPath := filepath.Join(dir, "out", "dest.jsonl")
	var out, errb bytes.Buffer
	code := run([]string{"run", decl, app,
		"--input", "SRC=file:" + in + "?rowtime=ts",
		"--output", "DEST=file:" + outPath}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"SYM\":\"A\",\"DOUBLED\":3}\n{\"SYM\":\"A\",\"DOUBLED\":6}\n"
	if string(got) != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if !strings.Contains(errb.String(), "error_stream: DECODE") || !strings.Contains(errb.String(), "offset 2") {
		t.Errorf("the bad record was not reported with its line: %s", errb.String())
	}
}

// TestRunIdleInputClosesWindowsAndStopsCleanly tails a file: a window
// closes although no later row arrives (idle_timeout), and SIGINT stops
// the run with exit status 130 after flushing.
func TestRunIdleInputClosesWindowsAndStopsCleanly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "clicks.jsonl", "")
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(`
CREATE STREAM clicks (page VARCHAR(8), ts TIMESTAMP)
  WITH (connector = 'file', path = '%s', follow = 'true', rowtime = 'ts', idle_timeout = '300ms', poll_interval = '20ms', linger = '20ms');
SELECT STREAM page, COUNT(*) AS n FROM clicks GROUP BY page, FLOOR(ROWTIME TO SECOND);
`, in))
	cmd := eddyCmd("run", app, "--format", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	now := time.Now().UTC().Truncate(time.Second)
	rows := ""
	for i := 0; i < 3; i++ {
		rows += fmt.Sprintf(`{"page":"home","ts":"%s"}`+"\n", now.Add(time.Duration(i)*100*time.Millisecond).Format(time.RFC3339Nano))
	}
	if err := os.WriteFile(in, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l := <-lines:
		if l != `{"PAGE":"home","N":3}` {
			t.Errorf("window output %q", l)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the window never closed on an idle input; stderr: %s", errb.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Fatalf("after SIGINT: %v (exit %d, want 130); stderr: %s", err, code, errb.String())
		}
		if strings.Contains(errb.String(), "not flushed") {
			t.Errorf("a clean stop said something was not flushed: %s", errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("eddy did not stop after SIGINT")
	}
}

func TestDiscoverPrintsCreateStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "t.jsonl", `{"ticker":"AMZN","price":12.5,"qty":3,"at":"2024-05-01T10:00:00Z","meta":{"src":"x"}}`+"\n")
	var out, errb bytes.Buffer
	if code := run([]string{"discover", "file:" + in}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"CREATE OR REPLACE STREAM SOURCE_SQL_STREAM_001 (", `"ticker" VARCHAR(16)`, `"price" DOUBLE`, `"qty" BIGINT`, `"at" TIMESTAMP`, `"meta_src" VARCHAR`, "connector = 'file'"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("discover output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseBinding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, arg string
		input     bool
		want      string
		err       string
	}{
		{name: "connector and target", arg: "S=file:ticks.jsonl?format=json&rowtime=TS", input: true, want: "S connector=file format=json path=ticks.jsonl rowtime=TS"},
		{name: "absolute file URL", arg: "S=file:///data/t.csv", input: true, want: "S connector=file path=/data/t.csv"},
		{name: "generator kind", arg: "S=generator:ticker?rate=100&seed=7", input: true, want: "S connector=generator kind=ticker rate=100 seed=7"},
		{name: "bare destination", arg: "OUT=stdout", want: "OUT connector=stdout"},
		{name: "no name", arg: "stdout", err: "want NAME=CONNECTOR"},
		{name: "unknown connector", arg: "S=nosuch:x", input: true, err: `unknown source connector "nosuch"`},
		{name: "target on a connector without one", arg: "O=stdout:x", err: "takes no target"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name, opts, err := parseBinding(tc.arg, tc.input)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := name
			for _, k := range sortedKeys(opts) {
				got += " " + k + "=" + opts[k]
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
