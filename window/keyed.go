package window

import (
	"container/heap"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// keyedState keeps per-key windows opened by rows: sessions (merged when
// they overlap) and KDA stagger windows. Keys get ids from a group table;
// each open window has a slot in the accumulators. A heap orders windows by
// end so closing costs only the windows that close.
type keyedState struct {
	a    assignerSpec
	mem  memory.Allocator
	keys *exec.GroupTable
	accs []exec.Accumulator

	windows [][]keyedWindow // per key id, sorted by start
	slotKey []uint32
	slotGen []uint32
	slotEnd []int64
	slotOK  []bool
	free    []uint32
	nlive   int
	ends    endHeap

	ids, slots []uint32
	pendRows   []int32
	pendSlots  []uint32
	closing    []uint32
}

type keyedWindow struct {
	start, end int64
	slot       uint32
}

func newKeyedState(a assignerSpec, keyTypes []arrow.DataType, specs []exec.AggSpec, mem memory.Allocator) (*keyedState, error) {
	t, err := exec.NewGroupTable(keyTypes)
	if err != nil {
		return nil, err
	}
	s := &keyedState{a: a, mem: mem, keys: t}
	for _, sp := range specs {
		acc, err := sp.NewAccumulator()
		if err != nil {
			return nil, err
		}
		s.accs = append(s.accs, acc)
	}
	return s, nil
}

func (s *keyedState) newSlot(key uint32, end int64) uint32 {
	s.nlive++
	var id uint32
	if n := len(s.free); n > 0 {
		id = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		id = uint32(len(s.slotKey))
		s.slotKey = append(s.slotKey, 0)
		s.slotGen = append(s.slotGen, 0)
		s.slotEnd = append(s.slotEnd, 0)
		s.slotOK = append(s.slotOK, false)
		for _, acc := range s.accs {
			acc.Grow(len(s.slotKey))
		}
	}
	s.slotKey[id] = key
	s.slotOK[id] = true
	s.slotEnd[id] = end
	s.slotGen[id]++
	heap.Push(&s.ends, endEntry{end: end, slot: id, gen: s.slotGen[id]})
	return id
}

func (s *keyedState) add(keys, args []arrow.Array, ts []int64, n int, rows []int32) error {
	var err error
	if s.ids, err = s.keys.Groups(keys, n, rows, s.ids); err != nil {
		return err
	}
	if len(s.windows) < s.keys.Cap() {
		s.windows = append(s.windows, make([][]keyedWindow, s.keys.Cap()-len(s.windows))...)
	}
	s.pendRows, s.pendSlots = s.pendRows[:0], s.pendSlots[:0]
	for i, k := range s.ids {
		r := int32(i)
		if rows != nil {
			r = rows[i]
		}
		t := ts[r]
		var slot uint32
		if s.a.kind == kindStagger {
			slot = s.staggerSlot(k, t)
		} else if slot, err = s.sessionSlot(k, t, args); err != nil {
			return err
		}
		s.pendRows = append(s.pendRows, r)
		s.pendSlots = append(s.pendSlots, slot)
	}
	return s.flush(args)
}

// flush folds the pending rows into their slots.
func (s *keyedState) flush(args []arrow.Array) error {
	if len(s.pendRows) == 0 {
		return nil
	}
	for i, acc := range s.accs {
		if err := acc.Update(args[i], s.pendRows, s.pendSlots); err != nil {
			return err
		}
	}
	s.pendRows, s.pendSlots = s.pendRows[:0], s.pendSlots[:0]
	return nil
}

// staggerSlot returns the slot of key's window holding t, opening
// [t, t+range) when none does.
func (s *keyedState) staggerSlot(k uint32, t int64) uint32 {
	ws := s.windows[k]
	for _, w := range ws {
		if w.start <= t && t < w.end {
			return w.slot
		}
	}
	w := keyedWindow{start: t, end: t + s.a.size}
	w.slot = s.newSlot(k, w.end)
	s.windows[k] = insertWindow(ws, w)
	return w.slot
}

// sessionSlot returns the slot of key's session holding t, extending or
// merging sessions that [t, t+gap) overlaps.
func (s *keyedState) sessionSlot(k uint32, t int64, args []arrow.Array) (uint32, error) {
	ws := s.windows[k]
	lo, hi := t, t+s.a.size
	first := -1
	j := 0
	for _, w := range ws {
		if w.start < hi && lo < w.end {
			if first < 0 {
				first = j
				ws[j] = w
				j++
				continue
			}
			// w bridges into the first overlapping session: merge it.
			if err := s.flush(args); err != nil {
				return 0, err
			}
			dst := ws[first].slot
			for _, acc := range s.accs {
				if err := acc.Merge(acc, []uint32{w.slot}, []uint32{dst}); err != nil {
					return 0, err
				}
			}
			ws[first].start = min(ws[first].start, w.start)
			ws[first].end = max(ws[first].end, w.end)
			s.slotEnd[dst] = ws[first].end
			s.freeSlot(w.slot)
			continue
		}
		ws[j] = w
		j++
	}
	ws = ws[:j]
	if first < 0 {
		w := keyedWindow{start: lo, end: hi}
		w.slot = s.newSlot(k, hi)
		s.windows[k] = insertWindow(ws, w)
		return w.slot, nil
	}
	// The heap entry is not moved: close re-queues a window whose end grew.
	w := &ws[first]
	w.start = min(w.start, lo)
	w.end = max(w.end, hi)
	s.slotEnd[w.slot] = w.end
	s.windows[k] = ws
	return w.slot, nil
}

func insertWindow(ws []keyedWindow, w keyedWindow) []keyedWindow {
	i := 0
	for i < len(ws) && ws[i].start <= w.start {
		i++
	}
	ws = append(ws, keyedWindow{})
	copy(ws[i+1:], ws[i:])
	ws[i] = w
	return ws
}

func (s *keyedState) freeSlot(slot uint32) {
	s.slotOK[slot] = false
	s.slotGen[slot]++
	one := []uint32{slot}
	for _, acc := range s.accs {
		acc.Reset(one)
	}
	s.free = append(s.free, slot)
	s.nlive--
}

func (s *keyedState) close(wm int64, final bool, e *emitter) error {
	s.closing = s.closing[:0]
	var starts, ends []int64
	for s.ends.Len() > 0 {
		top := s.ends[0]
		if !s.slotOK[top.slot] || s.slotGen[top.slot] != top.gen {
			heap.Pop(&s.ends)
			continue
		}
		if cur := s.slotEnd[top.slot]; cur != top.end {
			// The session grew since it was queued: re-queue at its end.
			s.ends[0].end = cur
			heap.Fix(&s.ends, 0)
			continue
		}
		if !final && top.end-1 > wm {
			break
		}
		heap.Pop(&s.ends)
		k := s.slotKey[top.slot]
		ws := s.windows[k]
		for i, w := range ws {
			if w.slot == top.slot {
				starts = append(starts, w.start)
				ends = append(ends, w.end)
				s.windows[k] = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		s.closing = append(s.closing, top.slot)
	}
	if len(s.closing) == 0 {
		return nil
	}
	if err := s.build(s.closing, starts, ends, false, e); err != nil {
		return err
	}
	var gone []uint32
	for _, slot := range s.closing {
		k := s.slotKey[slot]
		s.freeSlot(slot)
		if len(s.windows[k]) == 0 {
			gone = append(gone, k)
			s.windows[k] = nil
		}
	}
	s.keys.Delete(gone)
	return nil
}

// build emits the rows of the slots given.
func (s *keyedState) build(slots []uint32, starts, ends []int64, partial bool, e *emitter) error {
	keyIDs := make([]uint32, len(slots))
	for i, slot := range slots {
		keyIDs[i] = s.slotKey[slot]
	}
	keys, err := s.keys.KeyArrays(s.mem, keyIDs)
	if err != nil {
		return err
	}
	aggs := make([]arrow.Array, 0, len(s.accs))
	for _, acc := range s.accs {
		a, err := acc.Build(s.mem, slots)
		if err != nil {
			release(keys)
			release(aggs)
			return err
		}
		aggs = append(aggs, a)
	}
	e.add(keys, aggs, starts, ends, partial)
	return nil
}

func (s *keyedState) partial(e *emitter) error {
	var slots []uint32
	var starts, ends []int64
	for _, ws := range s.windows {
		for _, w := range ws {
			slots = append(slots, w.slot)
			starts = append(starts, w.start)
			ends = append(ends, w.end)
		}
	}
	if len(slots) == 0 {
		return nil
	}
	return s.build(slots, starts, ends, true, e)
}

func (s *keyedState) live() int { return s.nlive }

// bytes counts the key table, the accumulators, the end heap and the slot
// arrays at their capacity, and the window lists: a slice header per key
// and an allocation per key that has windows (24 bytes a window).
func (s *keyedState) bytes() int {
	n := s.keys.SizeBytes() + 16*cap(s.ends) + 4*cap(s.slotKey) + 4*cap(s.slotGen) + 8*cap(s.slotEnd) + cap(s.slotOK) + 4*cap(s.free)
	for _, acc := range s.accs {
		n += acc.SizeBytes()
	}
	return n + 24*cap(s.windows) + 32*s.nlive
}

// endEntry is a window end in the heap; gen invalidates entries of windows
// that were extended, merged or closed since.
type endEntry struct {
	end       int64
	slot, gen uint32
}

type endHeap []endEntry

func (h endHeap) Len() int { return len(h) }
func (h endHeap) Less(i, j int) bool {
	return h[i].end < h[j].end || (h[i].end == h[j].end && h[i].slot < h[j].slot)
}
func (h endHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *endHeap) Push(x any)   { *h = append(*h, x.(endEntry)) }
func (h *endHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
