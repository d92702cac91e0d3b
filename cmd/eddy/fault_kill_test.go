package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// faultGlobApp counts and sums per key and one-second tumbling window of
// event time.
const faultGlobApp = `
CREATE STREAM src (k VARCHAR(4), v BIGINT, ts TIMESTAMP);
CREATE STREAM per_window (k VARCHAR(4), n BIGINT, total BIGINT, ws TIMESTAMP);
CREATE PUMP counts AS INSERT INTO per_window
  SELECT STREAM k, COUNT(*), SUM(v), TUMBLE_START(ROWTIME, INTERVAL '1' SECOND)
  FROM src GROUP BY k, TUMBLE(ROWTIME, INTERVAL '1' SECOND);
`

// globRows returns rows from..to-1 of the glob test's input as JSON lines:
// row i is 20ms of event time after row i-1, over five keys.
func globRows(from, to int) string {
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := from; i < to; i++ {
		ts := base.Add(time.Duration(i) * 20 * time.Millisecond)
		fmt.Fprintf(&b, "{\"k\":\"K%d\",\"v\":%d,\"ts\":\"%s\"}\n", i*7%5, i%97, ts.Format("2006-01-02T15:04:05.000Z"))
	}
	return b.String()
}

// TestFaultKillFileGlobWindows runs a windowed query over a glob of four
// files with --state and a file destination, the last file followed while
// the test appends to it, and kills the process with SIGKILL at seeded
// random moments (3 to 5 times), restarting it each time. After the input
// ends (a last row an hour later closes every window: with the data's
// watermark, or, while the file source does not yet report its
// partitions, once the input has been idle for idle_timeout) and a
// SIGTERM, the file holds exactly the rows of an uninterrupted run over
// the same files.
// TestKillAndRestartLosesNothing does the same for a generator source.
//
// With idle pause, the writer pauses in the middle until windows have been
// committed after the input went idle, and one kill lands after that.
func TestFaultKillFileGlobWindows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		pause bool
		skip  string
	}{
		{name: "kills while rows arrive"},
		{name: "kills after an idle close committed windows", pause: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			testKillFileGlob(t, tc.pause)
		})
	}
}

func testKillFileGlob(t *testing.T, pause bool) {
	rng := faultSeed(t, 1)
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	const perFile, followed = 1000, 3000
	for f := 0; f < 3; f++ {
		writeFile(t, in, fmt.Sprintf("part-%d.jsonl", f+1), globRows(f*perFile, (f+1)*perFile))
	}
	last := writeFile(t, in, "part-4.jsonl", "")
	app := writeFile(t, dir, "app.sql", faultGlobApp)
	glob := filepath.Join(in, "part-*.jsonl")
	state, out := filepath.Join(dir, "state"), filepath.Join(dir, "out.jsonl")
	args := []string{"run", app, "--state", state, "--set", "checkpoint_interval=100ms",
		"--input", "SRC=file:" + glob + "?rowtime=ts&follow=true&poll_interval=20ms&linger=20ms&idle_timeout=1s&batch_size=100",
		"--output", "PER_WINDOW=file:" + out}

	// The writer appends the followed file's rows over about 3 seconds,
	// pausing in the middle until told to go on, then a row an hour later,
	// which closes every window before it.
	wrote, paused, resume := make(chan error, 1), make(chan struct{}), make(chan struct{})
	go func() {
		f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			wrote <- err
			return
		}
		defer f.Close()
		start := 3 * perFile
		for i := start; i < start+followed; i += 100 {
			if _, err := f.WriteString(globRows(i, i+100)); err != nil {
				wrote <- err
				return
			}
			time.Sleep(100 * time.Millisecond)
			if pause && i == start+followed/2 {
				close(paused)
				<-resume
			}
		}
		_, err = fmt.Fprintf(f, "{\"k\":\"END\",\"v\":0,\"ts\":\"2024-05-01T11:00:00.000Z\"}\n")
		wrote <- err
	}()

	kills := 3 + rng.Intn(3)
	for k := 0; k < kills; k++ {
		c := startEddy(t, nil, args...)
		if pause && k == kills/2 {
			// While the writer pauses, the input goes idle and the windows so
			// far close and are committed to the file: kill once that has
			// happened, so that a restart must not write them again.
			<-paused
			if !waitFor(10*time.Second, func() bool { return len(readLines(t, out)) > 0 || c.exited() }) {
				t.Fatalf("no window reached the file while the input was idle; stderr:\n%s", c.stderr.String())
			}
			time.Sleep(time.Duration(rng.Intn(300)) * time.Millisecond)
			close(resume)
		} else {
			time.Sleep(time.Duration(200+rng.Intn(500)) * time.Millisecond)
		}
		if c.exited() {
			t.Fatalf("run %d ended by itself (exit %d): %s", k, c.wait(0), c.stderr.String())
		}
		c.kill() // SIGKILL: no cleanup runs
		t.Logf("kill %d: %d checkpoints kept, %d windows committed", k+1, len(checkpointIDs(state)), len(readLines(t, out)))
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	// The reference: an uninterrupted run over the complete files, without
	// the window of the closing row (a followed input never closes it).
	ref := filepath.Join(dir, "ref.jsonl")
	code, c := runEddy(t, 30*time.Second, nil, "run", app, "--input", "SRC=file:"+glob+"?rowtime=ts", "--output", "PER_WINDOW=file:"+ref)
	if code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, c.stderr.String())
	}
	want := withoutEnd(readLines(t, ref))
	if n := (3*perFile + followed) / 50; len(want) < n {
		t.Fatalf("the reference run produced %d rows, want about %d windows × 5 keys", len(want), n)
	}

	c = startEddy(t, nil, args...)
	if !waitFor(30*time.Second, func() bool { return len(withoutEnd(readLines(t, out))) >= len(want) || c.exited() }) {
		t.Errorf("the final run did not deliver the %d windows within 30s (%d so far)", len(want), len(readLines(t, out)))
	}
	c.term()
	if code := c.wait(10 * time.Second); code != 143 {
		t.Fatalf("final run: exit %d after SIGTERM: %s", code, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "restored checkpoint") {
		t.Errorf("the final run did not restore a checkpoint: %s", c.stderr.String())
	}
	compareExactlyOnce(t, fmt.Sprintf("after %d kills, the file destination", kills), withoutEnd(readLines(t, out)), want)
}

// withoutEnd drops the window of the closing row, which a followed input
// closes only once idle, if at all.
func withoutEnd(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !strings.Contains(l, `"END"`) {
			out = append(out, l)
		}
	}
	return out
}
