package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCleanStopKeepsWindowsOpen is the user's "windows die after a clean
// stop": with --state, SIGTERM takes a final checkpoint that keeps the open
// window open (nothing partial is emitted), and the next run continues it,
// emitting every window once, complete.
func TestCleanStopKeepsWindowsOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	in := writeFile(t, dir, "in.jsonl", `{"k":"a","ts":"2024-05-01T10:00:05Z"}
{"k":"a","ts":"2024-05-01T10:00:30Z"}
{"k":"a","ts":"2024-05-01T10:01:10Z"}
`)
	out := filepath.Join(dir, "out.jsonl")
	app := writeFile(t, dir, "app.sql", `CREATE STREAM ev (k VARCHAR(4), ts TIMESTAMP);
CREATE STREAM counts (k VARCHAR(4), n BIGINT, minute TIMESTAMP);
CREATE PUMP per_minute AS INSERT INTO counts
  SELECT STREAM k, COUNT(*), FLOOR(ROWTIME TO MINUTE) FROM ev GROUP BY k, FLOOR(ROWTIME TO MINUTE);
`)
	args := func(follow bool) []string {
		src := "EV=file:" + in + "?format=json&rowtime=ts"
		if follow {
			src += "&follow=true&poll_interval=20ms"
		}
		return []string{app, "--state", state, "--set", "checkpoint_interval=50ms",
			"--input", src, "--output", "COUNTS=file:" + out + "?format=json"}
	}

	// Run 1, stopped by SIGTERM once the first minute is delivered.
	sigs := make(chan chan<- os.Signal, 1)
	var errb lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- runApp(args(true), &lockedBuffer{}, &errb, func(c chan<- os.Signal) { sigs <- c })
	}()
	c := <-sigs
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(out); strings.Contains(string(b), `"N":2`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	c <- syscall.SIGTERM
	select {
	case got := <-code:
		if got != 143 {
			t.Fatalf("run 1: exit %d, want 143; stderr:\n%s", got, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("run 1: no exit after SIGTERM; stderr:\n%s", errb.String())
	}
	if got := outputLines(t, out); len(got) != 1 || !strings.Contains(got[0], `"N":2`) {
		t.Fatalf("after the stop, want only the closed minute (n=2), got %q", got)
	}

	// More rows arrive; run 2 reads to the end of the file.
	f, err := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"k":"a","ts":"2024-05-01T10:01:20Z"}
{"k":"a","ts":"2024-05-01T10:02:05Z"}
`)
	f.Close()
	var errb2 lockedBuffer
	if got := runApp(args(false), &lockedBuffer{}, &errb2, nil); got != 0 {
		t.Fatalf("run 2: exit %d; stderr:\n%s", got, errb2.String())
	}
	got := outputLines(t, out)
	want := []string{
		`{"K":"a","N":1,"MINUTE":"2024-05-01T10:02:00.000Z"}`,
		`{"K":"a","N":2,"MINUTE":"2024-05-01T10:00:00.000Z"}`,
		`{"K":"a","N":2,"MINUTE":"2024-05-01T10:01:00.000Z"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after the restart:\n%s\nwant every minute once, complete:\n%s\nstderr:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), errb2.String())
	}
}

// outputLines returns the lines of a JSON-lines file, sorted.
func outputLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	return lines
}
