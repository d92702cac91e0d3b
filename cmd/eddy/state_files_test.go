package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestStateFilesArePrivate is the user's bug: the state directory,
// checkpoints and retained history were world readable. Everything eddy
// run creates under --state is 0700 (directories) or 0600 (files).
func TestStateFilesArePrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var in strings.Builder
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&in, "{\"n\": %d, \"ts\": \"2024-05-01T10:00:%02dZ\"}\n", i, i%60)
	}
	input := writeFile(t, dir, "in.jsonl", in.String())
	app := writeFile(t, dir, "app.sql", `CREATE STREAM src (n BIGINT, ts TIMESTAMP) WITH (retain = '1 day');
CREATE STREAM dst (n BIGINT); CREATE PUMP p AS INSERT INTO dst SELECT STREAM n FROM src;`)
	state := filepath.Join(dir, "state")
	var errb bytes.Buffer
	code := run([]string{"run", app, "--input", "SRC=file:" + input + "?rowtime=ts", "--output", "DST=file:" + filepath.Join(dir, "out.jsonl"),
		"--state", state, "--set", "checkpoint_interval=20ms"}, nil, &bytes.Buffer{}, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	files := 0
	err := filepath.WalkDir(state, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else {
			files++
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"checkpoints", "history"} {
		if m, _ := filepath.Glob(filepath.Join(state, sub, "*")); len(m) == 0 {
			t.Errorf("nothing under %s: the test checks nothing there", sub)
		}
	}
	if files == 0 {
		t.Fatal("no file under --state")
	}
}
