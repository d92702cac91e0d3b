package window

import (
	"cmp"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
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
// sorted by (event time, arrival). A pending row is its batch's row index:
// the batch's aggregate arguments are retained (a pendChunk) until its last
// pending row is folded. On every close the keys whose first pending row is
// at or below E open [t0, t0+range), into which the pending rows before
// t0+range are folded (in arrival order); the rest stay pending, possibly
// opening the next window at once. A row that falls in a
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

// pendRow is a pending stagger row: its event time, arrival number, and
// where its values are (row of chunk).
type pendRow struct {
	ts    int64
	seq   uint64
	chunk uint32
	row   int32
}

// pendChunk holds the aggregate arguments of one input batch (nil for
// COUNT(*)) while some of its rows are pending.
type pendChunk struct {
	args  []arrow.Array
	refs  int    // pending rows of the batch
	rank  uint64 // chunks are made in increasing rank
	bytes int
}

// pendFold is a pending row to fold into slot.
type pendFold struct {
	seq   uint64
	chunk uint32
	row   int32
	slot  uint32
}

// pendEntry queues a key with pending rows by the time of its first one;
// gen invalidates entries superseded since (pendGen).
type pendEntry struct {
	ts       int64
	key, gen uint32
}

func (a pendEntry) less(b pendEntry) bool {
	return a.ts < b.ts || (a.ts == b.ts && a.key < b.key)
}

// pendHeap is a binary min-heap of keys by their first pending row.
type pendHeap []pendEntry

func (h *pendHeap) push(e pendEntry) {
	*h = append(*h, e)
	siftUp(*h, len(*h)-1, pendEntry.less)
}

func (h *pendHeap) pop() pendEntry {
	old := *h
	top := old[0]
	n := len(old) - 1
	old[0] = old[n]
	*h = old[:n]
	siftDown(*h, 0, pendEntry.less)
	return top
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

// addPending records row r of the batch being added, of key k at t, as
// pending; the batch's arguments are args.
func (s *keyedState) addPending(k uint32, t int64, r int32, args []arrow.Array) {
	if s.curChunk < 0 {
		s.curChunk = int32(s.newChunk(args))
	}
	s.chunks[s.curChunk].refs++
	s.seq++
	row := pendRow{ts: t, seq: s.seq, chunk: uint32(s.curChunk), row: r}
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
}

// newChunk retains args (nil entries stay nil) as a chunk and returns its
// id.
func (s *keyedState) newChunk(args []arrow.Array) uint32 {
	s.chunkRank++
	c := pendChunk{args: make([]arrow.Array, len(args)), rank: s.chunkRank}
	for i, a := range args {
		if a != nil {
			a.Retain()
			c.args[i] = a
			c.bytes += arrayBytes(a.Data())
		}
	}
	s.chunkBytes += c.bytes
	if n := len(s.chunkFree); n > 0 {
		id := s.chunkFree[n-1]
		s.chunkFree = s.chunkFree[:n-1]
		s.chunks[id] = c
		return id
	}
	s.chunks = append(s.chunks, c)
	return uint32(len(s.chunks) - 1)
}

// unref drops n pending rows of chunk id, releasing it after its last.
func (s *keyedState) unref(id uint32, n int) {
	c := &s.chunks[id]
	c.refs -= n
	if c.refs > 0 {
		return
	}
	release(c.args)
	s.chunkBytes -= c.bytes
	*c = pendChunk{}
	s.chunkFree = append(s.chunkFree, id)
}

// release releases every chunk (the operator is closing, or the state is
// replaced by a restore).
func (s *keyedState) release() {
	for i := range s.chunks {
		release(s.chunks[i].args)
		s.chunks[i] = pendChunk{}
	}
	s.chunks, s.chunkFree, s.chunkBytes = nil, nil, 0
}

// releaseState releases the arrays st retains, if any.
func releaseState(st windowState) {
	if r, ok := st.(interface{ release() }); ok {
		r.release()
	}
}

// foldPending folds the rows fs into their slots with one Update per
// chunk; consume drops the rows from their chunks. The rows of each slot
// must come in arrival order in fs: chunks are folded in the order they
// were made, and the rows of each chunk in the order of fs (a stable
// bucket sort), so every slot receives its rows in arrival order, as a
// restored state, whose pending rows are all in one chunk, would too.
func (s *keyedState) foldPending(fs []pendFold, consume bool) error {
	if len(fs) == 0 {
		return nil
	}
	if len(s.chunkPos) < len(s.chunks) {
		s.chunkPos = append(s.chunkPos, make([]int, len(s.chunks)-len(s.chunkPos))...)
	}
	ids := s.chunkIDs[:0]
	for _, f := range fs {
		if s.chunkPos[f.chunk] == 0 {
			ids = append(ids, f.chunk)
		}
		s.chunkPos[f.chunk]++
	}
	slices.SortFunc(ids, func(a, b uint32) int { return cmp.Compare(s.chunks[a].rank, s.chunks[b].rank) })
	// chunkPos becomes each chunk's next position in rows and slots.
	off := 0
	for _, c := range ids {
		n := s.chunkPos[c]
		s.chunkPos[c] = off
		off += n
	}
	rows := slices.Grow(s.foldRows[:0], len(fs))[:len(fs)]
	slots := slices.Grow(s.foldSlots[:0], len(fs))[:len(fs)]
	for _, f := range fs {
		at := s.chunkPos[f.chunk]
		rows[at], slots[at] = f.row, f.slot
		s.chunkPos[f.chunk]++
	}
	s.foldRows, s.foldSlots, s.chunkIDs = rows[:0], slots[:0], ids[:0]
	lo := 0
	var err error
	for _, c := range ids {
		hi := s.chunkPos[c]
		s.chunkPos[c] = 0
		if err != nil {
			continue
		}
		for a, acc := range s.accs {
			if err = acc.Update(s.chunks[c].args[a], rows[lo:hi], slots[lo:hi]); err != nil {
				break
			}
		}
		if consume && err == nil {
			s.unref(c, hi-lo)
		}
		lo = hi
	}
	return err
}

// queuePending (re)queues key k, which has pending rows, at its first
// one's time.
func (s *keyedState) queuePending(k uint32) {
	s.pendGen[k]++
	s.pendq.push(pendEntry{ts: s.pend[k][0].ts, key: k, gen: s.pendGen[k]})
}

// windowEnd is t0+range, saturated.
func (s *keyedState) windowEnd(t0 int64) int64 {
	if t0 > math.MaxInt64-s.a.size {
		return math.MaxInt64
	}
	return t0 + s.a.size
}

// appendFolds appends the pending rows grp, all for slot, to fs in arrival
// order (grp is in event-time order: the same unless rows came out of
// order).
func appendFolds(fs []pendFold, grp []pendRow, slot uint32) []pendFold {
	n := len(fs)
	sorted := true
	for i, r := range grp {
		sorted = sorted && (i == 0 || r.seq > grp[i-1].seq)
		fs = append(fs, pendFold{seq: r.seq, chunk: r.chunk, row: r.row, slot: slot})
	}
	if !sorted {
		slices.SortFunc(fs[n:], func(a, b pendFold) int { return cmp.Compare(a.seq, b.seq) })
	}
	return fs
}

// openPending opens a window for every key whose first pending row is at
// or below emit and folds the pending rows it holds into it; a key whose
// next pending row is then also at or below emit opens its next window too.
// Keys open in (time, key id) order, so slots are given out the same way
// whatever the heap's layout.
func (s *keyedState) openPending(emit int64) error {
	fs := s.folds[:0]
	for len(s.pendq) > 0 {
		top := s.pendq[0]
		k := top.key
		if top.gen != s.pendGen[k] || len(s.pend[k]) == 0 {
			s.pendq.pop()
			continue
		}
		if top.ts > emit {
			break
		}
		s.pendq.pop()
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
		fs = appendFolds(fs, p[:j], slot)
		n := copy(p, p[j:])
		s.pend[k] = p[:n]
		s.npend -= j
		if n > 0 {
			s.queuePending(k)
		}
	}
	s.folds = fs[:0]
	return s.foldPending(fs, true)
}

// pendingWindows appends to slots, starts and ends the windows the pending
// rows would form if no other row came, each in a temporary slot holding
// their values (the rows stay pending), and returns the temporary slots
// (the caller frees them with freeSlots once the results are built).
func (s *keyedState) pendingWindows(slots *[]uint32, starts, ends *[]int64) ([]uint32, error) {
	if s.npend == 0 {
		return nil, nil
	}
	var tmp []uint32
	var fs []pendFold
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
			fs = appendFolds(fs, p[i:j], slot)
			*slots = append(*slots, slot)
			*starts = append(*starts, t0)
			*ends = append(*ends, end)
			i = j
		}
	}
	if err := s.foldPending(fs, false); err != nil {
		s.freeSlots(tmp)
		return nil, err
	}
	return tmp, nil
}

// pendingBytes counts the pending rows' lists (a slice header per key, 24
// bytes a row at capacity), the key queue, the generations, the folding
// scratch and the chunks with the buffers of the arguments they retain.
func (s *keyedState) pendingBytes() int {
	return 24*(cap(s.pend)+s.pendCap) + 16*cap(s.pendq) + 4*(cap(s.pendGen)+cap(s.foldRows)+cap(s.foldSlots)) +
		56*cap(s.chunks) + 4*(cap(s.chunkFree)+cap(s.chunkIDs)) + 8*cap(s.chunkPos) + 24*cap(s.folds) + s.chunkBytes
}
