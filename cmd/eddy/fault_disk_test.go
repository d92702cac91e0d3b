package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFaultDiskFull fills the disk under a destination or the state
// directory in the middle of a run (a small tmpfs, filled by a file the
// test removes to free the space; it needs root, see fault_mount_test.go).
//
//   - The file destination cannot write: Eddy stops with exit 1 and a
//     message saying so, its last complete checkpoint intact; a restart
//     after the space is freed delivers every row exactly once.
//   - The state directory is full: the checkpoints fail with a message and
//     are abandoned, the run goes on, and once space is freed the next
//     checkpoints complete and every row reaches both exactly-once
//     destinations once.
func TestFaultDiskFull(t *testing.T) {
	t.Parallel()
	const count = 16000 // about 1.2 MB of output
	t.Run("file destination", func(t *testing.T) {
		t.Parallel()
		want := bidsReference(t, count)
		disk := mountTmpfs(t, 4<<20) // room for the output, once freed
		dir := t.TempDir()
		state, out := filepath.Join(dir, "state"), filepath.Join(disk, "out.jsonl")
		app := writeFile(t, dir, "app.sql", fmt.Sprintf(faultBidsApp, count, 8000))
		args := []string{"run", app, "--state", state, "--set", "checkpoint_interval=100ms",
			"--output", "TO_FILE=file:" + out, "--output", "TO_OBJECTS=discard"}
		filler := fillDisk(t, disk, 256<<10)
		code, c := runEddy(t, 30*time.Second, nil, args...)
		stderr := c.stderr.String()
		if code != 1 || !strings.Contains(stderr, "no space left on device") || !strings.Contains(stderr, out) {
			t.Fatalf("exit %d, want 1 with a message naming %s and the full disk; stderr:\n%s", code, out, stderr)
		}
		if len(checkpointIDs(state)) == 0 {
			t.Fatalf("no checkpoint completed before the disk was full; stderr:\n%s", stderr)
		}
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		code, c = runEddy(t, 30*time.Second, nil, args...)
		if code != 0 {
			t.Fatalf("restart after freeing space: exit %d: %s\nfirst run:\n%s", code, c.stderr.String(), stderr)
		}
		if s := c.stderr.String(); !strings.Contains(s, "restored checkpoint") || strings.Contains(s, "skipping checkpoint") {
			t.Errorf("the restart did not restore the last complete checkpoint intact: %s", s)
		}
		compareExactlyOnce(t, "file destination", readLines(t, out), want)
	})
	t.Run("state directory", func(t *testing.T) {
		t.Parallel()
		want := bidsReference(t, count)
		disk := mountTmpfs(t, 1<<20)
		dir := t.TempDir()
		state, out, objects := filepath.Join(disk, "state"), filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "objects")
		app := writeFile(t, dir, "app.sql", fmt.Sprintf(faultBidsApp, count, 8000))
		args := []string{"run", app, "--state", state, "--set", "checkpoint_interval=100ms",
			"--output", "TO_FILE=file:" + out,
			"--output", "TO_OBJECTS=firehose:?destination=file://" + objects + "&buffer_interval=50ms"}
		c := startEddy(t, nil, args...)
		if !waitFor(10*time.Second, func() bool { return len(checkpointIDs(state)) >= 2 || c.exited() }) || c.exited() {
			t.Fatalf("no checkpoint before the disk was full; stderr:\n%s", c.stderr.String())
		}
		filler := fillDisk(t, disk, 0)
		if !waitFor(10*time.Second, func() bool { return strings.Count(c.stderr.String(), "checkpoint abandoned") >= 3 || c.exited() }) {
			t.Fatalf("no checkpoint failed while the disk was full (%d bytes free); stderr:\n%s", freeBytes(t, disk), c.stderr.String())
		}
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		code := c.wait(30 * time.Second)
		stderr := c.stderr.String()
		if code != 0 {
			t.Fatalf("exit %d: the run did not go on after the failed checkpoints; stderr:\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "no space left on device") {
			t.Errorf("the failed checkpoints do not say the disk is full; stderr:\n%s", stderr)
		}
		compareExactlyOnce(t, "file destination", readLines(t, out), want)
		compareExactlyOnce(t, "firehose directory destination", objectLines(t, objects), want)
	})
}
