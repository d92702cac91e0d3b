package window

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// TemporalConfig configures NewTemporalJoin.
type TemporalConfig struct {
	// Kind is JoinInner or JoinLeft.
	Kind JoinKind
	// LeftKeys and RightKeys are the equi-join keys over each side's input
	// (the right side's are its primary key); pairs have the same types.
	// A row with a NULL key matches nothing.
	LeftKeys, RightKeys []exec.Expr
	// LeftLateness and RightLateness are the allowed lateness of each side
	// (see Tracker); Retention bounds state kept for idle partitions.
	LeftLateness, RightLateness time.Duration
	Retention                   time.Duration
	// Late says what happens to late rows of either side (default: to
	// Errors).
	Late   LatePolicy
	Errors exec.ErrorSink
	// Pump names the pump in error records.
	Pump  string
	Alloc memory.Allocator
	// Start and Clock feed the keys' EvalContext; Clock is also the
	// trackers' idle clock (default time.Now).
	Start time.Time
	Clock func() time.Time
}

// NewTemporalJoin returns the event-time temporal join of left with the
// versioned table right (Flink's FOR SYSTEM_TIME AS OF left.ROWTIME
// against a versioned stream): each right row is a new version of the
// row of its key, valid from its ROWTIME on. Its output has the left
// input's columns, then the right's (each without its ROWTIME), then
// ROWTIME, the left row's.
//
// Each left row joins the version of its key valid at its ROWTIME: the
// right row of that key with the largest ROWTIME at or below it (of equal
// ROWTIMEs, the one that arrived last). A LEFT join pads a left row
// without one with NULLs; an INNER join drops it. A left row is emitted
// once the emission watermark, the smaller of the two sides', reaches its
// ROWTIME, so the version it joins is final; rows are emitted in
// ascending ROWTIME and the output is one partition whose watermark is
// that emission watermark.
//
// Each side follows its own Tracker; late rows of either side go to
// cfg.Late. Per key, the right side keeps the newest version at or below
// the smaller of the left side's retention floor and the oldest held left
// row, and every newer version; older versions are freed.
//
// Inputs are read concurrently, as by NewJoin. When both inputs end
// (io.EOF) every held left row is emitted; when they stop
// (exec.ErrStopped) the state stays, for a checkpoint, and Next returns
// ErrStopped. The operator owns both inputs and implements
// exec.Partitioned, exec.Watermarker, LateCounter, exec.Snapshotter and
// exec.StateSizer.
func NewTemporalJoin(left, right exec.Operator, cfg TemporalConfig) (exec.Operator, error) {
	if left == nil || right == nil || cfg.Alloc == nil {
		return nil, errors.New("window: temporal join: both inputs and an allocator are required")
	}
	if cfg.Kind != JoinInner && cfg.Kind != JoinLeft {
		return nil, fmt.Errorf("window: temporal join: %s join is not supported (INNER or LEFT)", cfg.Kind)
	}
	if len(cfg.LeftKeys) == 0 || len(cfg.LeftKeys) != len(cfg.RightKeys) {
		return nil, fmt.Errorf("window: temporal join: %d left keys but %d right keys (want the same, at least one)", len(cfg.LeftKeys), len(cfg.RightKeys))
	}
	jc := JoinConfig{Kind: cfg.Kind, LeftKeys: cfg.LeftKeys, RightKeys: cfg.RightKeys,
		LeftLateness: cfg.LeftLateness, RightLateness: cfg.RightLateness, Retention: cfg.Retention,
		Late: cfg.Late, Errors: cfg.Errors, Pump: cfg.Pump, Alloc: cfg.Alloc, Start: cfg.Start, Clock: cfg.Clock}
	op, err := NewJoin(left, right, jc)
	if err != nil {
		return nil, fmt.Errorf("window: temporal join: %w", err)
	}
	return &temporal{join: op.(*join)}, nil
}

// temporal reuses the join's sides, reading and state: the left side holds
// the left rows waiting for the watermark, the right side the versions.
type temporal struct {
	*join
	vers []int32 // scratch: the version each emitted left row joins
}

var (
	_ exec.Operator    = (*temporal)(nil)
	_ exec.Watermarker = (*temporal)(nil)
	_ exec.Partitioned = (*temporal)(nil)
	_ LateCounter      = (*temporal)(nil)
	_ exec.Snapshotter = (*temporal)(nil)
	_ exec.StateSizer  = (*temporal)(nil)
)

// HeldRows returns the number of left rows waiting and right versions
// held.
func (o *temporal) HeldRows() (left, right int) { return o.sides[0].live, o.sides[1].live }

// StateBytes estimates the memory held: the waiting left rows and the
// versions (the batches they are in).
func (o *temporal) StateBytes() int { return o.sides[0].bytes() + o.sides[1].bytes() }

// Next returns the left rows (joined) whose ROWTIME the emission watermark
// reached while processing the next batch of either input; the caller
// releases the batch.
func (o *temporal) Next(ctx context.Context) (arrow.RecordBatch, error) {
	return o.step(ctx, joinSteps{
		add:    o.addTemporal,
		settle: func() (arrow.RecordBatch, error) { return o.settleTemporal(ctx) },
	})
}

// addTemporal takes one batch of side: sets late rows aside and holds the
// on-time ones (a right row with a NULL key, or a left row with one in an
// INNER join, is dropped: it can match nothing).
func (o *temporal) addTemporal(ctx context.Context, side int, b arrow.RecordBatch, origin exec.Origin) error {
	acc, ts, keyArrs, err := o.admit(side, b, origin, "temporal join")
	defer release(keyArrs)
	if err != nil || len(acc) == 0 {
		return err
	}
	ids := o.ids
	s := o.sides[side]
	keepNull := side == 0 && o.cfg.Kind == JoinLeft
	chunk := int32(-1)
	var unused []uint32
	for k, i := range acc {
		key := int32(ids[k])
		for _, a := range keyArrs {
			if a.IsNull(int(i)) {
				key = -1
				break
			}
		}
		if key < 0 && !keepNull {
			continue
		}
		if chunk < 0 {
			chunk = s.addChunk(b)
		}
		s.hold(chunk, i, ts[i], key, s.nextSeq)
		s.nextSeq++
		if k&4095 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	// key ids made for rows not held
	for k, i := range acc {
		key := int32(ids[k])
		_ = i
		if !o.sides[0].holds(key) && !o.sides[1].holds(key) && !slices.Contains(unused, uint32(key)) {
			unused = append(unused, uint32(key))
		}
	}
	if len(unused) > 0 {
		o.keys.Delete(unused)
	}
	return nil
}

// settleTemporal emits the held left rows the emission watermark reached,
// each with the version valid at its ROWTIME, then frees the versions no
// left row can need any more.
func (o *temporal) settleTemporal(ctx context.Context) (arrow.RecordBatch, error) {
	l, r := o.sides[0], o.sides[1]
	o.wm = max(o.wm, min(l.emit, r.emit))
	var emit []int32
	for len(l.order) > 0 && l.order[0].ts <= o.wm {
		emit = append(emit, heap.Pop(&l.order).(slotTime).slot)
	}
	b, err := o.output(ctx, emit)
	if err != nil {
		return nil, err
	}
	var freed []uint32
	for _, slot := range emit {
		k := l.key[slot]
		if l.drop(slot) && k >= 0 && !r.holds(k) {
			freed = append(freed, uint32(k))
		}
	}
	// A future left row is above the left floor; a held one at or above
	// the oldest held: below both, only the newest version of a key is
	// needed.
	need := l.floor
	if len(l.order) > 0 {
		need = min(need, l.order[0].ts-1)
	}
	for len(r.order) > 0 && r.order[0].ts <= need {
		top := heap.Pop(&r.order).(slotTime)
		k := r.key[top.slot]
		// every older version of the key was popped before it
		// (every version older than it is out of the heap); a newer one at
		// or below need supersedes it too.
		var older []int32
		superseded := need == math.MaxInt64
		for _, v := range r.byKey[k] {
			switch {
			case v == top.slot:
			case r.ts[v] < top.ts || r.ts[v] == top.ts && r.seq[v] < top.seq:
				older = append(older, v)
			case r.ts[v] <= need:
				superseded = true
			}
		}
		if superseded {
			older = append(older, top.slot)
		}
		for _, v := range older {
			if r.drop(v) && !l.holds(k) {
				freed = append(freed, uint32(k))
			}
		}
	}
	if need == math.MaxInt64 {
		// the left side ended with nothing held: no version is needed
		for k := range r.byKey {
			for _, v := range slices.Clone(r.byKey[k]) {
				if r.drop(v) && !l.holds(int32(k)) {
					freed = append(freed, uint32(k))
				}
			}
		}
	}
	if len(freed) > 0 {
		o.keys.Delete(freed)
	}
	if n := b.NumRows(); n > 0 {
		ts := arrowTimes(b.Column(int(b.NumCols()) - 1))
		o.maxOut = max(o.maxOut, ts[n-1])
	}
	return b, nil
}

// output builds the output rows of left slots emit (in ROWTIME order),
// each joined with the version valid at its ROWTIME; the caller releases
// the batch.
func (o *temporal) output(ctx context.Context, emit []int32) (arrow.RecordBatch, error) {
	if len(emit) == 0 {
		return o.pend.empty(), nil
	}
	l, r := o.sides[0], o.sides[1]
	vers := o.vers[:0]
	rows := make([]int32, 0, len(emit))
	rt := make([]int64, 0, len(emit))
	for _, slot := range emit {
		t, k := l.ts[slot], l.key[slot]
		best := int32(-1)
		if k >= 0 && int(k) < len(r.byKey) {
			for _, v := range r.byKey[k] {
				if r.ts[v] <= t && (best < 0 || r.ts[v] > r.ts[best] || r.ts[v] == r.ts[best] && r.seq[v] > r.seq[best]) {
					best = v
				}
			}
		}
		if best < 0 && o.cfg.Kind == JoinInner {
			continue
		}
		rows = append(rows, slot)
		vers = append(vers, best)
		rt = append(rt, t)
	}
	o.vers = vers
	if len(rows) == 0 {
		return o.pend.empty(), nil
	}
	lc, err := gatherSlots(ctx, o.cfg.Alloc, l, l.cols, rows)
	if err != nil {
		return nil, err
	}
	rc, err := gatherSlots(ctx, o.cfg.Alloc, r, r.cols, vers)
	if err != nil {
		release(lc)
		return nil, err
	}
	cols := append(append(lc, rc...), tsArray(o.cfg.Alloc, rt))
	b := array.NewRecordBatch(o.schema, cols, int64(len(rows)))
	release(cols)
	return b, nil
}

// gatherSlots returns columns cols of side s's held slots, in the order of
// slots; a slot of −1 is a row of NULLs. The caller releases them.
func gatherSlots(ctx context.Context, mem memory.Allocator, s *joinSide, cols []int, slots []int32) ([]arrow.Array, error) {
	// group by chunk (−1 first), keeping order within a chunk
	pos := make([]int, len(slots))
	for i := range pos {
		pos[i] = i
	}
	chunkOf := func(p int) int32 {
		if slots[p] < 0 {
			return -1
		}
		return s.chunk[slots[p]]
	}
	slices.SortStableFunc(pos, func(a, b int) int { return int(chunkOf(a)) - int(chunkOf(b)) })
	var pieces [][]arrow.Array
	defer func() {
		for _, p := range pieces {
			release(p)
		}
	}()
	for start := 0; start < len(pos); {
		c := chunkOf(pos[start])
		end := start
		for end < len(pos) && chunkOf(pos[end]) == c {
			end++
		}
		if c < 0 {
			var p []arrow.Array
			for _, ci := range cols {
				p = append(p, array.MakeArrayOfNull(mem, s.in.Schema().Field(ci).Type, end-start))
			}
			pieces = append(pieces, p)
		} else {
			rows := make([]int32, 0, end-start)
			for _, q := range pos[start:end] {
				rows = append(rows, s.row[slots[q]])
			}
			p, err := takeCols(ctx, mem, s.chunks[c].b, cols, rows)
			if err != nil {
				return nil, err
			}
			pieces = append(pieces, p)
		}
		start = end
	}
	// sorted[i] is the row slots[pos[i]]: put it back at pos[i]
	inv := make([]int32, len(pos))
	for i, p := range pos {
		inv[p] = int32(i)
	}
	identity := true
	for i, p := range pos {
		if p != i {
			identity = false
			break
		}
	}
	out := make([]arrow.Array, 0, len(cols))
	for j := range cols {
		var sorted arrow.Array
		if len(pieces) == 1 {
			sorted = pieces[0][j]
			sorted.Retain()
		} else {
			parts := make([]arrow.Array, len(pieces))
			for i, p := range pieces {
				parts[i] = p[j]
			}
			c, err := array.Concatenate(parts, mem)
			if err != nil {
				release(out)
				return nil, fmt.Errorf("window: temporal join: %w", err)
			}
			sorted = c
		}
		if identity {
			out = append(out, sorted)
			continue
		}
		b := array.NewRecordBatch(piecesSchema([]arrow.Array{sorted}), []arrow.Array{sorted}, int64(sorted.Len()))
		sorted.Release()
		taken, err := takeCols(ctx, mem, b, []int{0}, inv)
		b.Release()
		if err != nil {
			release(out)
			return nil, err
		}
		out = append(out, taken[0])
	}
	return out, nil
}

// Close stops the reading goroutines, waits for them and closes both
// inputs. It may be called twice.
func (o *temporal) Close() error {
	if !o.stopReading() {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.eof && o.sides[0].live+o.sides[1].live > 0 {
		var buf bytes.Buffer
		if err := o.snapshotTemporal(&buf); err == nil {
			o.closedSnap = buf.Bytes()
		}
	}
	o.pend.reset()
	var errs []error
	for _, s := range o.sides {
		s.reset()
		errs = append(errs, s.in.Close())
	}
	return errors.Join(errs...)
}

// Snapshot writes both sides' trackers, the waiting left rows and every
// held version (in the join's snapshot format). It does not change the
// operator. The inputs' own state is not included.
func (o *temporal) Snapshot(w io.Writer) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closedSnap != nil {
		if _, err := w.Write(o.closedSnap); err != nil {
			return fmt.Errorf("window: temporal join snapshot: %w", err)
		}
		return nil
	}
	return o.snapshotTemporal(w)
}

// snapshotTemporal writes the state; the caller holds mu. The versions
// kept below the pruning bound are out of the right side's heap: it is
// rebuilt from every held version for the join's snapshot, which writes
// the heap's rows.
func (o *temporal) snapshotTemporal(w io.Writer) error {
	r := o.sides[1]
	saved := r.order
	var all slotHeap
	for _, slots := range r.byKey {
		for _, v := range slots {
			all = append(all, slotTime{ts: r.ts[v], seq: r.seq[v], slot: v})
		}
	}
	r.order = all
	defer func() { r.order = saved }()
	return o.snapshot(w)
}
