package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ErrCorruptCheckpoint is wrapped by the error for a checkpoint whose
// manifest or state files do not match their checksums.
var ErrCorruptCheckpoint = errors.New("checkpoint: corrupt")

// manifest describes one complete checkpoint.
type manifest struct {
	ID      int64           `json:"id"`
	Time    time.Time       `json:"time"`
	States  []manifestState `json:"states"`
	Sources []manifestSrc   `json:"sources"`
}

// manifestState is one stateful operator's snapshot file.
type manifestState struct {
	Key         string `json:"key"`
	Fingerprint string `json:"fingerprint"`
	File        string `json:"file"`
	SHA256      string `json:"sha256"`
	Bytes       int    `json:"bytes"`
}

// manifestSrc is one source's position.
type manifestSrc struct {
	Stream      string `json:"stream"`
	Fingerprint string `json:"fingerprint"`
	Position    []byte `json:"position"`
}

// checkpointStore keeps checkpoints under dir/checkpoints, each a directory
// chk-<id> holding the state files, manifest.json and manifest.sha256,
// written to a temporary directory, synced, and renamed into place.
type checkpointStore struct {
	dir  string
	keep int
}

func (cs *checkpointStore) root() string { return filepath.Join(cs.dir, "checkpoints") }

func chkName(id int64) string { return fmt.Sprintf("chk-%012d", id) }

// write stores a checkpoint atomically: after it returns nil the checkpoint
// survives a crash; before, none of it is visible.
func (cs *checkpointStore) write(m *manifest, states map[string][]byte) error {
	root := cs.root()
	// Checkpoints hold the application's state (user data): only the
	// owner reads them.
	if err := os.MkdirAll(root, 0o700); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	tmp := filepath.Join(root, ".tmp-"+chkName(m.ID))
	os.RemoveAll(tmp)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	fail := func(err error) error {
		os.RemoveAll(tmp)
		return fmt.Errorf("checkpoint %d: %w", m.ID, err)
	}
	for i := range m.States {
		st := &m.States[i]
		data := states[st.Key]
		sum := sha256.Sum256(data)
		st.SHA256, st.Bytes = hex.EncodeToString(sum[:]), len(data)
		st.File = fmt.Sprintf("state-%03d.bin", i)
		if err := writeSynced(filepath.Join(tmp, st.File), data); err != nil {
			return fail(err)
		}
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fail(err)
	}
	sum := sha256.Sum256(body)
	if err := writeSynced(filepath.Join(tmp, "manifest.json"), body); err != nil {
		return fail(err)
	}
	if err := writeSynced(filepath.Join(tmp, "manifest.sha256"), []byte(hex.EncodeToString(sum[:])+"\n")); err != nil {
		return fail(err)
	}
	if err := syncDir(tmp); err != nil {
		return fail(err)
	}
	final := filepath.Join(root, chkName(m.ID))
	os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return fail(err)
	}
	if err := syncDir(root); err != nil {
		return fail(err)
	}
	cs.prune(m.ID)
	return nil
}

// prune removes all but the newest cs.keep checkpoints (and leftovers of
// interrupted writes).
func (cs *checkpointStore) prune(newest int64) {
	ids, _ := cs.ids()
	for i, id := range ids {
		if i >= cs.keep && id < newest {
			os.RemoveAll(filepath.Join(cs.root(), chkName(id)))
		}
	}
	entries, _ := os.ReadDir(cs.root())
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			os.RemoveAll(filepath.Join(cs.root(), e.Name()))
		}
	}
}

// ids lists the checkpoint ids present, newest first.
func (cs *checkpointStore) ids() ([]int64, error) {
	entries, err := os.ReadDir(cs.root())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var ids []int64
	for _, e := range entries {
		var id int64
		if _, err := fmt.Sscanf(e.Name(), "chk-%d", &id); err == nil && e.IsDir() {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	return ids, nil
}

// latest loads the newest checkpoint that verifies, calling warn for each
// newer one that does not. It returns nil when there is none.
func (cs *checkpointStore) latest(warn func(string)) (*manifest, map[string][]byte, error) {
	ids, err := cs.ids()
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		m, states, err := cs.load(id)
		if err == nil {
			return m, states, nil
		}
		warn(fmt.Sprintf("skipping checkpoint %d: %v", id, err))
	}
	return nil, nil, nil
}

// load reads and verifies one checkpoint.
func (cs *checkpointStore) load(id int64) (*manifest, map[string][]byte, error) {
	dir := filepath.Join(cs.root(), chkName(id))
	body, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "manifest.sha256"))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
	}
	sum := sha256.Sum256(body)
	if strings.TrimSpace(string(want)) != hex.EncodeToString(sum[:]) {
		return nil, nil, fmt.Errorf("%w: manifest checksum mismatch", ErrCorruptCheckpoint)
	}
	var m manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, nil, fmt.Errorf("%w: manifest: %v", ErrCorruptCheckpoint, err)
	}
	if m.ID != id {
		return nil, nil, fmt.Errorf("%w: manifest says id %d", ErrCorruptCheckpoint, m.ID)
	}
	states := map[string][]byte{}
	for _, st := range m.States {
		data, err := os.ReadFile(filepath.Join(dir, filepath.Base(st.File)))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCorruptCheckpoint, err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != st.SHA256 || len(data) != st.Bytes {
			return nil, nil, fmt.Errorf("%w: state %s checksum mismatch", ErrCorruptCheckpoint, st.Key)
		}
		states[st.Key] = data
	}
	return &m, states, nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
