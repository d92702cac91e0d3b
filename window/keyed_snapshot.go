package window

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// keyedHeader gives the row counts of a session/stagger snapshot's
// sections, which follow in this order: the key table's free ids, its live
// keys (when there are key columns), every slot (key id, generation, end,
// open, largest event time, fired, emitted, dirty, then the accumulators'
// state), the free slots, the windows (key id, start, end, slot, by key id
// then start), the end heap of open windows and the heap of fired windows
// kept for the retention floor (end, slot, generation, in heap order), the
// dirty slots, then, when Pending > 0, the pending stagger rows in arrival
// order (key id, event time, arrival number, then the argument of each
// aggregate that has one). Ids are kept as they were, so windows close and
// are reported in the same order after a restore. EmitWM is the emission
// watermark of the last close, Seq the arrival number of the last pending
// row.
type keyedHeader struct {
	Keys, KeyFree   int
	Slots, SlotFree int
	Windows, Heap   int
	Retain, Dirty   int
	EmitWM          int64
	Pending         int    `json:",omitempty"`
	Seq             uint64 `json:",omitempty"`
}

var keyedPendTypes = []arrow.DataType{
	arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64,
}

var keyedSlotTypes = []arrow.DataType{
	arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint32,
	arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Boolean,
	arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Boolean,
	arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Boolean,
}

var keyedWindowTypes = []arrow.DataType{
	arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Int64,
	arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint32,
}

var keyedHeapTypes = []arrow.DataType{
	arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint32,
}

func (s *keyedState) snapshotHeader(h *groupByHeader) {
	nw := 0
	for _, ws := range s.windows {
		nw += len(ws)
	}
	h.Keyed = &keyedHeader{
		Keys: s.keys.Len(), KeyFree: len(s.keys.FreeIDs(nil)),
		Slots: len(s.slotKey), SlotFree: len(s.free),
		Windows: nw, Heap: len(s.ends),
		Retain: len(s.retain), Dirty: len(s.dirty), EmitWM: s.emitWM,
		Pending: s.npend, Seq: s.seq,
	}
}

func (s *keyedState) writeState(w *snapWriter) error {
	if err := w.uint32s(s.keys.FreeIDs(nil)); err != nil {
		return err
	}
	if len(s.keys.KeyTypes()) > 0 {
		keys, err := s.keys.KeyArrays(s.mem, s.keys.LiveIDs(nil))
		if err != nil {
			return err
		}
		err = w.record(keys, s.keys.Len())
		release(keys)
		if err != nil {
			return err
		}
	}
	if err := s.writeSlots(w); err != nil {
		return err
	}
	if err := w.uint32s(s.free); err != nil {
		return err
	}
	var wk, wslot []uint32
	var wstart, wend []int64
	for k, ws := range s.windows {
		for _, x := range ws {
			wk = append(wk, uint32(k))
			wstart = append(wstart, x.start)
			wend = append(wend, x.end)
			wslot = append(wslot, x.slot)
		}
	}
	cols := []arrow.Array{uint32Array(s.mem, wk), int64Array(s.mem, wstart), int64Array(s.mem, wend), uint32Array(s.mem, wslot)}
	err := w.record(cols, len(wk))
	release(cols)
	if err != nil {
		return err
	}
	if err := s.writeHeap(w, s.ends); err != nil {
		return err
	}
	if err := s.writeHeap(w, s.retain); err != nil {
		return err
	}
	if err := w.uint32s(s.dirty); err != nil {
		return err
	}
	if s.npend == 0 {
		return nil
	}
	return s.writePending(w)
}

// writePending writes the pending rows in arrival order: key id, event
// time, arrival number, then the argument of each aggregate that has one.
func (s *keyedState) writePending(w *snapWriter) error {
	type keyed struct {
		k uint32
		r pendRow
	}
	all := make([]keyed, 0, s.npend)
	for k, p := range s.pend {
		for _, r := range p {
			all = append(all, keyed{uint32(k), r})
		}
	}
	slices.SortFunc(all, func(a, b keyed) int { return cmp.Compare(a.r.seq, b.r.seq) })
	pk := make([]uint32, len(all))
	pts := make([]int64, len(all))
	pseq := make([]int64, len(all))
	rows := make([]pendRow, len(all))
	for i, x := range all {
		pk[i], pts[i], pseq[i], rows[i] = x.k, x.r.ts, int64(x.r.seq), x.r
	}
	cols := []arrow.Array{uint32Array(s.mem, pk), int64Array(s.mem, pts), int64Array(s.mem, pseq)}
	defer func() { release(cols) }()
	for a, t := range s.argTypes {
		if t == nil {
			continue
		}
		col, err := s.takePending(rows, a)
		if err != nil {
			return err
		}
		cols = append(cols, col)
	}
	return w.record(cols, len(all))
}

// takePending returns the values of aggregate a's argument at rows, a
// run of rows of one chunk at a time; the caller releases it.
func (s *keyedState) takePending(rows []pendRow, a int) (arrow.Array, error) {
	ctx := compute.WithAllocator(context.Background(), s.mem)
	var parts []arrow.Array
	defer func() { release(parts) }()
	for i := 0; i < len(rows); {
		c := rows[i].chunk
		b := array.NewInt32Builder(s.mem)
		j := i
		for ; j < len(rows) && rows[j].chunk == c; j++ {
			b.Append(rows[j].row)
		}
		idx := b.NewArray()
		b.Release()
		part, err := compute.TakeArray(ctx, s.chunks[c].args[a], idx)
		idx.Release()
		if err != nil {
			return nil, fmt.Errorf("pending rows: %w", err)
		}
		parts = append(parts, part)
		i = j
	}
	if len(parts) == 1 {
		parts[0].Retain()
		return parts[0], nil
	}
	return array.Concatenate(parts, s.mem)
}

func (s *keyedState) writeHeap(w *snapWriter, h endHeap) error {
	hend := make([]int64, len(h))
	hslot := make([]uint32, len(h))
	hgen := make([]uint32, len(h))
	for i, e := range h {
		hend[i], hslot[i], hgen[i] = e.end, e.slot, e.gen
	}
	cols := []arrow.Array{int64Array(s.mem, hend), uint32Array(s.mem, hslot), uint32Array(s.mem, hgen)}
	err := w.record(cols, len(hend))
	release(cols)
	return err
}

func (s *keyedState) writeSlots(w *snapWriter) error {
	n := len(s.slotKey)
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i)
	}
	cols := []arrow.Array{uint32Array(s.mem, s.slotKey), uint32Array(s.mem, s.slotGen), int64Array(s.mem, s.slotEnd), boolArray(s.mem, s.slotOK),
		int64Array(s.mem, s.slotMax), boolArray(s.mem, s.slotFired), boolArray(s.mem, s.slotEmitted), boolArray(s.mem, s.slotDirty)}
	defer func() { release(cols) }()
	for _, acc := range s.accs {
		st, err := acc.State(s.mem, ids)
		if err != nil {
			return err
		}
		cols = append(cols, st...)
	}
	return w.record(cols, n)
}

func (s *keyedState) slotTypes() []arrow.DataType {
	types := append([]arrow.DataType(nil), keyedSlotTypes...)
	for _, acc := range s.accs {
		types = append(types, acc.StateTypes()...)
	}
	return types
}

func (s *keyedState) loadState(r *snapReader, h *groupByHeader) error {
	kh := h.Keyed
	if kh == nil || h.Panes != nil {
		return fmt.Errorf("%w: not a session or stagger window snapshot", ErrSnapshot)
	}
	if kh.Keys < 0 || kh.KeyFree < 0 || kh.Slots < 0 || kh.SlotFree < 0 || kh.Windows < 0 || kh.Heap < 0 || kh.Retain < 0 || kh.Dirty < 0 || kh.Pending < 0 {
		return fmt.Errorf("%w: negative count", ErrSnapshot)
	}
	if kh.Pending > 0 && s.a.kind != kindStagger {
		return fmt.Errorf("%w: pending rows in a session window snapshot", ErrSnapshot)
	}
	if kh.Pending > math.MaxInt32 {
		return fmt.Errorf("%w: %d pending rows", ErrSnapshot, kh.Pending)
	}
	keyFree, err := r.uint32s(kh.KeyFree)
	if err != nil {
		return err
	}
	var keyCols []arrow.Array
	if types := s.keys.KeyTypes(); len(types) > 0 {
		rec, err := r.record(types, kh.Keys)
		if err != nil {
			return err
		}
		defer rec.Release()
		keyCols = rec.Columns()
	}
	if err := s.keys.Load(keyCols, kh.Keys, keyFree); err != nil {
		return err
	}
	liveKey := make([]bool, s.keys.Cap())
	for _, id := range s.keys.LiveIDs(nil) {
		liveKey[id] = true
	}
	if err := s.loadSlots(r, kh.Slots, liveKey); err != nil {
		return err
	}
	if s.free, err = r.uint32s(kh.SlotFree); err != nil {
		return err
	}
	isFree := make([]bool, len(s.slotKey))
	for _, slot := range s.free {
		if int(slot) >= len(isFree) || isFree[slot] || s.slotOK[slot] {
			return fmt.Errorf("%w: bad free slot %d", ErrSnapshot, slot)
		}
		isFree[slot] = true
	}
	if err := s.loadWindows(r, kh.Windows, liveKey); err != nil {
		return err
	}
	if s.ends, err = s.loadHeap(r, kh.Heap); err != nil {
		return err
	}
	if s.retain, err = s.loadHeap(r, kh.Retain); err != nil {
		return err
	}
	if s.dirty, err = r.uint32s(kh.Dirty); err != nil {
		return err
	}
	for _, slot := range s.dirty {
		if int(slot) >= len(s.slotKey) {
			return fmt.Errorf("%w: dirty mark of unknown slot %d", ErrSnapshot, slot)
		}
	}
	if kh.Pending > 0 {
		if err := s.loadPending(r, kh.Pending, liveKey); err != nil {
			return err
		}
	}
	s.seq = max(s.seq, kh.Seq)
	if len(s.free)+s.nlive != len(s.slotKey) {
		return fmt.Errorf("%w: %d free and %d open slots of %d", ErrSnapshot, len(s.free), s.nlive, len(s.slotKey))
	}
	if kh.Windows != s.nlive {
		return fmt.Errorf("%w: %d windows for %d open slots", ErrSnapshot, kh.Windows, s.nlive)
	}
	for k, live := range liveKey {
		if live && len(s.windows[k]) == 0 && (s.pend == nil || len(s.pend[k]) == 0) {
			return fmt.Errorf("%w: key %d has no window", ErrSnapshot, k)
		}
	}
	if err := s.checkQueued(); err != nil {
		return err
	}
	s.emitWM = kh.EmitWM
	s.growKeys()
	return nil
}

// loadPending reads n pending rows into one chunk (its arguments copied to
// the operator's allocator).
func (s *keyedState) loadPending(r *snapReader, n int, liveKey []bool) error {
	types := slices.Clone(keyedPendTypes)
	for _, t := range s.argTypes {
		if t != nil {
			types = append(types, t)
		}
	}
	rec, err := r.record(types, n)
	if err != nil {
		return err
	}
	defer rec.Release()
	keys := rec.Column(0).(*array.Uint32).Uint32Values()
	ts := rec.Column(1).(*array.Int64).Int64Values()
	seqs := rec.Column(2).(*array.Int64).Int64Values()
	s.pend = make([][]pendRow, s.keys.Cap())
	s.pendGen = make([]uint32, s.keys.Cap())
	for i := range n {
		k := keys[i]
		if int(k) >= len(s.pend) || int(k) >= len(liveKey) || !liveKey[k] {
			return fmt.Errorf("%w: pending row of unknown key %d", ErrSnapshot, k)
		}
		if seqs[i] < 0 {
			return fmt.Errorf("%w: pending row %d has a negative arrival number", ErrSnapshot, i)
		}
		s.pend[k] = append(s.pend[k], pendRow{ts: ts[i], seq: uint64(seqs[i]), chunk: 0, row: int32(i)})
		s.seq = max(s.seq, uint64(seqs[i]))
	}
	c := pendChunk{args: make([]arrow.Array, len(s.argTypes)), refs: n}
	col := len(keyedPendTypes)
	for a, t := range s.argTypes {
		if t == nil {
			continue
		}
		// A copy in the operator's allocator, so the snapshot's buffers are
		// not kept alive.
		if c.args[a], err = array.Concatenate([]arrow.Array{rec.Column(col)}, s.mem); err != nil {
			release(c.args)
			return fmt.Errorf("%w: pending rows: %v", ErrSnapshot, err)
		}
		c.bytes += arrayBytes(c.args[a].Data())
		col++
	}
	s.chunks, s.chunkBytes = []pendChunk{c}, c.bytes
	s.npend = n
	for k, p := range s.pend {
		if len(p) == 0 {
			continue
		}
		slices.SortFunc(p, func(a, b pendRow) int {
			if a.ts != b.ts {
				return cmp.Compare(a.ts, b.ts)
			}
			return cmp.Compare(a.seq, b.seq)
		})
		s.pendCap += cap(p)
		s.queuePending(uint32(k))
	}
	return nil
}

func (s *keyedState) loadSlots(r *snapReader, n int, liveKey []bool) error {
	rec, err := r.record(s.slotTypes(), n)
	if err != nil {
		return err
	}
	defer rec.Release()
	s.slotKey = append([]uint32(nil), rec.Column(0).(*array.Uint32).Uint32Values()...)
	s.slotGen = append([]uint32(nil), rec.Column(1).(*array.Uint32).Uint32Values()...)
	s.slotEnd = append([]int64(nil), rec.Column(2).(*array.Int64).Int64Values()...)
	s.slotMax = append([]int64(nil), rec.Column(4).(*array.Int64).Int64Values()...)
	flag := func(c int, i int) bool {
		b := rec.Column(c).(*array.Boolean)
		return b.IsValid(i) && b.Value(i)
	}
	s.slotOK = make([]bool, n)
	s.slotFired = make([]bool, n)
	s.slotEmitted = make([]bool, n)
	s.slotDirty = make([]bool, n)
	s.nlive = 0
	for i := range n {
		s.slotOK[i] = flag(3, i)
		if !s.slotOK[i] {
			continue
		}
		s.slotFired[i], s.slotEmitted[i], s.slotDirty[i] = flag(5, i), flag(6, i), flag(7, i)
		s.nlive++
		if k := s.slotKey[i]; int(k) >= len(liveKey) || !liveKey[k] {
			return fmt.Errorf("%w: open slot %d of unknown key %d", ErrSnapshot, i, k)
		}
	}
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i)
	}
	cols := rec.Columns()[len(keyedSlotTypes):]
	for i, acc := range s.accs {
		k := len(acc.StateTypes())
		acc.Grow(n)
		if err := acc.LoadState(cols[:k], ids); err != nil {
			return fmt.Errorf("aggregate %d: %w", i, err)
		}
		cols = cols[k:]
	}
	return nil
}

func (s *keyedState) loadWindows(r *snapReader, n int, liveKey []bool) error {
	rec, err := r.record(keyedWindowTypes, n)
	if err != nil {
		return err
	}
	defer rec.Release()
	keys := rec.Column(0).(*array.Uint32).Uint32Values()
	starts := rec.Column(1).(*array.Int64).Int64Values()
	ends := rec.Column(2).(*array.Int64).Int64Values()
	slots := rec.Column(3).(*array.Uint32).Uint32Values()
	s.windows = make([][]keyedWindow, s.keys.Cap())
	used := make([]bool, len(s.slotKey))
	for i := range n {
		k, slot := keys[i], slots[i]
		if int(k) >= len(liveKey) || !liveKey[k] {
			return fmt.Errorf("%w: window of unknown key %d", ErrSnapshot, k)
		}
		if int(slot) >= len(used) || used[slot] || !s.slotOK[slot] || s.slotKey[slot] != k || s.slotEnd[slot] != ends[i] {
			return fmt.Errorf("%w: window %d does not match its slot %d", ErrSnapshot, i, slot)
		}
		if starts[i] > ends[i] {
			return fmt.Errorf("%w: window %d ends before it starts", ErrSnapshot, i)
		}
		used[slot] = true
		s.windows[k] = append(s.windows[k], keyedWindow{start: starts[i], end: ends[i], slot: slot})
	}
	return nil
}

func (s *keyedState) loadHeap(r *snapReader, n int) (endHeap, error) {
	rec, err := r.record(keyedHeapTypes, n)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	ends := rec.Column(0).(*array.Int64).Int64Values()
	slots := rec.Column(1).(*array.Uint32).Uint32Values()
	gens := rec.Column(2).(*array.Uint32).Uint32Values()
	h := make(endHeap, n)
	for i := range n {
		if int(slots[i]) >= len(s.slotKey) {
			return nil, fmt.Errorf("%w: heap entry of unknown slot %d", ErrSnapshot, slots[i])
		}
		h[i] = endEntry{end: ends[i], slot: slots[i], gen: gens[i]}
	}
	// A no-op on the heap Snapshot wrote; it repairs the order otherwise.
	h.init()
	return h, nil
}

// checkQueued checks that every window waits in the right heap: an open
// one to fire, a fired one to be freed.
func (s *keyedState) checkQueued() error {
	queued := make([]bool, len(s.slotKey))
	mark := func(h endHeap, fired bool) {
		for _, e := range h {
			if s.slotOK[e.slot] && s.slotGen[e.slot] == e.gen && s.slotFired[e.slot] == fired {
				queued[e.slot] = true
			}
		}
	}
	mark(s.ends, false)
	mark(s.retain, true)
	for slot, ok := range s.slotOK {
		if ok && !queued[slot] {
			return fmt.Errorf("%w: open slot %d is not queued to close", ErrSnapshot, slot)
		}
	}
	return nil
}
