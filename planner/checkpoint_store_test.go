package planner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/exec"
)

func TestCheckpointStore(t *testing.T) {
	t.Parallel()
	cs := &checkpointStore{dir: t.TempDir(), keep: 2}
	for id := int64(1); id <= 4; id++ {
		m := &manifest{ID: id, States: []manifestState{{Key: "p#0", Fingerprint: "f"}}, Sources: []manifestSrc{{Stream: "S", Position: []byte(`{"n":1}`)}}}
		if err := cs.write(m, map[string][]byte{"p#0": []byte{byte(id), 1, 2}}); err != nil {
			t.Fatal(err)
		}
	}
	ids, _ := cs.ids()
	if len(ids) != 2 || ids[0] != 4 || ids[1] != 3 {
		t.Fatalf("kept checkpoints %v, want [4 3]", ids)
	}
	var warnings []string
	warn := func(s string) { warnings = append(warnings, s) }
	m, states, err := cs.latest(warn)
	if err != nil || m.ID != 4 || states["p#0"][0] != 4 {
		t.Fatalf("latest = %+v, %v, %v", m, states, err)
	}
	// Damage the newest: a state file, then the manifest.
	newest := filepath.Join(cs.root(), chkName(4))
	if err := os.WriteFile(filepath.Join(newest, "state-000.bin"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, err = cs.latest(warn)
	if err != nil || m.ID != 3 || len(warnings) != 1 || !strings.Contains(warnings[0], "checksum mismatch") {
		t.Fatalf("after damage: %+v, %v, warnings %v", m, err, warnings)
	}
	if _, _, err := cs.load(4); !errors.Is(err, ErrCorruptCheckpoint) {
		t.Errorf("load of a damaged checkpoint: %v", err)
	}
	// A truncated manifest of the older one too: nothing left to restore.
	if err := os.WriteFile(filepath.Join(cs.root(), chkName(3), "manifest.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, _, err := cs.latest(warn); m != nil || err != nil {
		t.Errorf("with every checkpoint damaged: %+v, %v", m, err)
	}
}

func TestCoordinatorAbandonsAFailedCheckpointAndGoesOn(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	blocked := filepath.Join(root, "state")
	os.MkdirAll(blocked, 0o755)
	os.WriteFile(filepath.Join(blocked, "checkpoints"), []byte("file"), 0o644)
	c := &coordinator{store: &checkpointStore{dir: blocked, keep: 2}, tracker: exec.NewTracker(), gate: &gate{}, log: func(string) {}}
	if err := c.take(context.Background(), false); err == nil {
		t.Fatal("a checkpoint that cannot be written succeeded")
	}
	if c.nextID != 0 || c.taken != 0 {
		t.Errorf("a failed checkpoint counted: next %d, taken %d", c.nextID, c.taken)
	}
	// The gate is open again: sources are not left paused.
	if err := c.gate.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.store.dir = filepath.Join(root, "ok")
	if err := c.take(context.Background(), false); err != nil || c.taken != 1 {
		t.Fatalf("next checkpoint: %v, taken %d", err, c.taken)
	}
}
