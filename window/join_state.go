package window

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// joinSide is one input of a join and the rows of it held for matching.
// The rows stay in the batches they came in (retained, columnar); a slot
// says where each held row is, with its event time, key id, arrival
// sequence number and whether it matched.
type joinSide struct {
	in       exec.Operator
	keys     []exec.Expr
	timeIdx  int
	explicit bool // the time column is ROWTIME: explicit watermarks apply
	right    bool
	outer    bool  // unmatched rows are emitted (padded with NULLs)
	cols     []int // input columns in the output: all but ROWTIME
	tracker  *Tracker

	emit, floor         int64
	ended, eof, stopped bool
	ch                  chan sideMsg
	ack                 chan struct{}

	chunks     []joinChunk
	freeChunks []int32
	// per slot
	chunk     []int32
	row       []int32
	ts        []int64
	key       []int32 // key id; −1: a NULL key, matches nothing
	seq       []int64
	matched   []bool
	freeSlots []int32
	byKey     [][]int32 // key id → held slots, in arrival order
	order     slotHeap  // held slots by event time
	live      int
	nextSeq   int64
	chunkSize int

	acc []int32 // scratch
}

type joinChunk struct {
	b    arrow.RecordBatch // nil when free
	live int
	size int
}

// slotBytes is the bookkeeping per held row besides the row itself.
const slotBytes = 4 + 4 + 8 + 4 + 8 + 1 + 16 + 4

func newJoinSide(in exec.Operator, timeCol string, keys []exec.Expr, right, outer bool) (*joinSide, error) {
	sc := in.Schema()
	name := timeCol
	if name == "" {
		name = exec.RowtimeColumn
	}
	idx := sc.FieldIndices(name)
	if len(idx) != 1 {
		return nil, fmt.Errorf("window: join: event-time column %q not found once in the %s input", name, sideName(right))
	}
	if tt, ok := sc.Field(idx[0]).Type.(*arrow.TimestampType); !ok || tt.Unit != arrow.Millisecond {
		return nil, fmt.Errorf("window: join: event-time column %q is %s, want timestamp[ms]", name, sc.Field(idx[0]).Type)
	}
	s := &joinSide{in: in, keys: keys, timeIdx: idx[0], explicit: name == exec.RowtimeColumn, right: right, outer: outer,
		emit: math.MinInt64, floor: math.MinInt64}
	for i, f := range sc.Fields() {
		if f.Name != exec.RowtimeColumn {
			s.cols = append(s.cols, i)
		}
	}
	return s, nil
}

func sideName(right bool) string {
	if right {
		return "right"
	}
	return "left"
}

func (s *joinSide) bytes() int { return s.chunkSize + s.live*slotBytes }

// addChunk keeps b (retaining it) and returns its chunk id.
func (s *joinSide) addChunk(b arrow.RecordBatch) int32 {
	b.Retain()
	c := joinChunk{b: b, size: int(exec.RecordBytes(b))}
	s.chunkSize += c.size
	if n := len(s.freeChunks); n > 0 {
		id := s.freeChunks[n-1]
		s.freeChunks = s.freeChunks[:n-1]
		s.chunks[id] = c
		return id
	}
	s.chunks = append(s.chunks, c)
	return int32(len(s.chunks) - 1)
}

// hold adds a held row and returns its slot.
func (s *joinSide) hold(chunk, row int32, ts int64, key int32, seq int64) int32 {
	var slot int32
	if n := len(s.freeSlots); n > 0 {
		slot = s.freeSlots[n-1]
		s.freeSlots = s.freeSlots[:n-1]
		s.chunk[slot], s.row[slot], s.ts[slot], s.key[slot], s.seq[slot], s.matched[slot] = chunk, row, ts, key, seq, false
	} else {
		slot = int32(len(s.chunk))
		s.chunk = append(s.chunk, chunk)
		s.row = append(s.row, row)
		s.ts = append(s.ts, ts)
		s.key = append(s.key, key)
		s.seq = append(s.seq, seq)
		s.matched = append(s.matched, false)
	}
	s.chunks[chunk].live++
	if key >= 0 {
		for int(key) >= len(s.byKey) {
			s.byKey = append(s.byKey, nil)
		}
		s.byKey[key] = append(s.byKey[key], slot)
	}
	heap.Push(&s.order, slotTime{ts: ts, seq: seq, slot: slot})
	s.live++
	return slot
}

// drop frees a held slot; it reports whether its key has no held row left.
func (s *joinSide) drop(slot int32) (keyGone bool) {
	if k := s.key[slot]; k >= 0 {
		l := s.byKey[k]
		if i := slices.Index(l, slot); i >= 0 {
			l = slices.Delete(l, i, i+1)
		}
		if len(l) == 0 {
			l = nil
			keyGone = true
		}
		s.byKey[k] = l
	}
	c := &s.chunks[s.chunk[slot]]
	c.live--
	if c.live == 0 {
		c.b.Release()
		s.chunkSize -= c.size
		*c = joinChunk{}
		s.freeChunks = append(s.freeChunks, s.chunk[slot])
	}
	s.freeSlots = append(s.freeSlots, slot)
	s.live--
	return keyGone
}

// holds reports whether the side holds a row of key id k.
func (s *joinSide) holds(k int32) bool { return int(k) < len(s.byKey) && len(s.byKey[k]) > 0 }

// reset releases everything held.
func (s *joinSide) reset() {
	for i := range s.chunks {
		if s.chunks[i].b != nil {
			s.chunks[i].b.Release()
		}
	}
	s.chunks, s.freeChunks = nil, nil
	s.chunk, s.row, s.ts, s.key, s.seq, s.matched, s.freeSlots = nil, nil, nil, nil, nil, nil, nil
	s.byKey, s.order = nil, nil
	s.live, s.chunkSize = 0, 0
}

type slotTime struct {
	ts, seq int64
	slot    int32
}

// slotHeap orders held rows by event time, then arrival.
type slotHeap []slotTime

func (h slotHeap) Len() int { return len(h) }
func (h slotHeap) Less(i, j int) bool {
	return h[i].ts < h[j].ts || h[i].ts == h[j].ts && h[i].seq < h[j].seq
}
func (h slotHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *slotHeap) Push(x any)   { *h = append(*h, x.(slotTime)) }
func (h *slotHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// add takes one batch of side: sets late rows aside, matches the on-time
// ones with the other side's held rows, and holds them.
func (o *join) add(ctx context.Context, side int, b arrow.RecordBatch, origin exec.Origin) error {
	acc, ts, keyArrs, err := o.admit(side, b, origin, "join")
	defer release(keyArrs)
	if err != nil || len(acc) == 0 {
		return err
	}
	return o.match(ctx, side, b, acc, ts, keyArrs, o.ids, nil)
}

// match matches the on-time rows acc of b, a batch of side (ts its event
// times, keyArrs its keys, ids the key id of each row of acc), with the
// other side's held rows, and holds them, numbered seqs (nil: the side's
// next arrival numbers).
func (o *join) match(ctx context.Context, side int, b arrow.RecordBatch, acc []int32, ts []int64, keyArrs []arrow.Array, ids []uint32, seqs []int64) error {
	s, other := o.sides[side], o.sides[1-side]
	// Match with the other side's held rows, then hold the new ones.
	var mine, theirs []int32 // pairs: batch row, other side's slot
	slots := make([]int32, len(acc))
	chunk := s.addChunk(b)
	for k, i := range acc {
		key := int32(ids[k])
		for _, a := range keyArrs {
			if a.IsNull(int(i)) {
				key = -1
				break
			}
		}
		if key >= 0 && int(key) < len(other.byKey) {
			t := ts[i]
			for _, slot := range other.byKey[key] {
				d := t - other.ts[slot] // l − r
				if s.right {
					d = -d
				}
				if d >= o.lower && d <= o.upper {
					mine = append(mine, i)
					theirs = append(theirs, slot)
				}
			}
		}
		if seqs != nil {
			slots[k] = s.hold(chunk, i, ts[i], key, seqs[k])
		} else {
			slots[k] = s.hold(chunk, i, ts[i], key, s.nextSeq)
			s.nextSeq++
		}
		if k&4095 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if len(mine) == 0 {
		return nil
	}
	// the slot of each matched batch row
	slotOf := make(map[int32]int32, len(mine))
	for k, i := range acc {
		slotOf[i] = slots[k]
	}
	return o.pairs(ctx, side, b, mine, theirs, slotOf)
}

// pairs builds the output rows of matched pairs (rows mine of b, slots
// theirs of the other side), one piece per chunk of the other side, keeps
// those the residual accepts for emission, and marks both rows matched.
func (o *join) pairs(ctx context.Context, side int, b arrow.RecordBatch, mine, theirs []int32, slotOf map[int32]int32) error {
	s, other := o.sides[side], o.sides[1-side]
	order := make([]int, len(mine))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int { return int(other.chunk[theirs[x]]) - int(other.chunk[theirs[y]]) })
	for start := 0; start < len(order); {
		c := other.chunk[theirs[order[start]]]
		end := start
		for end < len(order) && other.chunk[theirs[order[end]]] == c {
			end++
		}
		run := order[start:end]
		rowsMine := make([]int32, len(run))
		rowsTheirs := make([]int32, len(run))
		rt := make([]int64, len(run))
		seqs := [2][]int64{make([]int64, len(run)), make([]int64, len(run))}
		for k, p := range run {
			my, their := slotOf[mine[p]], theirs[p]
			rowsMine[k], rowsTheirs[k] = mine[p], other.row[their]
			rt[k] = max(s.ts[my], other.ts[their])
			seqs[side][k], seqs[1-side][k] = s.seq[my], other.seq[their]
		}
		var cols [2][]arrow.Array
		var err error
		if cols[side], err = takeCols(ctx, o.cfg.Alloc, b, s.cols, rowsMine); err != nil {
			return err
		}
		if cols[1-side], err = takeCols(ctx, o.cfg.Alloc, other.chunks[c].b, other.cols, rowsTheirs); err != nil {
			release(cols[side])
			return err
		}
		p := &joinPiece{cols: append(append(cols[0], cols[1]...), tsArray(o.cfg.Alloc, rt)), rt: rt, ls: seqs[0], rs: seqs[1]}
		keep, err := o.residual(ctx, p)
		if err != nil {
			p.release()
			return err
		}
		for k, pi := range run {
			if keep == nil || keep[k] {
				s.matched[slotOf[mine[pi]]] = true
				other.matched[theirs[pi]] = true
			}
		}
		if keep != nil {
			if p, err = p.filter(ctx, o.cfg.Alloc, keep); err != nil {
				return err
			}
		}
		o.pend.add(p)
		start = end
	}
	return nil
}

// residual evaluates the residual condition over piece p: nil when there is
// none (every row is kept), else which rows are kept.
func (o *join) residual(ctx context.Context, p *joinPiece) ([]bool, error) {
	if o.cfg.Residual == nil {
		return nil, nil
	}
	rec := array.NewRecordBatch(o.schema, p.cols, int64(len(p.rt)))
	defer rec.Release()
	v, err := o.cfg.Residual.Eval(o.ec, rec)
	if err != nil {
		return nil, fmt.Errorf("window: join: condition: %w", err)
	}
	defer v.Release()
	bv := v.(*array.Boolean)
	keep := make([]bool, len(p.rt))
	for i := range keep {
		keep[i] = bv.IsValid(i) && bv.Value(i)
	}
	return keep, nil
}

// expire frees the rows of side whose event time is at or below limit
// (the other side can no longer match them); unmatched rows of an outer
// side are emitted first, padded with NULLs.
func (o *join) expire(side int, limit int64) error {
	s := o.sides[side]
	var gone []int32
	for len(s.order) > 0 && s.order[0].ts <= limit {
		gone = append(gone, heap.Pop(&s.order).(slotTime).slot)
	}
	if len(gone) == 0 {
		return nil
	}
	if s.outer {
		var unmatched []int32
		for _, slot := range gone {
			if !s.matched[slot] {
				unmatched = append(unmatched, slot)
			}
		}
		if err := o.unmatched(side, unmatched); err != nil {
			return err
		}
	}
	other := o.sides[1-side]
	var freed []uint32
	for _, slot := range gone {
		k := s.key[slot]
		if s.drop(slot) && !other.holds(k) {
			freed = append(freed, uint32(k))
		}
	}
	if len(freed) > 0 && o.nkeys > 0 {
		o.keys.Delete(freed)
	}
	return nil
}

// unmatched emits held rows slots of side padded with NULLs for the other
// side, stamped with the later of their event time and the bound past
// which nothing can match them.
func (o *join) unmatched(side int, slots []int32) error {
	if len(slots) == 0 {
		return nil
	}
	s, other := o.sides[side], o.sides[1-side]
	shift := -o.lower // a left row could match right rows up to l − Lower
	if side == 1 {
		shift = o.upper // a right row, left rows up to r + Upper
	}
	slices.SortStableFunc(slots, func(x, y int32) int { return int(s.chunk[x]) - int(s.chunk[y]) })
	for start := 0; start < len(slots); {
		c := s.chunk[slots[start]]
		end := start
		for end < len(slots) && s.chunk[slots[end]] == c {
			end++
		}
		run := slots[start:end]
		rows := make([]int32, len(run))
		rt := make([]int64, len(run))
		seqs := [2][]int64{make([]int64, len(run)), make([]int64, len(run))}
		for k, slot := range run {
			rows[k] = s.row[slot]
			rt[k] = max(s.ts[slot], shiftTime(s.ts[slot], shift))
			seqs[side][k], seqs[1-side][k] = s.seq[slot], -1
		}
		var cols [2][]arrow.Array
		var err error
		if cols[side], err = takeCols(context.Background(), o.cfg.Alloc, s.chunks[c].b, s.cols, rows); err != nil {
			return err
		}
		for _, ci := range other.cols {
			cols[1-side] = append(cols[1-side], array.MakeArrayOfNull(o.cfg.Alloc, other.in.Schema().Field(ci).Type, len(run)))
		}
		o.pend.add(&joinPiece{cols: append(append(cols[0], cols[1]...), tsArray(o.cfg.Alloc, rt)), rt: rt, ls: seqs[0], rs: seqs[1]})
		start = end
	}
	return nil
}

// takeCols gathers rows of columns cols of b.
func takeCols(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, cols []int, rows []int32) ([]arrow.Array, error) {
	out := make([]arrow.Array, 0, len(cols))
	if len(cols) == 0 {
		return out, nil
	}
	ib := array.NewInt32Builder(mem)
	ib.AppendValues(rows, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	cctx := compute.WithAllocator(ctx, mem)
	for _, c := range cols {
		a, err := compute.TakeArray(cctx, b.Column(c), idx)
		if err != nil {
			release(out)
			return nil, fmt.Errorf("window: join: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// joinPiece is output waiting for the emission watermark: columns of the
// output schema, with each row's ROWTIME and the arrival numbers of its
// left and right rows (−1: none), which order rows of equal ROWTIME.
type joinPiece struct {
	cols       []arrow.Array
	rt, ls, rs []int64
}

func (p *joinPiece) release() { release(p.cols) }

// filter returns the piece of the rows keep selects, releasing p.
func (p *joinPiece) filter(ctx context.Context, mem memory.Allocator, keep []bool) (*joinPiece, error) {
	var rows []int32
	q := &joinPiece{}
	for i, k := range keep {
		if k {
			rows = append(rows, int32(i))
			q.rt, q.ls, q.rs = append(q.rt, p.rt[i]), append(q.ls, p.ls[i]), append(q.rs, p.rs[i])
		}
	}
	all := make([]int, len(p.cols))
	for i := range all {
		all[i] = i
	}
	b := array.NewRecordBatch(piecesSchema(p.cols), p.cols, int64(len(p.rt)))
	defer b.Release()
	p.release()
	cols, err := takeCols(ctx, mem, b, all, rows)
	if err != nil {
		return nil, err
	}
	q.cols = cols
	return q, nil
}

// piecesSchema is a schema for cols (names do not matter).
func piecesSchema(cols []arrow.Array) *arrow.Schema {
	types := make([]arrow.DataType, len(cols))
	for i, c := range cols {
		types[i] = c.DataType()
	}
	return stateSchema(types)
}

// joinPending holds the output waiting for the emission watermark.
type joinPending struct {
	schema *arrow.Schema
	mem    memory.Allocator
	pieces []*joinPiece
	rows   int
	size   int
	minRT  int64
}

func newJoinPending(schema *arrow.Schema, mem memory.Allocator) *joinPending {
	return &joinPending{schema: schema, mem: mem, minRT: math.MaxInt64}
}

func (q *joinPending) bytes() int { return q.size + q.rows*24 }

// add takes ownership of piece p.
func (q *joinPending) add(p *joinPiece) {
	if len(p.rt) == 0 {
		p.release()
		return
	}
	q.pieces = append(q.pieces, p)
	q.rows += len(p.rt)
	for _, c := range p.cols {
		q.size += int(exec.ArrayBytes(c))
	}
	for _, t := range p.rt {
		q.minRT = min(q.minRT, t)
	}
}

// concat concatenates pieces into one; it releases them.
func (q *joinPending) concat(pieces []*joinPiece) (*joinPiece, error) {
	if len(pieces) == 1 {
		return pieces[0], nil
	}
	one := &joinPiece{}
	defer func() {
		for _, p := range pieces {
			p.release()
		}
	}()
	for j := range q.schema.Fields() {
		parts := make([]arrow.Array, len(pieces))
		for i, p := range pieces {
			parts[i] = p.cols[j]
		}
		c, err := array.Concatenate(parts, q.mem)
		if err != nil {
			one.release()
			return nil, fmt.Errorf("window: join: %w", err)
		}
		one.cols = append(one.cols, c)
	}
	for _, p := range pieces {
		one.rt, one.ls, one.rs = append(one.rt, p.rt...), append(one.ls, p.ls...), append(one.rs, p.rs...)
	}
	return one, nil
}

// all concatenates the pieces into one, which q keeps.
func (q *joinPending) all() (*joinPiece, error) {
	if len(q.pieces) == 0 {
		return &joinPiece{}, nil
	}
	one, err := q.concat(q.pieces)
	if err != nil {
		q.pieces, q.rows, q.size, q.minRT = nil, 0, 0, math.MaxInt64
		return nil, err
	}
	q.pieces = []*joinPiece{one}
	return one, nil
}

// release returns the rows whose ROWTIME is at or below wm, in order of
// ROWTIME, then left and right arrival; the caller releases the batch.
// Only the pieces holding such rows are rebuilt.
func (q *joinPending) release(wm int64) (arrow.RecordBatch, error) {
	return q.releaseKeys(wm, nil)
}

// releaseKeys is release that also returns, when keys is not nil, the
// ROWTIME and the left and right arrival numbers of each row released.
func (q *joinPending) releaseKeys(wm int64, keys *[3][]int64) (arrow.RecordBatch, error) {
	if keys != nil {
		keys[0], keys[1], keys[2] = keys[0][:0], keys[1][:0], keys[2][:0]
	}
	if q.rows == 0 || q.minRT > wm {
		return q.empty(), nil
	}
	var touched, kept []*joinPiece
	for _, p := range q.pieces {
		if slices.Min(p.rt) <= wm {
			touched = append(touched, p)
		} else {
			kept = append(kept, p)
		}
	}
	q.pieces = nil
	q.reset()
	for _, p := range kept {
		q.add(p)
	}
	one, err := q.concat(touched)
	if err != nil {
		return nil, err
	}
	defer one.release()
	var out, rest []int32
	for i, t := range one.rt {
		if t <= wm {
			out = append(out, int32(i))
		} else {
			rest = append(rest, int32(i))
		}
	}
	slices.SortFunc(out, func(x, y int32) int {
		switch {
		case one.rt[x] != one.rt[y]:
			return cmpInt(one.rt[x], one.rt[y])
		case one.ls[x] != one.ls[y]:
			return cmpInt(one.ls[x], one.ls[y])
		}
		return cmpInt(one.rs[x], one.rs[y])
	})
	if keys != nil {
		for _, i := range out {
			keys[0], keys[1], keys[2] = append(keys[0], one.rt[i]), append(keys[1], one.ls[i]), append(keys[2], one.rs[i])
		}
	}
	all := make([]int, len(one.cols))
	for i := range all {
		all[i] = i
	}
	src := array.NewRecordBatch(piecesSchema(one.cols), one.cols, int64(len(one.rt)))
	defer src.Release()
	ctx := context.Background()
	cols, err := takeCols(ctx, q.mem, src, all, out)
	if err != nil {
		return nil, err
	}
	b := array.NewRecordBatch(q.schema, cols, int64(len(out)))
	release(cols)
	if len(rest) > 0 {
		left := &joinPiece{}
		if left.cols, err = takeCols(ctx, q.mem, src, all, rest); err != nil {
			b.Release()
			return nil, err
		}
		for _, i := range rest {
			left.rt, left.ls, left.rs = append(left.rt, one.rt[i]), append(left.ls, one.ls[i]), append(left.rs, one.rs[i])
		}
		q.add(left)
	}
	return b, nil
}

// empty returns a batch of no rows.
func (q *joinPending) empty() arrow.RecordBatch {
	cols := make([]arrow.Array, len(q.schema.Fields()))
	for i, f := range q.schema.Fields() {
		cols[i] = array.MakeArrayOfNull(q.mem, f.Type, 0)
	}
	b := array.NewRecordBatch(q.schema, cols, 0)
	release(cols)
	return b
}

func (q *joinPending) reset() {
	for _, p := range q.pieces {
		p.release()
	}
	q.pieces, q.rows, q.size, q.minRT = nil, 0, 0, math.MaxInt64
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// admit decides which rows of b, a batch of side, are on time (late rows
// and rows with a NULL time are reported), and groups the on-time ones by
// key into o.ids. It returns the on-time rows in b's order, b's event
// times, and the evaluated keys, which the caller releases; what names the
// operator in errors.
func (o *join) admit(side int, b arrow.RecordBatch, origin exec.Origin, what string) (acc []int32, ts []int64, keyArrs []arrow.Array, err error) {
	acc, ts, keyArrs, err = o.admitRows(side, b, origin, what)
	if err != nil || len(acc) == 0 {
		return acc, ts, keyArrs, err
	}
	ids, err := o.keys.Groups(keyArrs, int(b.NumRows()), acc, o.ids[:0])
	if err != nil {
		return nil, ts, keyArrs, fmt.Errorf("window: %s: %w", what, err)
	}
	o.ids = ids
	return acc, ts, keyArrs, nil
}

// admitRows is admit without the key ids.
func (o *join) admitRows(side int, b arrow.RecordBatch, origin exec.Origin, what string) (acc []int32, ts []int64, keyArrs []arrow.Array, err error) {
	n := int(b.NumRows())
	if n == 0 {
		return nil, nil, nil, nil
	}
	s := o.sides[side]
	col := b.Column(s.timeIdx)
	ts = arrowTimes(col)
	var valid func(int) bool
	if col.NullN() > 0 {
		valid = func(i int) bool {
			if col.IsNull(i) {
				o.reportNullTime(b, i)
				return false
			}
			return true
		}
	}
	if o.lateFn == nil {
		o.lateFn = o.reportLate
	}
	o.cur, o.curSide = b, side
	s.acc = s.tracker.Select(origin, ts, valid, s.acc[:0], o.lateFn)
	o.cur = nil
	acc = s.acc
	if len(acc) == 0 {
		return nil, ts, nil, nil
	}
	keyArrs = make([]arrow.Array, len(s.keys))
	for i, k := range s.keys {
		a, err := k.Eval(o.ec, b)
		if err != nil {
			return nil, ts, keyArrs, fmt.Errorf("window: %s: %s key: %w", what, sideName(s.right), err)
		}
		keyArrs[i] = a
	}
	return acc, ts, keyArrs, nil
}
