package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// checkpointApp is a windowed application over a paced, deterministic
// generator (60,000 Nexmark events, about 3 s of wall time) writing to a
// file destination.
const checkpointApp = `
CREATE STREAM bid (auction BIGINT, price BIGINT, date_time TIMESTAMP)
  WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '60000', rate = '%d', batch_size = '500');
CREATE STREAM per_window (auction BIGINT, n BIGINT, total BIGINT, ws TIMESTAMP);
CREATE PUMP counts AS INSERT INTO per_window
  SELECT STREAM auction, COUNT(*), SUM(price), TUMBLE_START(ROWTIME, INTERVAL '1' SECOND)
  FROM bid GROUP BY auction, TUMBLE(ROWTIME, INTERVAL '1' SECOND);
`

func fileLinesSorted(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	sort.Strings(lines)
	return lines
}

// TestKillAndRestartLosesNothing runs the app uninterrupted, then again
// killed with SIGKILL at random moments and restarted from its state
// directory each time: the file destination's final output is identical.
func TestKillAndRestartLosesNothing(t *testing.T) {
	t.Parallel()
	killAndRestartMatches(t, checkpointApp, "PER_WINDOW", 50)
}

// killAndRestartMatches runs the app appFmt (its generator's rate a %d)
// unthrottled into a file, then paced at 20 000 rows/s, killed with SIGKILL
// at random moments and restarted from its state directory each time: the
// file destination for stream out then holds the same rows. The reference
// run must give at least minRows rows; the error stream is shown when the
// rows differ.
func killAndRestartMatches(t *testing.T, appFmt, out string, minRows int) {
	t.Helper()
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.jsonl")
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(appFmt, 0))
	var errb bytes.Buffer
	if code := run([]string{"run", app, "--output", out + "=file:" + ref}, nil, &bytes.Buffer{}, &errb); code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, errb.String())
	}
	want := fileLinesSorted(t, ref)
	if len(want) < minRows {
		t.Fatalf("reference run produced only %d rows", len(want))
	}

	paced := writeFile(t, dir, "paced.sql", fmt.Sprintf(appFmt, 20000))
	state := filepath.Join(dir, "state")
	outFile, errs := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "errors.jsonl")
	args := []string{"run", paced, "--state", state, "--set", "checkpoint_interval=150ms", "--output", out + "=file:" + outFile,
		"--output", "error_stream=file:" + errs}
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	kills := 0
	for attempt := 0; attempt < 4; attempt++ {
		cmd := eddyCmd(args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d failed: %v\n%s", attempt, err, stderr.String())
			}
			attempt = 99 // finished before the kill
		case <-time.After(time.Duration(300+rng.Intn(700)) * time.Millisecond):
			cmd.Process.Kill() // SIGKILL: no cleanup runs
			<-done
			kills++
		}
	}
	var stderr bytes.Buffer
	final := eddyCmd(args...)
	final.Stderr = &stderr
	if err := final.Run(); err != nil {
		t.Fatalf("final run: %v\n%s", err, stderr.String())
	}
	got := fileLinesSorted(t, outFile)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		if data, err := os.ReadFile(errs); err == nil {
			t.Logf("error stream: %.2000s", data)
		}
		t.Fatalf("after %d kills the output differs from the uninterrupted run: %d rows, want %d\nstderr of the final run:\n%s",
			kills, len(got), len(want), stderr.String())
	}
	t.Logf("%d runs killed with SIGKILL before the final one", kills)
}

// TestCorruptCheckpointFallsBack damages the newest checkpoint: the run
// warns, restores the previous one and still produces the full output.
func TestCorruptCheckpointFallsBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(checkpointApp, 20000))
	state := filepath.Join(dir, "state")
	out := filepath.Join(dir, "out.jsonl")
	args := []string{"run", app, "--state", state, "--set", "checkpoint_interval=100ms", "--output", "PER_WINDOW=file:" + out}
	cmd := eddyCmd(args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	chks, _ := filepath.Glob(filepath.Join(state, "checkpoints", "chk-*"))
	sort.Strings(chks)
	if len(chks) < 2 {
		t.Skipf("only %d checkpoints were taken before the kill on this machine", len(chks))
	}
	newest := chks[len(chks)-1]
	states, _ := filepath.Glob(filepath.Join(newest, "state-*.bin"))
	if len(states) == 0 {
		t.Fatal("checkpoint holds no state file")
	}
	if err := os.WriteFile(states[0], []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	if code := run(args, nil, &bytes.Buffer{}, &errb); code != 0 {
		t.Fatalf("restart: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "skipping checkpoint") || !strings.Contains(errb.String(), "checksum mismatch") {
		t.Errorf("no warning about the corrupt checkpoint: %s", errb.String())
	}
	ref := filepath.Join(dir, "ref.jsonl")
	noPace := writeFile(t, dir, "ref.sql", fmt.Sprintf(checkpointApp, 0))
	if code := run([]string{"run", noPace, "--output", "PER_WINDOW=file:" + ref}, nil, &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatal("reference run failed")
	}
	if got, want := fileLinesSorted(t, out), fileLinesSorted(t, ref); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output after falling back differs: %d rows, want %d", len(got), len(want))
	}
}

// TestUnusableStateDirectoryStopsClearly: a state directory that cannot be
// read stops the run at once with a message naming it.
func TestUnusableStateDirectoryStopsClearly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	os.MkdirAll(state, 0o755)
	writeFile(t, state, "checkpoints", "not a directory")
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(checkpointApp, 0))
	var errb bytes.Buffer
	code := run([]string{"run", app, "--state", state, "--output", "PER_WINDOW=discard"}, nil, &bytes.Buffer{}, &errb)
	if code == 0 || !strings.Contains(errb.String(), filepath.Join(state, "checkpoints")) || !strings.Contains(errb.String(), "not a directory") {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
}

// TestChangedPumpStartsFresh changes one pump's SQL between runs: the
// restart keeps the other pump's state and names the one that starts fresh.
func TestChangedPumpStartsFresh(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	two := `
CREATE STREAM bid (auction BIGINT, price BIGINT) WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '5000');
CREATE STREAM a_out (auction BIGINT, n BIGINT);
CREATE STREAM b_out (m BIGINT);
CREATE PUMP a_pump AS INSERT INTO a_out SELECT STREAM auction, COUNT(*) FROM bid GROUP BY auction, FLOOR(ROWTIME TO SECOND);
CREATE PUMP b_pump AS INSERT INTO b_out SELECT STREAM MAX(price %s) FROM bid GROUP BY FLOOR(ROWTIME TO SECOND);
`
	first := writeFile(t, dir, "first.sql", fmt.Sprintf(two, ""))
	second := writeFile(t, dir, "second.sql", fmt.Sprintf(two, "* 2"))
	for i, app := range []string{first, second} {
		var errb bytes.Buffer
		code := run([]string{"run", app, "--state", state, "--output", "A_OUT=discard", "--output", "B_OUT=discard"}, nil, &bytes.Buffer{}, &errb)
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, errb.String())
		}
		if i == 1 {
			if !strings.Contains(errb.String(), "restored checkpoint") {
				t.Errorf("the second run did not restore: %s", errb.String())
			}
			if !strings.Contains(errb.String(), "pump B_PUMP starts with fresh state") || strings.Contains(errb.String(), "A_PUMP starts") {
				t.Errorf("wrong pumps start fresh: %s", errb.String())
			}
		}
	}
}

// TestMaxStateStopsARunawayQuery: a query whose window state outgrows
// max_state stops with a clear error instead of exhausting memory.
func TestMaxStateStopsARunawayQuery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", `
SET max_state = '64KiB';
CREATE STREAM bid (bidder BIGINT, price BIGINT) WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '200000');
SELECT STREAM bidder, COUNT(*) FROM bid GROUP BY bidder, FLOOR(ROWTIME TO HOUR);
`)
	var errb bytes.Buffer
	code := run([]string{"run", app, "--output", "QUERY_1=discard"}, nil, &bytes.Buffer{}, &errb)
	if code == 0 || !strings.Contains(errb.String(), "max_state") || !strings.Contains(errb.String(), "state limit exceeded") {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
}

// TestKillAndRestartFirehoseDirectoryIsExactlyOnce is the crash test for a
// firehose destination on a local directory: after kills and restarts, the
// objects hold every result row exactly once.
func TestKillAndRestartFirehoseDirectoryIsExactlyOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.jsonl")
	if code := run([]string{"run", writeFile(t, dir, "ref.sql", fmt.Sprintf(checkpointApp, 0)), "--output", "PER_WINDOW=file:" + ref}, nil, &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatal("reference run failed")
	}
	want := fileLinesSorted(t, ref)
	state, objects := filepath.Join(dir, "state"), filepath.Join(dir, "objects")
	args := []string{"run", writeFile(t, dir, "paced.sql", fmt.Sprintf(checkpointApp, 20000)), "--state", state,
		"--set", "checkpoint_interval=150ms", "--output", "PER_WINDOW=firehose:?destination=file://" + objects + "&buffer_interval=100ms"}
	var killed lockedBuffer
	for attempt := 0; attempt < 3; attempt++ {
		cmd := eddyCmd(args...)
		cmd.Stderr = &killed
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(400+200*attempt) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	var errb bytes.Buffer
	if code := run(args, nil, &bytes.Buffer{}, &errb); code != 0 {
		t.Fatalf("final run: %s", errb.String())
	}
	var got, files, staged []string
	filepath.Walk(objects, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.IsDir() && info.Name() == ".eddy-staging" {
			filepath.Walk(p, func(q string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					staged = append(staged, strings.TrimPrefix(q, objects))
				}
				return nil
			})
			return filepath.SkipDir // objects waiting for a checkpoint: not delivered
		}
		if err == nil && !info.IsDir() && !strings.HasPrefix(info.Name(), ".") {
			data, _ := os.ReadFile(p)
			n := 0
			for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if l != "" {
					got = append(got, l)
					n++
				}
			}
			files = append(files, fmt.Sprintf("%s (%d rows)", strings.TrimPrefix(p, objects), n))
		}
		return nil
	})
	if len(staged) > 0 {
		t.Errorf("the finished run left staged objects behind: %v", staged)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		missing, extra := etMultisetDiff(got, want)
		t.Fatalf("objects hold %d rows, want %d exactly once: %d missing, %d extra (e.g. %s)\nobjects:\n%s\nkilled runs' stderr:\n%s\nfinal run's stderr:\n%s",
			len(got), len(want), len(missing), len(extra), etFirst(extra, 3), strings.Join(files, "\n"), killed.String(), errb.String())
	}
}

// TestCheckpointedRunDeliversEverything: with checkpoints on, a plain
// projection delivers every row to the file destination, including those
// of the very first checkpoint.
func TestCheckpointedRunDeliversEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var in strings.Builder
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&in, "{\"n\": %d}\n", i)
	}
	input := writeFile(t, dir, "in.jsonl", in.String())
	app := writeFile(t, dir, "app.sql", `CREATE STREAM src (n BIGINT); CREATE STREAM dst (n BIGINT);
CREATE PUMP p AS INSERT INTO dst SELECT STREAM n FROM src;`)
	out := filepath.Join(dir, "out.jsonl")
	for _, interval := range []string{"10s", "20ms"} {
		os.Remove(out)
		var errb bytes.Buffer
		code := run([]string{"run", app, "--input", "SRC=file:" + input + "?batch_size=50", "--output", "DST=file:" + out,
			"--state", filepath.Join(dir, "state-"+interval), "--set", "checkpoint_interval=" + interval}, nil, &bytes.Buffer{}, &errb)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("checkpoint_interval=%s: %v; stderr: %s", interval, err, errb.String())
		}
		if got := strings.Count(string(data), "\n"); got != 500 {
			t.Errorf("checkpoint_interval=%s: %d rows delivered, want 500", interval, got)
		}
	}
}
