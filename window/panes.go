package window

import (
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// paneState keeps aligned windows (tumbling, hopping, cumulate) as panes:
// one hash aggregator per pane of the assigner, each row folded into its one
// pane. A window is emitted by combining its panes (a tumbling window is one
// pane, so it is built directly) once the emission watermark reaches its
// last millisecond; a pane is freed once the retention floor passes the
// last window that holds it. A row folded into a pane whose windows already
// fired makes the pane dirty: those windows are emitted again, in full,
// after the batch.
type paneState struct {
	a        assignerSpec
	keyTypes []arrow.DataType
	specs    []exec.AggSpec
	mem      memory.Allocator
	types    []arrow.DataType // column types of a pane's snapshot state

	panes   map[int64]*exec.HashAggregator
	order   []int64 // live pane starts, sorted
	lastEnd int64   // end of the last window fired in end order
	fired   []int64 // ends of the fired windows whose panes are kept, sorted
	dirty   []int64 // panes updated after some of their windows fired
	pool    []*exec.HashAggregator

	sel map[int64][]int32

	// mirror is set on the workers of a parallel group-by: each holds
	// every pane that has rows on any worker (see addShare), so all fire,
	// re-emit and free the same windows.
	mirror bool
}

func newPaneState(a assignerSpec, keyTypes []arrow.DataType, specs []exec.AggSpec, mem memory.Allocator) (*paneState, error) {
	// Validate the specs once.
	h, err := exec.NewHashAggregator(keyTypes, specs)
	if err != nil {
		return nil, err
	}
	return &paneState{
		a: a, keyTypes: keyTypes, specs: specs, mem: mem, types: h.StateTypes(),
		panes:   make(map[int64]*exec.HashAggregator),
		lastEnd: math.MinInt64,
		sel:     make(map[int64][]int32),
	}, nil
}

// pane returns the aggregator of the pane starting at p, creating it.
func (s *paneState) pane(p int64) (*exec.HashAggregator, error) {
	if h, ok := s.panes[p]; ok {
		return h, nil
	}
	var h *exec.HashAggregator
	if n := len(s.pool); n > 0 {
		h = s.pool[n-1]
		s.pool = s.pool[:n-1]
	} else {
		var err error
		if h, err = exec.NewHashAggregator(s.keyTypes, s.specs); err != nil {
			return nil, err
		}
	}
	s.panes[p] = h
	i, _ := slices.BinarySearch(s.order, p)
	s.order = slices.Insert(s.order, i, p)
	return h, nil
}

func (s *paneState) add(keys, args []arrow.Array, ts []int64, n int, rows []int32) error {
	first := 0
	if rows != nil {
		first = int(rows[0])
	}
	p0 := s.a.paneOf(ts[first])
	same := true
	if rows == nil {
		for _, t := range ts {
			if s.a.paneOf(t) != p0 {
				same = false
				break
			}
		}
	} else {
		for _, r := range rows {
			if s.a.paneOf(ts[r]) != p0 {
				same = false
				break
			}
		}
	}
	if same {
		h, err := s.pane(p0)
		if err != nil {
			return err
		}
		s.touch(p0)
		return h.Update(keys, args, n, rows)
	}
	for p, sel := range s.sel {
		s.sel[p] = sel[:0]
	}
	cnt := n
	if rows != nil {
		cnt = len(rows)
	}
	for i := range cnt {
		r := i
		if rows != nil {
			r = int(rows[i])
		}
		p := s.a.paneOf(ts[r])
		s.sel[p] = append(s.sel[p], int32(r))
	}
	for p, sel := range s.sel {
		if len(sel) == 0 {
			delete(s.sel, p)
			continue
		}
		h, err := s.pane(p)
		if err != nil {
			return err
		}
		s.touch(p)
		if err := h.Update(keys, args, n, sel); err != nil {
			return err
		}
	}
	return nil
}

// touch marks pane p dirty when one of its windows has fired already.
func (s *paneState) touch(p int64) {
	if s.a.firstEnd(p, math.MinInt64) > s.lastEnd || slices.Contains(s.dirty, p) {
		return
	}
	s.dirty = append(s.dirty, p)
}

// firstOpen returns the index in order of the first pane with a window
// that has not fired.
func (s *paneState) firstOpen() int {
	i, _ := slices.BinarySearchFunc(s.order, s.lastEnd, func(p, lastEnd int64) int {
		if s.a.lastEnd(p) > lastEnd {
			return 1
		}
		return -1
	})
	return i
}

func (s *paneState) close(emit, floor int64, final bool, e *emitter) error {
	if err := s.emitDirty(e); err != nil {
		return err
	}
	for {
		i := s.firstOpen()
		if i == len(s.order) {
			break
		}
		end := s.a.firstEnd(s.order[i], s.lastEnd)
		if !final && end-1 > emit {
			break
		}
		if _, err := s.emitWindow(s.a.startOf(end), end, false, e); err != nil {
			return err
		}
		s.lastEnd = end
		s.fired = append(s.fired, end)
	}
	if final {
		floor = math.MaxInt64
	}
	// Free the panes all of whose windows the floor passed.
	k := 0
	for k < len(s.order) && s.a.lastEnd(s.order[k])-1 <= floor {
		p := s.order[k]
		h := s.panes[p]
		delete(s.panes, p)
		h.Reset()
		s.pool = append(s.pool, h)
		k++
	}
	if k > 0 {
		s.order = append(s.order[:0], s.order[k:]...)
	}
	k = 0
	for k < len(s.fired) && s.fired[k]-1 <= floor {
		k++
	}
	if k > 0 {
		s.fired = append(s.fired[:0], s.fired[k:]...)
	}
	return nil
}

// emitDirty emits again, in full, every fired window holding a dirty
// pane, in end order, and forgets the dirty marks. A window that had no
// row when it fired is emitted for the first time.
func (s *paneState) emitDirty(e *emitter) error {
	if len(s.dirty) == 0 {
		return nil
	}
	var ends []int64
	for _, p := range s.dirty {
		if _, ok := s.panes[p]; !ok {
			continue
		}
		last := min(s.a.lastEnd(p), s.lastEnd)
		for end := s.a.firstEnd(p, math.MinInt64); end <= last; end += s.a.slide {
			ends = append(ends, end)
		}
	}
	s.dirty = s.dirty[:0]
	slices.Sort(ends)
	ends = slices.Compact(ends)
	for _, end := range ends {
		n, err := s.emitWindow(s.a.startOf(end), end, false, e)
		if err != nil {
			return err
		}
		if i, ok := slices.BinarySearch(s.fired, end); ok {
			e.updates += int64(n)
		} else if n > 0 || s.mirror {
			// (A mirror's window has rows on some worker, if not here.)
			s.fired = slices.Insert(s.fired, i, end)
		}
	}
	return nil
}

// emitWindow builds the rows of window [start, end) from its live panes
// and returns how many it emitted.
func (s *paneState) emitWindow(start, end int64, partial bool, e *emitter) (int, error) {
	lo, _ := slices.BinarySearch(s.order, start)
	hi, _ := slices.BinarySearch(s.order, end)
	if lo >= hi {
		return 0, nil
	}
	src := s.panes[s.order[lo]]
	if hi-lo > 1 {
		var tmp *exec.HashAggregator
		if n := len(s.pool); n > 0 {
			tmp = s.pool[n-1]
			s.pool = s.pool[:n-1]
		} else {
			var err error
			if tmp, err = exec.NewHashAggregator(s.keyTypes, s.specs); err != nil {
				return 0, err
			}
		}
		defer func() {
			tmp.Reset()
			s.pool = append(s.pool, tmp)
		}()
		for _, p := range s.order[lo:hi] {
			if err := tmp.Merge(s.panes[p]); err != nil {
				return 0, err
			}
		}
		src = tmp
	}
	n := src.Len()
	if n == 0 {
		return 0, nil
	}
	keys, aggs, err := src.Build(s.mem)
	if err != nil {
		return 0, err
	}
	e.add(keys, aggs, repeat(start, n), repeat(end, n), partial)
	return n, nil
}

// partial emits the current results of the windows that have not fired.
func (s *paneState) partial(e *emitter) error {
	i := s.firstOpen()
	if i == len(s.order) {
		return nil
	}
	last := s.a.lastEnd(s.order[len(s.order)-1])
	for end := s.a.firstEnd(s.order[i], s.lastEnd); end <= last; {
		if _, err := s.emitWindow(s.a.startOf(end), end, true, e); err != nil {
			return err
		}
		if s.a.kind == kindTumbling {
			i, _ := slices.BinarySearch(s.order, end)
			if i >= len(s.order) {
				break
			}
			end = s.a.firstEnd(s.order[i], end)
			continue
		}
		end += s.a.slide
	}
	return nil
}

func (s *paneState) live() int {
	n := 0
	for _, h := range s.panes {
		n += h.Len()
	}
	return n
}

// bytes counts every pane's aggregator, the reset ones kept for reuse,
// and the pane index (a map entry and an order slot per pane).
func (s *paneState) bytes() int {
	n := 40*len(s.panes) + 8*cap(s.order) + 32*len(s.sel)
	for _, h := range s.panes {
		n += h.SizeBytes()
	}
	for _, h := range s.pool {
		n += h.SizeBytes()
	}
	return n
}
