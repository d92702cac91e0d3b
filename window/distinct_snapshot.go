package window

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
)

// snapStreamDistinct is the snapshot kind of streaming SELECT DISTINCT.
const snapStreamDistinct byte = 20

// distinctHeader is the JSON header of a DISTINCT snapshot; a record of the
// remembered keys (bucket, then the key columns), Keys rows, follows.
type distinctHeader struct {
	KeyCols int
	Tracker trackerState
	Keys    int
	Late    int64
	MaxOut  int64
	EOF     bool
}

var _ exec.Snapshotter = (*distinct)(nil)

// Snapshot writes the operator's state: the event-time tracker, and every
// key remembered with its bucket, so that a restored operator drops the
// duplicates of rows emitted before the checkpoint.
func (d *distinct) Snapshot(w io.Writer) error {
	h := distinctHeader{KeyCols: len(d.cfg.Keys), Tracker: d.tracker.state(), Keys: d.table.Len(),
		Late: d.late, MaxOut: d.maxOut, EOF: d.eof}
	sw := &snapWriter{mem: d.cfg.Alloc}
	if err := sw.header(&h); err != nil {
		return err
	}
	keys, err := d.table.KeyArrays(d.cfg.Alloc, d.table.LiveIDs(nil))
	if err != nil {
		return fmt.Errorf("window: distinct snapshot: %w", err)
	}
	err = sw.record(keys, h.Keys)
	release(keys)
	if err != nil {
		return err
	}
	return sw.finish(w, snapStreamDistinct)
}

// Restore replaces the operator's state with the one in r, written by
// Snapshot of a DISTINCT over the same columns. On error, which wraps
// ErrSnapshot, the operator is unchanged.
func (d *distinct) Restore(r io.Reader) error {
	return restoring(func() error {
		sr, err := openSnapshot(r, snapStreamDistinct, d.cfg.Alloc)
		if err != nil {
			return err
		}
		var h distinctHeader
		if err := sr.header(&h); err != nil {
			return err
		}
		if h.KeyCols != len(d.cfg.Keys) || h.Keys < 0 {
			return fmt.Errorf("%w: snapshot has %d key columns, operator %d", ErrSnapshot, h.KeyCols, len(d.cfg.Keys))
		}
		if len(h.Tracker.Origins) != len(h.Tracker.Maxes) {
			return fmt.Errorf("%w: %d partitions with %d event times", ErrSnapshot, len(h.Tracker.Origins), len(h.Tracker.Maxes))
		}
		rec, err := sr.record(d.table.KeyTypes(), h.Keys)
		if err != nil {
			return err
		}
		defer rec.Release()
		if err := sr.done(); err != nil {
			return err
		}
		if rec.NumCols() > 0 && rec.Column(0).NullN() > 0 {
			return fmt.Errorf("%w: a remembered key without a bucket", ErrSnapshot)
		}
		table, err := exec.NewGroupTable(d.table.KeyTypes())
		if err != nil {
			return err
		}
		rows := make([]int32, h.Keys)
		for i := range rows {
			rows[i] = int32(i)
		}
		ids, err := table.Groups(rec.Columns(), h.Keys, rows, nil)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		if table.Len() != h.Keys {
			return fmt.Errorf("%w: the remembered keys repeat", ErrSnapshot)
		}
		seen := make([]bool, table.Cap())
		buckets := map[int64][]uint32{}
		bv := rec.Column(0).(*array.Int64)
		for i, id := range ids {
			seen[id] = true
			buckets[bv.Value(i)] = append(buckets[bv.Value(i)], id)
		}
		tr := NewTracker(d.cfg.Lateness, d.cfg.Retention, d.clock)
		tr.load(h.Tracker)
		d.table.Reset()
		d.table, d.seen, d.buckets, d.tracker = table, seen, buckets, tr
		d.late, d.maxOut, d.eof, d.stopped = h.Late, h.MaxOut, h.EOF, false
		return nil
	})
}
