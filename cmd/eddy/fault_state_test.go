package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// faultBidsApp copies every Nexmark bid of a deterministic generator to
// two destinations, so output reaches them all along the run (a window
// would emit only at the end): TO_FILE and TO_OBJECTS. Its arguments are
// the event count and the rate (0: as fast as possible).
const faultBidsApp = `
CREATE STREAM bid (auction BIGINT, bidder BIGINT, price BIGINT, date_time TIMESTAMP)
  WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '%d', rate = '%d', batch_size = '200');
CREATE STREAM to_file (auction BIGINT, bidder BIGINT, price BIGINT, date_time TIMESTAMP);
CREATE STREAM to_objects (auction BIGINT, bidder BIGINT, price BIGINT, date_time TIMESTAMP);
CREATE PUMP pf AS INSERT INTO to_file SELECT STREAM auction, bidder, price, date_time FROM bid;
CREATE PUMP po AS INSERT INTO to_objects SELECT STREAM auction, bidder, price, date_time FROM bid;
`

// bidsReference runs faultBidsApp for count events unpaced, without
// state, and returns its rows: what every faulty run must deliver.
func bidsReference(t *testing.T, count int) []string {
	t.Helper()
	dir := t.TempDir()
	app := writeFile(t, dir, "ref.sql", fmt.Sprintf(faultBidsApp, count, 0))
	ref := filepath.Join(dir, "ref.jsonl")
	if code, c := runEddy(t, 30*time.Second, nil, "run", app, "--output", "TO_FILE=file:"+ref, "--output", "TO_OBJECTS=discard"); code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, c.stderr.String())
	}
	want := readLines(t, ref)
	if len(want) < count/2 {
		t.Fatalf("the reference run produced only %d rows", len(want))
	}
	return want
}

// TestFaultStateDirUnwritable makes the state directory unusable in the
// middle of a run: the checkpoints taken then fail with a message naming
// the cause and are abandoned, the run goes on, and once the directory is
// usable again the output of both exactly-once destinations (a file and a
// firehose directory) holds every row exactly once. Left unusable to the
// end, the final checkpoint fails: Eddy exits 1 saying so, the last
// complete checkpoint is intact, and a restart delivers everything once.
//
// As root, chmod 0500 does not stop writes, so the directory is made
// unusable two ways: a read-only bind mount over it (root only; skipped
// where mount is not permitted) and, anywhere, its checkpoints directory
// replaced by a file.
func TestFaultStateDirUnwritable(t *testing.T) {
	t.Parallel()
	const count = 16000
	tests := []struct {
		name string
		// spoil makes state unusable and returns how to undo it.
		spoil func(t *testing.T, state string) func()
		// reason is in the message of a failed checkpoint.
		reason string
		// untilEnd leaves it unusable until the run has ended.
		untilEnd bool
	}{
		{name: "read-only bind mount, then writable again", spoil: spoilReadOnly, reason: "read-only file system"},
		{name: "checkpoints directory replaced by a file, then back", spoil: spoilByFile, reason: "not a directory"},
		{name: "read-only until the end: exit 1, restart completes", spoil: spoilReadOnly, reason: "read-only file system", untilEnd: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := bidsReference(t, count)
			dir := t.TempDir()
			state, out, objects := filepath.Join(dir, "state"), filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "objects")
			app := writeFile(t, dir, "app.sql", fmt.Sprintf(faultBidsApp, count, 8000))
			args := []string{"run", app, "--state", state, "--set", "checkpoint_interval=100ms",
				"--output", "TO_FILE=file:" + out,
				"--output", "TO_OBJECTS=firehose:?destination=file://" + objects + "&buffer_interval=50ms"}
			c := startEddy(t, nil, args...)
			if !waitFor(10*time.Second, func() bool { return len(checkpointIDs(state)) >= 2 || c.exited() }) || c.exited() {
				t.Fatalf("no checkpoint before the fault; stderr:\n%s", c.stderr.String())
			}
			undo := tc.spoil(t, state)
			if !waitFor(10*time.Second, func() bool { return strings.Count(c.stderr.String(), "checkpoint abandoned") >= 3 || c.exited() }) {
				t.Fatalf("no checkpoint failed while the state directory was unusable; stderr:\n%s", c.stderr.String())
			}
			if !tc.untilEnd {
				undo()
			}
			code := c.wait(30 * time.Second)
			stderr := c.stderr.String()
			if !strings.Contains(stderr, "checkpoint abandoned") || !strings.Contains(stderr, tc.reason) {
				t.Errorf("the failed checkpoints are not reported with their cause (%q); stderr:\n%s", tc.reason, stderr)
			}
			if tc.untilEnd {
				undo()
				if code != 1 || !strings.Contains(stderr, "final checkpoint") {
					t.Fatalf("exit %d, want 1 with a message about the final checkpoint; stderr:\n%s", code, stderr)
				}
				code, c = runEddy(t, 30*time.Second, nil, args...)
				if code != 0 {
					t.Fatalf("restart: exit %d: %s", code, c.stderr.String())
				}
				if s := c.stderr.String(); !strings.Contains(s, "restored checkpoint") || strings.Contains(s, "skipping checkpoint") {
					t.Errorf("the restart did not restore the last complete checkpoint intact: %s", s)
				}
			} else if code != 0 {
				t.Fatalf("exit %d: the run did not go on after the failed checkpoints; stderr:\n%s", code, stderr)
			}
			compareExactlyOnce(t, "file destination", readLines(t, out), want)
			compareExactlyOnce(t, "firehose directory destination", objectLines(t, objects), want)
		})
	}
}

// spoilReadOnly bind-mounts state read-only over itself.
func spoilReadOnly(t *testing.T, state string) func() { return readOnly(t, state) }

// spoilByFile moves state/checkpoints aside and puts a file in its place.
func spoilByFile(t *testing.T, state string) func() {
	t.Helper()
	root, aside := filepath.Join(state, "checkpoints"), filepath.Join(state, "aside")
	if err := os.Rename(root, aside); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.Remove(root); err != nil {
			t.Error(err)
		}
		if err := os.Rename(aside, root); err != nil {
			t.Error(err)
		}
	}
}

// checkpointIDs lists the complete checkpoints in a state directory.
func checkpointIDs(state string) []string {
	ids, _ := filepath.Glob(filepath.Join(state, "checkpoints", "chk-*"))
	return ids
}
