package window

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
)

// paneHeader describes the panes of a snapshot: their starts (sorted), the
// number of groups of each and each pane's free group ids. Their state
// follows in one record: the panes' exec.HashAggregator.StateColumns,
// concatenated in pane order.
//
// LastEnd is the end of the last window fired in end order, Fired the ends
// of the fired windows whose panes are still kept (for the retention
// floor) and Dirty the panes updated after some of their windows fired.
type paneHeader struct {
	LastEnd int64
	Starts  []int64
	Groups  []int
	Free    [][]uint32
	Fired   []int64 `json:",omitempty"`
	Dirty   []int64 `json:",omitempty"`
}

func (s *paneState) snapshotHeader(h *groupByHeader) {
	ph := &paneHeader{LastEnd: s.lastEnd, Fired: s.fired, Dirty: s.dirty}
	for _, p := range s.order {
		agg := s.panes[p]
		ph.Starts = append(ph.Starts, p)
		ph.Groups = append(ph.Groups, agg.Len())
		ph.Free = append(ph.Free, agg.Table().FreeIDs(nil))
	}
	h.Panes = ph
}

func (s *paneState) writeState(w *snapWriter) error {
	types := s.stateTypes()
	parts := make([][]arrow.Array, len(types))
	defer func() {
		for _, p := range parts {
			release(p)
		}
	}()
	rows := 0
	for _, p := range s.order {
		agg := s.panes[p]
		cols, _, err := agg.StateColumns(s.mem)
		if err != nil {
			return err
		}
		for j, c := range cols {
			parts[j] = append(parts[j], c)
		}
		rows += agg.Len()
	}
	cols := make([]arrow.Array, len(types))
	defer func() { release(cols) }()
	for j, dt := range types {
		switch len(parts[j]) {
		case 0:
			cols[j] = array.MakeArrayOfNull(s.mem, dt, 0)
		case 1:
			cols[j] = parts[j][0]
			cols[j].Retain()
		default:
			c, err := array.Concatenate(parts[j], s.mem)
			if err != nil {
				return err
			}
			cols[j] = c
		}
	}
	return w.record(cols, rows)
}

// stateTypes returns the column types of a pane's state.
func (s *paneState) stateTypes() []arrow.DataType { return s.types }

func (s *paneState) loadState(r *snapReader, h *groupByHeader) error {
	ph := h.Panes
	if ph == nil || h.Keyed != nil {
		return fmt.Errorf("%w: not a pane window snapshot", ErrSnapshot)
	}
	if len(ph.Groups) != len(ph.Starts) || (ph.Free != nil && len(ph.Free) != len(ph.Starts)) {
		return fmt.Errorf("%w: pane header lists differ in length", ErrSnapshot)
	}
	total := 0
	for i, p := range ph.Starts {
		if i > 0 && p <= ph.Starts[i-1] {
			return fmt.Errorf("%w: pane starts not increasing", ErrSnapshot)
		}
		if s.a.paneOf(p) != p {
			return fmt.Errorf("%w: pane start %d not aligned", ErrSnapshot, p)
		}
		g := ph.Groups[i]
		if g < 0 || g > 1<<40 {
			return fmt.Errorf("%w: pane of %d groups", ErrSnapshot, g)
		}
		total += g
	}
	rec, err := r.record(s.stateTypes(), total)
	if err != nil {
		return err
	}
	defer rec.Release()
	off := 0
	for i, p := range ph.Starts {
		g := ph.Groups[i]
		var free []uint32
		if ph.Free != nil {
			free = ph.Free[i]
		}
		agg, err := exec.NewHashAggregator(s.keyTypes, s.specs)
		if err != nil {
			return err
		}
		cols := make([]arrow.Array, rec.NumCols())
		for j, c := range rec.Columns() {
			cols[j] = array.NewSlice(c, int64(off), int64(off+g))
		}
		err = agg.LoadStateColumns(cols, g, free)
		release(cols)
		if err != nil {
			return fmt.Errorf("pane %d: %w", p, err)
		}
		s.panes[p] = agg
		s.order = append(s.order, p)
		off += g
	}
	for i, end := range ph.Fired {
		if (i > 0 && end <= ph.Fired[i-1]) || end > ph.LastEnd {
			return fmt.Errorf("%w: fired window ends not increasing up to the last end", ErrSnapshot)
		}
	}
	for _, p := range ph.Dirty {
		if _, ok := s.panes[p]; !ok {
			return fmt.Errorf("%w: dirty mark of unknown pane %d", ErrSnapshot, p)
		}
	}
	s.lastEnd = ph.LastEnd
	s.fired = slices.Clone(ph.Fired)
	s.dirty = slices.Clone(ph.Dirty)
	return nil
}
