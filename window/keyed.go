package window

import (
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// keyedState keeps per-key windows opened by rows: sessions (merged when
// they overlap) and KDA stagger windows (see stagger.go: their rows wait
// as pending rows until the start of their window is certain). Keys get
// ids from a group table; each window has a slot in the accumulators. A
// heap orders the open windows by end, so firing costs only the windows
// that fire; fired windows whose state is kept (the retention floor has not
// passed them) wait in a second heap to be freed. A row folded into a fired
// window makes it dirty: it is emitted again, in full, after the batch.
type keyedState struct {
	a    assignerSpec
	mem  memory.Allocator
	keys *exec.GroupTable
	accs []exec.Accumulator

	windows     [][]keyedWindow // per key id, sorted by start
	slotKey     []uint32
	slotGen     []uint32
	slotEnd     []int64
	slotMax     []int64 // largest event time folded into the window
	slotOK      []bool
	slotFired   []bool // emitted with its current bounds; waits in retain
	slotEmitted []bool // emitted at least once: another emission is an update
	slotDirty   []bool // fired, then updated: emitted again after the batch
	free        []uint32
	nlive       int
	ends        endHeap  // open windows by end
	retain      endHeap  // fired windows by end
	dirty       []uint32 // slots marked dirty, in marking order
	emitWM      int64    // the emission watermark of the last close

	// Stagger only: the pending rows (see stagger.go).
	pend       [][]pendRow // per key id, by (event time, arrival)
	pendq      pendHeap    // keys with pending rows by their first row's time
	pendGen    []uint32    // per key id: generation of its valid pendq entry
	seq        uint64      // arrival number of the last pending row
	npend      int         // pending rows held
	pendCap    int         // sum of the capacities of the pend lists
	chunks     []pendChunk // by id; free ids in chunkFree
	chunkFree  []uint32
	chunkBytes int              // argument buffers the chunks retain
	curChunk   int32            // chunk of the batch being added, -1 before its first pending row
	chunkRank  uint64           // rank of the last chunk made
	folds      []pendFold       // scratch of openPending
	chunkPos   []int            // scratch of foldPending, per chunk id; all 0 between calls
	chunkIDs   []uint32         // scratch of foldPending
	argTypes   []arrow.DataType // per aggregate, nil for COUNT(*)

	ids, slots []uint32
	foldRows   []int32
	foldSlots  []uint32
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
	s := &keyedState{a: a, mem: mem, keys: t, emitWM: math.MinInt64}
	for _, sp := range specs {
		acc, err := sp.NewAccumulator()
		if err != nil {
			return nil, err
		}
		s.accs = append(s.accs, acc)
		s.argTypes = append(s.argTypes, sp.ArgType())
	}
	return s, nil
}

// newSlot returns a free slot for a window of key ending at end, queued to
// fire.
func (s *keyedState) newSlot(key uint32, end int64) uint32 {
	s.nlive++
	id := s.allocSlot(key)
	s.slotEnd[id] = end
	s.ends.push(endEntry{end: end, slot: id, gen: s.slotGen[id]})
	return id
}

// allocSlot returns a free slot of key, empty and queued nowhere.
func (s *keyedState) allocSlot(key uint32) uint32 {
	var id uint32
	if n := len(s.free); n > 0 {
		id = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		id = uint32(len(s.slotKey))
		s.slotKey = append(s.slotKey, 0)
		s.slotGen = append(s.slotGen, 0)
		s.slotEnd = append(s.slotEnd, 0)
		s.slotMax = append(s.slotMax, 0)
		s.slotOK = append(s.slotOK, false)
		s.slotFired = append(s.slotFired, false)
		s.slotEmitted = append(s.slotEmitted, false)
		s.slotDirty = append(s.slotDirty, false)
		for _, acc := range s.accs {
			acc.Grow(len(s.slotKey))
		}
	}
	s.slotKey[id] = key
	s.slotOK[id] = true
	s.slotEnd[id] = 0
	s.slotMax[id] = math.MinInt64
	s.slotGen[id]++
	return id
}

func (s *keyedState) add(keys, args []arrow.Array, ts []int64, n int, rows []int32) error {
	var err error
	if s.ids, err = s.keys.Groups(keys, n, rows, s.ids); err != nil {
		return err
	}
	s.growKeys()
	s.foldRows, s.foldSlots = s.foldRows[:0], s.foldSlots[:0]
	s.curChunk = -1
	for i, k := range s.ids {
		r := int32(i)
		if rows != nil {
			r = rows[i]
		}
		t := ts[r]
		var slot uint32
		if s.a.kind == kindStagger {
			var ok bool
			if slot, ok = s.staggerSlot(k, t); !ok {
				// In no window yet: the row waits.
				s.addPending(k, t, r, args)
				continue
			}
		} else if slot, err = s.sessionSlot(k, t, args); err != nil {
			return err
		}
		s.slotMax[slot] = max(s.slotMax[slot], t)
		if s.slotFired[slot] {
			s.markDirty(slot)
		}
		s.foldRows = append(s.foldRows, r)
		s.foldSlots = append(s.foldSlots, slot)
	}
	return s.flush(args)
}

// growKeys makes the per-key lists as long as the key table's ids.
func (s *keyedState) growKeys() {
	n := s.keys.Cap()
	if len(s.windows) < n {
		s.windows = append(s.windows, make([][]keyedWindow, n-len(s.windows))...)
	}
	if s.a.kind == kindStagger && len(s.pend) < n {
		s.pend = append(s.pend, make([][]pendRow, n-len(s.pend))...)
		s.pendGen = append(s.pendGen, make([]uint32, n-len(s.pendGen))...)
	}
}

// flush folds the rows gathered by add into their slots.
func (s *keyedState) flush(args []arrow.Array) error {
	if len(s.foldRows) == 0 {
		return nil
	}
	for i, acc := range s.accs {
		if err := acc.Update(args[i], s.foldRows, s.foldSlots); err != nil {
			return err
		}
	}
	s.foldRows, s.foldSlots = s.foldRows[:0], s.foldSlots[:0]
	return nil
}

// markDirty queues a fired slot to be emitted again after the batch.
func (s *keyedState) markDirty(slot uint32) {
	if !s.slotDirty[slot] {
		s.slotDirty[slot] = true
		s.dirty = append(s.dirty, slot)
	}
}

// requeue makes slot's window, whose bounds changed, wait for its new
// end: a fired window that still ends at or below the emission watermark
// stays fired and is emitted again after the batch; one that now ends
// after it is open again. Older heap entries of the slot go stale.
func (s *keyedState) requeue(slot uint32, end int64) {
	s.slotEnd[slot] = end
	s.slotGen[slot]++
	e := endEntry{end: end, slot: slot, gen: s.slotGen[slot]}
	if s.slotFired[slot] && end-1 <= s.emitWM {
		s.retain.push(e)
		s.markDirty(slot)
		return
	}
	s.slotFired[slot], s.slotDirty[slot] = false, false
	s.ends.push(e)
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
			s.slotMax[dst] = max(s.slotMax[dst], s.slotMax[w.slot])
			s.absorb(dst, w.slot)
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
	w := &ws[first]
	w.start = min(w.start, lo)
	w.end = max(w.end, hi)
	s.windows[k] = ws
	if s.slotFired[w.slot] {
		s.requeue(w.slot, w.end)
	} else {
		// The heap entry is not moved: close re-queues a window whose end
		// grew.
		s.slotEnd[w.slot] = w.end
	}
	return w.slot, nil
}

// absorb records that the window of slot src is merged into dst's: the
// merged window holds rows that were emitted when src's were, and has fired
// when src's had (sessionSlot then requeues it).
func (s *keyedState) absorb(dst, src uint32) {
	s.slotEmitted[dst] = s.slotEmitted[dst] || s.slotEmitted[src]
	s.slotFired[dst] = s.slotFired[dst] || s.slotFired[src]
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
	s.slotFired[slot], s.slotEmitted[slot], s.slotDirty[slot] = false, false, false
	s.slotGen[slot]++
	one := []uint32{slot}
	for _, acc := range s.accs {
		acc.Reset(one)
	}
	s.free = append(s.free, slot)
	s.nlive--
}

// freeSlots frees slots that hold no window (pending rows' slots).
func (s *keyedState) freeSlots(slots []uint32) {
	for _, acc := range s.accs {
		acc.Reset(slots)
	}
	for _, slot := range slots {
		s.slotOK[slot] = false
		s.slotGen[slot]++
	}
	s.free = append(s.free, slots...)
}

// close emits the fired windows that rows updated (again, in full), then
// fires every open window whose end-1 is at or below emit, then frees the
// fired windows whose end-1 is at or below floor. final fires and frees
// everything. The rows come out in ascending ROWTIME (window end), ties in
// the order they were emitted.
func (s *keyedState) close(emit, floor int64, final bool, e *emitter) error {
	first := len(e.pieces)
	if err := s.closeWindows(emit, floor, final, e); err != nil {
		return err
	}
	return sortPiecesFrom(e, first)
}

func (s *keyedState) closeWindows(emit, floor int64, final bool, e *emitter) error {
	if final {
		emit, floor = math.MaxInt64, math.MaxInt64
	}
	s.emitWM = max(s.emitWM, emit)
	if err := s.emitDirty(e); err != nil {
		return err
	}
	if err := s.openPending(emit); err != nil {
		return err
	}
	s.closing = s.closing[:0]
	var starts, ends []int64
	updates := 0
	for len(s.ends) > 0 {
		top := s.ends[0]
		if !s.slotOK[top.slot] || s.slotGen[top.slot] != top.gen || s.slotFired[top.slot] {
			s.ends.pop()
			continue
		}
		if cur := s.slotEnd[top.slot]; cur != top.end {
			// The session grew since it was queued: re-queue at its end.
			s.ends[0].end = cur
			siftDown(s.ends, 0, endEntry.less)
			continue
		}
		if top.end-1 > emit {
			break
		}
		s.ends.pop()
		w, _ := s.window(top.slot)
		starts = append(starts, w.start)
		ends = append(ends, w.end)
		s.closing = append(s.closing, top.slot)
		if s.slotEmitted[top.slot] {
			updates++
		}
	}
	if len(s.closing) > 0 {
		if err := s.build(s.closing, starts, ends, false, e); err != nil {
			return err
		}
		e.updates += int64(updates)
		var gone []uint32
		for _, slot := range s.closing {
			if s.slotEnd[slot]-1 <= floor {
				// Nothing can update it any more: free it at once.
				gone = s.freeWindow(slot, gone)
				continue
			}
			s.slotFired[slot], s.slotEmitted[slot] = true, true
			s.slotGen[slot]++
			s.retain.push(endEntry{end: s.slotEnd[slot], slot: slot, gen: s.slotGen[slot]})
		}
		s.keys.Delete(gone)
	}
	return s.freeFired(floor)
}

// freeWindow frees slot and its window, appending its key to gone when it
// was the key's last window.
func (s *keyedState) freeWindow(slot uint32, gone []uint32) []uint32 {
	k := s.slotKey[slot]
	_, i := s.window(slot)
	s.windows[k] = append(s.windows[k][:i], s.windows[k][i+1:]...)
	s.freeSlot(slot)
	if len(s.windows[k]) == 0 && (s.pend == nil || len(s.pend[k]) == 0) {
		gone = append(gone, k)
		s.windows[k] = nil
	}
	return gone
}

// window returns the window of slot and its index in its key's list.
func (s *keyedState) window(slot uint32) (keyedWindow, int) {
	for i, w := range s.windows[s.slotKey[slot]] {
		if w.slot == slot {
			return w, i
		}
	}
	panic("window: keyed slot without a window")
}

// emitDirty emits the dirty fired windows again and clears their marks.
func (s *keyedState) emitDirty(e *emitter) error {
	if len(s.dirty) == 0 {
		return nil
	}
	s.closing = s.closing[:0]
	var starts, ends []int64
	for _, slot := range s.dirty {
		if !s.slotOK[slot] || !s.slotDirty[slot] || !s.slotFired[slot] {
			continue
		}
		s.slotDirty[slot] = false
		w, _ := s.window(slot)
		starts = append(starts, w.start)
		ends = append(ends, w.end)
		s.closing = append(s.closing, slot)
	}
	s.dirty = s.dirty[:0]
	if len(s.closing) == 0 {
		return nil
	}
	e.updates += int64(len(s.closing))
	return s.build(s.closing, starts, ends, false, e)
}

// freeFired frees the fired windows whose end-1 is at or below floor.
func (s *keyedState) freeFired(floor int64) error {
	var gone []uint32
	for len(s.retain) > 0 {
		top := s.retain[0]
		if !s.slotOK[top.slot] || s.slotGen[top.slot] != top.gen || !s.slotFired[top.slot] {
			s.retain.pop()
			continue
		}
		if top.end-1 > floor {
			break
		}
		s.retain.pop()
		gone = s.freeWindow(top.slot, gone)
	}
	if len(gone) > 0 {
		s.keys.Delete(gone)
	}
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

// partial emits the current results of the windows that have not fired,
// in ascending ROWTIME (window end); they all end after the windows that
// fired.
func (s *keyedState) partial(e *emitter) error {
	first := len(e.pieces)
	if err := s.partialWindows(e); err != nil {
		return err
	}
	return sortPiecesFrom(e, first)
}

func (s *keyedState) partialWindows(e *emitter) error {
	var slots []uint32
	var starts, ends []int64
	for _, ws := range s.windows {
		for _, w := range ws {
			if s.slotFired[w.slot] {
				continue
			}
			slots = append(slots, w.slot)
			starts = append(starts, w.start)
			ends = append(ends, w.end)
		}
	}
	tmp, err := s.pendingWindows(&slots, &starts, &ends)
	if err != nil {
		return err
	}
	defer func() {
		// In reverse, so the free list is as it was.
		slices.Reverse(tmp)
		s.freeSlots(tmp)
	}()
	if len(slots) == 0 {
		return nil
	}
	return s.build(slots, starts, ends, true, e)
}

func (s *keyedState) live() int { return s.nlive }

// bytes counts the key table, the accumulators, the end heap and the slot
// arrays at their capacity, the window lists (a slice header per key and an
// allocation per key that has windows, 24 bytes a window) and the pending
// rows (each also holds a slot, counted with the slots).
func (s *keyedState) bytes() int {
	n := s.keys.SizeBytes() + 16*(cap(s.ends)+cap(s.retain)) + 4*(cap(s.slotKey)+cap(s.slotGen)+cap(s.free)+cap(s.dirty)) +
		8*(cap(s.slotEnd)+cap(s.slotMax)) + cap(s.slotOK) + cap(s.slotFired) + cap(s.slotEmitted) + cap(s.slotDirty)
	for _, acc := range s.accs {
		n += acc.SizeBytes()
	}
	return n + 24*cap(s.windows) + 32*s.nlive + s.pendingBytes()
}

// endEntry is a window end in the heap; gen invalidates entries of windows
// that were extended, merged or closed since.
type endEntry struct {
	end       int64
	slot, gen uint32
}

func (a endEntry) less(b endEntry) bool {
	return a.end < b.end || (a.end == b.end && a.slot < b.slot)
}

// endHeap is a binary min-heap of window ends (typed: container/heap's
// interface boxes every entry it pushes).
type endHeap []endEntry

func (h *endHeap) push(e endEntry) {
	*h = append(*h, e)
	siftUp(*h, len(*h)-1, endEntry.less)
}

func (h *endHeap) pop() endEntry {
	old := *h
	top := old[0]
	n := len(old) - 1
	old[0] = old[n]
	*h = old[:n]
	siftDown(*h, 0, endEntry.less)
	return top
}

// init orders h as a heap.
func (h endHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i, endEntry.less)
	}
}

// siftUp moves h[i] up to its place in the min-heap h ordered by less.
func siftUp[T any](h []T, i int, less func(a, b T) bool) {
	for i > 0 {
		p := (i - 1) / 2
		if !less(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// siftDown moves h[i] down to its place in the min-heap h ordered by less.
func siftDown[T any](h []T, i int, less func(a, b T) bool) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && less(h[r], h[l]) {
			m = r
		}
		if !less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
