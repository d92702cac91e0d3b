package window

import (
	"fmt"
	"io"
	"time"
)

// groupByHeader is the JSON header of a group-by snapshot: the operator's
// scalars and the layout of the state sections that follow.
type groupByHeader struct {
	Assigner        string // assignerSpec.key(), checked on restore
	Keys, Aggs      int
	Tracker         trackerState
	WM, Floor       int64 // emission watermark and retention floor
	MaxOut          int64 // largest window end emitted
	LateRows        int64
	Updates         int64
	EOF             bool
	LastPartialWM   int64
	LastPartialTime int64 // unix nanoseconds; valid when HasPartialTime
	HasPartialTime  bool
	Panes           *paneHeader  `json:",omitempty"`
	Keyed           *keyedHeader `json:",omitempty"`
}

// key identifies the assigner exactly, to refuse a snapshot of another one.
func (a assignerSpec) key() string {
	return fmt.Sprintf("%d/%d/%d/%d/%d", a.kind, a.size, a.slide, a.offset, a.pane)
}

// Snapshot writes the operator's state: the event-time tracker (largest
// event time per partition, watermarks), the windows held (open, and fired
// but kept for the retention floor, with their dirty marks) with their keys
// and aggregate state, the late-row and update counts and the emit policy's
// progress. It does not change the operator. A snapshot taken after the
// input stopped (exec.ErrStopped) holds the open windows; the operator
// restored from it goes on reading. The input's own state is not included
// (snapshot it separately).
func (o *groupBy) Snapshot(w io.Writer) error {
	h := groupByHeader{
		Assigner:      o.cfg.Assigner.spec().key(),
		Keys:          len(o.cfg.Keys),
		Aggs:          len(o.cfg.Aggs),
		Tracker:       o.tracker.state(),
		WM:            o.wm,
		Floor:         o.floor,
		MaxOut:        o.emit.maxEnd,
		LateRows:      o.lateRows,
		Updates:       o.emit.updates,
		EOF:           o.eof,
		LastPartialWM: o.lastPartialWM,
	}
	if !o.lastPartialTime.IsZero() {
		h.LastPartialTime, h.HasPartialTime = o.lastPartialTime.UnixNano(), true
	}
	o.state.snapshotHeader(&h)
	sw := &snapWriter{mem: o.cfg.Alloc}
	if err := sw.header(&h); err != nil {
		return err
	}
	if err := o.state.writeState(sw); err != nil {
		return fmt.Errorf("window: group by snapshot: %w", err)
	}
	return sw.finish(w, snapGroupBy)
}

// Restore replaces the operator's state with the one in r, written by
// Snapshot of a group-by built from the same configuration. On error, which
// wraps ErrSnapshot, the operator is unchanged.
func (o *groupBy) Restore(r io.Reader) error {
	return restoring(func() error {
		sr, err := openSnapshot(r, snapGroupBy, o.cfg.Alloc)
		if err != nil {
			return err
		}
		var h groupByHeader
		if err := sr.header(&h); err != nil {
			return err
		}
		if want := o.cfg.Assigner.spec().key(); h.Assigner != want {
			return fmt.Errorf("%w: snapshot of window %s, operator has %s", ErrSnapshot, h.Assigner, want)
		}
		if h.Keys != len(o.cfg.Keys) || h.Aggs != len(o.cfg.Aggs) {
			return fmt.Errorf("%w: snapshot has %d keys and %d aggregates, operator %d and %d",
				ErrSnapshot, h.Keys, h.Aggs, len(o.cfg.Keys), len(o.cfg.Aggs))
		}
		if len(h.Tracker.Origins) != len(h.Tracker.Maxes) {
			return fmt.Errorf("%w: %d partitions with %d event times", ErrSnapshot, len(h.Tracker.Origins), len(h.Tracker.Maxes))
		}
		if h.Floor > h.WM || h.Tracker.Emit != h.WM || h.Tracker.Free != h.Floor {
			return fmt.Errorf("%w: watermarks out of order", ErrSnapshot)
		}
		st, err := o.newState()
		if err != nil {
			return err
		}
		if err := st.loadState(sr, &h); err != nil {
			releaseState(st)
			return err
		}
		if err := sr.done(); err != nil {
			releaseState(st)
			return err
		}
		tr := NewTracker(o.cfg.Lateness, o.cfg.Retention, o.clock)
		tr.load(h.Tracker)
		releaseState(o.state)
		o.state, o.tracker = st, tr
		o.wm, o.floor, o.lateRows, o.eof, o.stopped = h.WM, h.Floor, h.LateRows, h.EOF, false
		o.emit.updates, o.emit.maxEnd = h.Updates, h.MaxOut
		o.lastPartialWM = h.LastPartialWM
		o.lastPartialTime = time.Time{}
		if h.HasPartialTime {
			o.lastPartialTime = time.Unix(0, h.LastPartialTime)
		}
		return nil
	})
}
