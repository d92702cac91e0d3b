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
// pane, so it is built directly); a pane is freed once the last window that
// holds it has been emitted.
type paneState struct {
	a        assignerSpec
	keyTypes []arrow.DataType
	specs    []exec.AggSpec
	mem      memory.Allocator
	types    []arrow.DataType // column types of a pane's snapshot state

	panes   map[int64]*exec.HashAggregator
	order   []int64 // live pane starts, sorted
	lastEnd int64   // end of the last emitted window
	pool    []*exec.HashAggregator

	sel map[int64][]int32
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
		if err := h.Update(keys, args, n, sel); err != nil {
			return err
		}
	}
	return nil
}

func (s *paneState) close(wm int64, final bool, e *emitter) error {
	for len(s.order) > 0 {
		end := s.a.firstEnd(s.order[0], s.lastEnd)
		if !final && end-1 > wm {
			return nil
		}
		if err := s.emitWindow(s.a.startOf(end), end, false, e); err != nil {
			return err
		}
		s.lastEnd = end
		// Free the panes no later window holds.
		k := 0
		for _, p := range s.order {
			if s.a.lastEnd(p) <= end {
				h := s.panes[p]
				delete(s.panes, p)
				h.Reset()
				s.pool = append(s.pool, h)
				continue
			}
			s.order[k] = p
			k++
		}
		s.order = s.order[:k]
	}
	return nil
}

// emitWindow builds the rows of window [start, end) from its live panes.
func (s *paneState) emitWindow(start, end int64, partial bool, e *emitter) error {
	lo, _ := slices.BinarySearch(s.order, start)
	hi, _ := slices.BinarySearch(s.order, end)
	if lo >= hi {
		return nil
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
				return err
			}
		}
		defer func() {
			tmp.Reset()
			s.pool = append(s.pool, tmp)
		}()
		for _, p := range s.order[lo:hi] {
			if err := tmp.Merge(s.panes[p]); err != nil {
				return err
			}
		}
		src = tmp
	}
	n := src.Len()
	if n == 0 {
		return nil
	}
	keys, aggs, err := src.Build(s.mem)
	if err != nil {
		return err
	}
	e.add(keys, aggs, repeat(start, n), repeat(end, n), partial)
	return nil
}

func (s *paneState) partial(e *emitter) error {
	if len(s.order) == 0 {
		return nil
	}
	last := s.a.lastEnd(s.order[len(s.order)-1])
	for end := s.a.firstEnd(s.order[0], s.lastEnd); end <= last; {
		if err := s.emitWindow(s.a.startOf(end), end, true, e); err != nil {
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
