package file

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
)

var _ sinks.Committer = (*sink)(nil)

// With checkpoints, a file destination is exactly-once: rows are written
// to PATH.eddy-staging; Prepare moves the staged rows to
// PATH.eddy-pending-<checkpoint>; Commit appends the pending files up to
// the checkpoint to PATH and records the committed length in
// PATH.eddy-commit. A crash at any point leaves PATH with exactly the rows
// of complete checkpoints once the engine, restarting, calls Commit for
// the last complete checkpoint and Abort for the rest.

// staging is the bookkeeping of a staged file destination.
type staging struct {
	append bool
	// prepared lists, ascending, the checkpoints this sink prepared and
	// that have been neither committed nor aborted since.
	prepared []int64
}

// commitRecord is the content of PATH.eddy-commit: the last committed
// checkpoint and the file's length then, and the lengths at the checkpoints
// before it, so that a restart from an older checkpoint (the newest was
// damaged) can take back what the newer ones published.
type commitRecord struct {
	Checkpoint int64           `json:"checkpoint"`
	Length     int64           `json:"length"`
	History    []commitHistory `json:"history,omitempty"`
}

// commitHistory is one earlier commit.
type commitHistory struct {
	Checkpoint int64 `json:"checkpoint"`
	Length     int64 `json:"length"`
}

// keptHistory is how many earlier commits a commit record remembers.
const keptHistory = 16

func (s *sink) stagingPath() string { return s.path + ".eddy-staging" }
func (s *sink) commitPath() string  { return s.path + ".eddy-commit" }
func (s *sink) pendingPath(id int64) string {
	return fmt.Sprintf("%s.eddy-pending-%012d", s.path, id)
}

// openStaged opens the sink in staged (exactly-once) mode.
func (s *sink) openStaged(env sinks.Env, cfg Config, format encode.Format) (sinks.Sink, error) {
	s.staged = &staging{append: cfg.Append}
	rec, err := s.readCommit()
	if err != nil {
		return nil, err
	}
	header := cfg.Header && rec.Length == 0
	if err := s.openStagingFile(); err != nil {
		return nil, err
	}
	enc, err := encode.NewParallel(format, env.Schema, encode.Options{Header: header, Delimiter: cfg.Delimiter}, env.Parallelism)
	if err != nil {
		s.f.Close()
		return nil, fmt.Errorf("file: %w", err)
	}
	s.enc = enc
	return s, nil
}

func (s *sink) openStagingFile() error {
	f, err := os.OpenFile(s.stagingPath(), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return s.wrap("open staging file", err)
	}
	s.f = f
	return nil
}

// readCommit reads PATH.eddy-commit; a missing one is checkpoint 0, length
// 0 (or the file's current length when appending).
func (s *sink) readCommit() (commitRecord, error) {
	data, err := os.ReadFile(s.commitPath())
	if os.IsNotExist(err) {
		rec := commitRecord{}
		if s.staged.append {
			if fi, err := os.Stat(s.path); err == nil {
				rec.Length = fi.Size()
			}
		}
		return rec, nil
	}
	if err != nil {
		return commitRecord{}, s.wrap("read commit record", err)
	}
	var rec commitRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return commitRecord{}, fmt.Errorf("file %s: corrupt commit record %s: %w", s.path, s.commitPath(), err)
	}
	return rec, nil
}

func (s *sink) writeCommit(rec commitRecord) error {
	data, _ := json.Marshal(rec)
	tmp := s.commitPath() + ".tmp"
	if err := writeSynced(tmp, data); err != nil {
		return s.wrap("write commit record", err)
	}
	if err := os.Rename(tmp, s.commitPath()); err != nil {
		return s.wrap("write commit record", err)
	}
	return syncDir(filepath.Dir(s.path))
}

// Prepare makes everything written so far durable in a pending file for
// checkpoint id, invisible until Commit.
func (s *sink) Prepare(_ context.Context, id int64) error {
	if s.staged == nil {
		return s.flush()
	}
	if err := s.flush(); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return s.wrap("sync", err)
	}
	if err := s.f.Close(); err != nil {
		s.err = s.wrap("close", err)
		return s.err
	}
	if err := os.Rename(s.stagingPath(), s.pendingPath(id)); err != nil {
		// The rows stay staged for the next checkpoint.
		if rerr := s.reopenStaging(); rerr != nil {
			return rerr
		}
		return s.wrap("stage", err)
	}
	s.staged.prepared = append(s.staged.prepared, id)
	return s.openStagingFile()
}

// reopenStaging opens the staging file again to append to what it holds;
// failing, the sink fails.
func (s *sink) reopenStaging() error {
	f, err := os.OpenFile(s.stagingPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		s.err = s.wrap("reopen staging file", err)
		return s.err
	}
	s.f = f
	return nil
}

// Commit appends the pending output of every checkpoint up to id to the
// file. It is idempotent.
func (s *sink) Commit(_ context.Context, id int64) error {
	if s.staged == nil {
		return nil
	}
	rec, err := s.readCommit()
	if err != nil {
		return err
	}
	pending, err := s.pendingIDs()
	if err != nil {
		return err
	}
	s.forgetPrepared(func(p int64) bool { return p <= id })
	if rec.Checkpoint > id {
		return s.rollBack(rec, id)
	}
	if rec.Checkpoint == id {
		for _, p := range pending {
			if p <= rec.Checkpoint {
				os.Remove(s.pendingPath(p))
			}
		}
		return nil
	}
	out, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return s.wrap("open", err)
	}
	defer out.Close()
	// Undo a commit that a crash cut short, then append in order.
	if err := out.Truncate(rec.Length); err != nil {
		return s.wrap("truncate", err)
	}
	if _, err := out.Seek(rec.Length, io.SeekStart); err != nil {
		return s.wrap("seek", err)
	}
	length := rec.Length
	for _, p := range pending {
		if p > id {
			continue
		}
		in, err := os.Open(s.pendingPath(p))
		if err != nil {
			return s.wrap("open pending output", err)
		}
		n, err := io.Copy(out, in)
		in.Close()
		if err != nil {
			return s.wrap("commit", err)
		}
		length += n
	}
	if err := out.Sync(); err != nil {
		return s.wrap("sync", err)
	}
	hist := append([]commitHistory{{Checkpoint: rec.Checkpoint, Length: rec.Length}}, rec.History...)
	if len(hist) > keptHistory {
		hist = hist[:keptHistory]
	}
	if err := s.writeCommit(commitRecord{Checkpoint: id, Length: length, History: hist}); err != nil {
		return err
	}
	for _, p := range pending {
		if p <= id {
			os.Remove(s.pendingPath(p))
		}
	}
	return nil
}

// rollBack makes the file what it was when checkpoint id committed: the
// engine restarts from id because a newer checkpoint was damaged, and will
// produce the newer output again.
func (s *sink) rollBack(rec commitRecord, id int64) error {
	for i, h := range rec.History {
		if h.Checkpoint != id {
			continue
		}
		if err := os.Truncate(s.path, h.Length); err != nil {
			return s.wrap("roll back", err)
		}
		return s.writeCommit(commitRecord{Checkpoint: id, Length: h.Length, History: rec.History[i+1:]})
	}
	return fmt.Errorf("file %s: cannot go back to checkpoint %d: the commit record remembers only %d earlier checkpoints", s.path, id, len(rec.History))
}

// Abort discards the output prepared for checkpoints id and later, and the
// file's bytes beyond its last commit. Abort(0) — the engine starting with
// no checkpoint — starts the file afresh (unless appending) and forgets any
// old commit record.
//
// Output that this sink prepared itself, in this run, is not discarded but
// staged again, ahead of the rows written since: the engine aborts a
// checkpoint it abandons while running on (its state could not be
// written), and the sources do not go back, so those rows must reach the
// next checkpoint. After a restart nothing is prepared yet, and Abort
// discards what a crashed run left.
func (s *sink) Abort(_ context.Context, id int64) error {
	if s.staged == nil {
		return nil
	}
	if err := s.unprepare(id); err != nil {
		return err
	}
	pending, err := s.pendingIDs()
	if err != nil {
		return err
	}
	for _, p := range pending {
		if p >= id {
			os.Remove(s.pendingPath(p))
		}
	}
	if id == 0 {
		return s.startAfresh()
	}
	rec, err := s.readCommit()
	if err != nil {
		return err
	}
	if fi, err := os.Stat(s.path); err == nil && fi.Size() > rec.Length {
		if err := os.Truncate(s.path, rec.Length); err != nil {
			return s.wrap("truncate", err)
		}
	} else if os.IsNotExist(err) && rec.Length == 0 {
		if err := writeSynced(s.path, nil); err != nil {
			return s.wrap("create", err)
		}
	}
	if _, err := os.Stat(s.commitPath()); os.IsNotExist(err) {
		return s.writeCommit(rec)
	}
	return nil
}

// startAfresh is Abort(0): the engine starts without a checkpoint, so any
// commit record beside the file (from another state directory) no longer
// applies. The file starts empty, or, when appending, as it is.
func (s *sink) startAfresh() error {
	var length int64
	if s.staged.append {
		if fi, err := os.Stat(s.path); err == nil {
			length = fi.Size()
		}
	} else if err := writeSynced(s.path, nil); err != nil {
		return s.wrap("create", err)
	}
	return s.writeCommit(commitRecord{Length: length})
}

// unprepare stages again the output this sink prepared for checkpoints id
// and later: the pending files, in order, then the staging file, become
// the staging file. A failure fails the sink, so that the run stops and a
// restart replays those rows from the last complete checkpoint.
func (s *sink) unprepare(id int64) error {
	var ids []int64
	for _, p := range s.staged.prepared {
		if p >= id {
			ids = append(ids, p)
		}
	}
	if len(ids) == 0 || s.err != nil {
		return nil
	}
	s.forgetPrepared(func(p int64) bool { return p >= id })
	fail := func(op string, err error) error {
		s.err = s.wrap(op, err)
		return s.err
	}
	if err := s.flush(); err != nil {
		return err
	}
	if err := s.f.Close(); err != nil {
		return fail("close", err)
	}
	base := s.pendingPath(ids[0])
	out, err := os.OpenFile(base, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fail("restage", err)
	}
	defer out.Close()
	for _, src := range append(pendingPaths(s, ids[1:]), s.stagingPath()) {
		in, err := os.Open(src)
		if err != nil {
			return fail("restage", err)
		}
		_, err = io.Copy(out, in)
		in.Close()
		if err != nil {
			return fail("restage", err)
		}
	}
	if err := out.Close(); err != nil {
		return fail("restage", err)
	}
	if err := os.Rename(base, s.stagingPath()); err != nil {
		return fail("restage", err)
	}
	for _, p := range ids[1:] {
		os.Remove(s.pendingPath(p))
	}
	return s.reopenStaging()
}

func pendingPaths(s *sink, ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = s.pendingPath(id)
	}
	return out
}

// forgetPrepared drops the prepared checkpoints drop selects.
func (s *sink) forgetPrepared(drop func(int64) bool) {
	kept := s.staged.prepared[:0]
	for _, p := range s.staged.prepared {
		if !drop(p) {
			kept = append(kept, p)
		}
	}
	s.staged.prepared = kept
}

// pendingIDs lists the checkpoints with pending output, ascending.
func (s *sink) pendingIDs() ([]int64, error) {
	dir, base := filepath.Dir(s.path), filepath.Base(s.path)+".eddy-pending-"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, s.wrap("list pending output", err)
	}
	var ids []int64
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), base) {
			continue
		}
		var id int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(e.Name(), base), "%d", &id); err == nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
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
