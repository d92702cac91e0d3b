package window

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
)

// Stagger windows (KDA WINDOWED BY STAGGER), per key: sort the key's
// on-time rows by event time; a window starts at the first row's time t0
// and holds the rows with t0 ≤ ts < t0+range; the next window starts at the
// first row at or after t0+range. The windows therefore depend on the rows
// alone, not on the order they arrive in, the batch boundaries or how the
// partitions interleave.
//
// Computed incrementally: a window's start t0 is certain once the emission
// watermark E reaches it (E ≥ t0), because every later on-time row has an
// event time above its partition's watermark, which is at least E. Per key
// the state keeps the windows whose start is certain (at most one of them
// open in the steady state; fired ones are kept until the retention floor
// passes them, for updates) and the pending rows: rows in no window yet,
// sorted by (event time, arrival). Each pending row holds its values
// folded in an accumulator slot of its own. On every close the keys whose
// first pending row is at or below E open [t0, t0+range), into which the
// pending rows before t0+range are merged (in arrival order); the rest stay
// pending, possibly opening the next window at once. A row that falls in a
// window of its key (start ≤ ts < end) folds into it directly. Pending rows
// lie above E in the steady state, so they are bounded by the lateness and
// the skew between partitions.
//
// The one deviation from the rule above: when E ran ahead of the data (an
// idle partition or the idle clock moved it on, see Tracker), a row on time
// in its partition may arrive at or below E. When it falls in a fired but
// kept window, it updates it and the window is emitted again; when it falls
// in no window, it opens its own window [ts, ts+range) at the next close
// (its start is certain at once), which may overlap a window of the key
// opened before it.

// pendRow is a pending stagger row: its event time, arrival number and the
// slot holding its values.
type pendRow struct {
	ts   int64
	seq  uint64
	slot uint32
}

// pendEntry queues a key with pending rows by the time of its first one;
// gen invalidates entries superseded since (pendGen).
type pendEntry struct {
	ts       int64
	key, gen uint32
}

type pendHeap []pendEntry

func (h pendHeap) Len() int { return len(h) }
func (h pendHeap) Less(i, j int) bool {
	return h[i].ts < h[j].ts || (h[i].ts == h[j].ts && h[i].key < h[j].key)
}
func (h pendHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendHeap) Push(x any)   { *h = append(*h, x.(pendEntry)) }
func (h *pendHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// staggerSlot returns the slot of the first window (by start) of key k
// holding t, if any.
func (s *keyedState) staggerSlot(k uint32, t int64) (uint32, bool) {
	for _, w := range s.windows[k] {
		if w.start <= t && t < w.end {
			return w.slot, true
		}
	}
	return 0, false
}

// addPending records a pending row of key k at t and returns the slot its
// values go to.
func (s *keyedState) addPending(k uint32, t int64) uint32 {
	slot := s.allocSlot(k)
	s.seq++
	row := pendRow{ts: t, seq: s.seq, slot: slot}
	c := cap(s.pend[k])
	p := append(s.pend[k], row)
	s.pendCap += cap(p) - c
	i := len(p) - 1
	for i > 0 && p[i-1].ts > t {
		p[i] = p[i-1]
		i--
	}
	p[i] = row
	s.pend[k] = p
	s.npend++
	if i == 0 {
		s.queuePending(k)
	}
	return slot
}

// queuePending (re)queues key k, which has pending rows, at its first
// one's time.
func (s *keyedState) queuePending(k uint32) {
	s.pendGen[k]++
	heap.Push(&s.pendq, pendEntry{ts: s.pend[k][0].ts, key: k, gen: s.pendGen[k]})
}

// windowEnd is t0+range, saturated.
func (s *keyedState) windowEnd(t0 int64) int64 {
	if t0 > math.MaxInt64-s.a.size {
		return math.MaxInt64
	}
	return t0 + s.a.size
}

// openPending opens a window for every key whose first pending row is at
// or below emit, merges the pending rows it holds into it and frees their
// slots; a key whose next pending row is then also at or below emit opens
// its next window too. Keys open in (time, key id) order, so slots are
// given out the same way whatever the heap's layout.
func (s *keyedState) openPending(emit int64) error {
	src, dst := s.mergeSrc[:0], s.mergeDst[:0]
	for len(s.pendq) > 0 {
		top := s.pendq[0]
		k := top.key
		if top.gen != s.pendGen[k] || len(s.pend[k]) == 0 {
			heap.Pop(&s.pendq)
			continue
		}
		if top.ts > emit {
			break
		}
		heap.Pop(&s.pendq)
		p := s.pend[k]
		t0 := p[0].ts
		end := s.windowEnd(t0)
		j := 1
		for j < len(p) && p[j].ts < end {
			j++
		}
		slot := s.newSlot(k, end)
		s.slotMax[slot] = p[j-1].ts
		s.windows[k] = insertWindow(s.windows[k], keyedWindow{start: t0, end: end, slot: slot})
		grp := p[:j]
		if j > 1 {
			slices.SortFunc(grp, func(a, b pendRow) int { return cmp.Compare(a.seq, b.seq) })
		}
		for _, r := range grp {
			src = append(src, r.slot)
			dst = append(dst, slot)
		}
		n := copy(p, p[j:])
		s.pend[k] = p[:n]
		s.npend -= j
		if n > 0 {
			s.queuePending(k)
		}
	}
	s.mergeSrc, s.mergeDst = src[:0], dst[:0]
	if len(src) == 0 {
		return nil
	}
	for _, acc := range s.accs {
		if err := acc.Merge(acc, src, dst); err != nil {
			return err
		}
	}
	s.freeSlots(src)
	return nil
}

// pendingWindows appends to slots, starts and ends the windows the pending
// rows would form if no other row came, each in a temporary slot holding
// their merged values, and returns the temporary slots (the caller frees
// them with freeSlots once the results are built).
func (s *keyedState) pendingWindows(slots *[]uint32, starts, ends *[]int64) ([]uint32, error) {
	if s.npend == 0 {
		return nil, nil
	}
	var tmp, src, dst []uint32
	var grp []pendRow
	for k, p := range s.pend {
		for i := 0; i < len(p); {
			t0 := p[i].ts
			end := s.windowEnd(t0)
			j := i + 1
			for j < len(p) && p[j].ts < end {
				j++
			}
			slot := s.allocSlot(uint32(k))
			tmp = append(tmp, slot)
			grp = append(grp[:0], p[i:j]...)
			slices.SortFunc(grp, func(a, b pendRow) int { return cmp.Compare(a.seq, b.seq) })
			for _, r := range grp {
				src = append(src, r.slot)
				dst = append(dst, slot)
			}
			*slots = append(*slots, slot)
			*starts = append(*starts, t0)
			*ends = append(*ends, end)
			i = j
		}
	}
	for _, acc := range s.accs {
		if err := acc.Merge(acc, src, dst); err != nil {
			s.freeSlots(tmp)
			return nil, err
		}
	}
	return tmp, nil
}

// pendingBytes counts the pending rows' lists (a slice header per key, 24
// bytes a row at capacity), the key queue and the generations.
func (s *keyedState) pendingBytes() int {
	return 24*(cap(s.pend)+s.pendCap) + 16*cap(s.pendq) + 4*cap(s.pendGen)
}
