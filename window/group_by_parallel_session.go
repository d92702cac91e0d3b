package window

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// errWorkerEmitted is an impossible state: a session worker emitted rows
// at a close the front did not wait for.
var errWorkerEmitted = errors.New("window: group by: a session worker emitted rows the operator did not wait for")

// newParallelWindows returns the windowState of a group-by of cfg on
// workers workers: per-key sessions (sessionParState) or panes
// (parallelState).
func newParallelWindows(cfg Config, keyTypes []arrow.DataType, schema *arrow.Schema, workers int) (windowState, error) {
	if cfg.Assigner != nil && cfg.Assigner.spec().kind == kindSession {
		return newSessionParState(cfg, keyTypes, schema, workers)
	}
	return newParallelState(cfg, keyTypes, schema, workers)
}

// sessionParState is the windowState of a parallel session group-by: each
// worker owns a keyedState holding the sessions of the keys that hash to
// it (sessions merge only within a key, so the keys partition them
// cleanly). Workers 1… are goroutines; worker 0's steps run on the front
// (the operator's goroutine) when it hands the others theirs. The front
// decides event time as NewGroupBy does, and queues to every worker, in
// order, the on-time rows of each batch and each close, exactly the calls
// the one-core keyedState gets; each worker folds its own keys' rows and
// applies every close, so its sessions evolve as the one-core state's
// sessions of those keys do. Snapshots merge the workers' sessions into
// the one-core format; a restore deals them out again by key, at any
// number of workers.
//
// The front waits for the workers only at a close that may emit: when a
// row since the previous close may reach a fired session (its event time
// is at or below the previous emission watermark), when a session may end
// at or below the new emission watermark (the front keeps a lower bound on
// every open session's end: the workers' earliest ends at the last wait
// and each row's time plus the gap since), at the end of the input, for
// early results and for a snapshot. Otherwise the rows gather (up to
// coalesceRows) and workers 1… run behind the front. The rows emitted at
// a wait are merged in ascending ROWTIME, ties in worker order.
type sessionParState struct {
	gap      int64
	keyTypes []arrow.DataType
	specs    []exec.AggSpec
	mem      memory.Allocator
	schema   *arrow.Schema
	workers  []*sessionWorker
	free     chan *sessJob
	fastKey  bool

	pending  *sessJob
	prevEmit int64 // emission watermark of the last close
	lowEnd   int64 // no open session on any worker ends before it
	mayDirty bool  // a row since the last close may reach a fired session
	stopped  bool
	merged   *keyedState
	pieces   [][]arrow.Array
}

// sessionWorker is one worker of a sessionParState.
type sessionWorker struct {
	id, n   int
	fastKey bool
	st      *keyedState
	emit    emitter
	in      chan sessStep
	out     chan struct{}
	done    chan struct{}
	mine    []int32
	err     error // the first error (read by the front after a reply)
	// minEnd is the earliest end of the worker's open sessions after its
	// last reply step (read by the front after the reply).
	minEnd   int64
	reported int64 // emit.updates already added to the front's count

	failed        atomic.Bool
	liveN, bytesN atomic.Int64
}

// sessStep is one instruction to a session worker: run a job (folds and
// closes, in order), then emit early results, then reply.
type sessStep struct {
	job            *sessJob
	partial, reply bool
}

// sessJob is a run of folds and closes, shared by every worker.
type sessJob struct {
	ops  []sessOp // the first nops are in use
	nops int
	rows int
	refs atomic.Int32
	free chan *sessJob
}

// sessOp folds one batch's on-time rows (n > 0) or closes (n == 0).
type sessOp struct {
	keys, args []arrow.Array
	ts         []int64
	rows       []int32 // nil: all n rows
	n          int
	hashes     []uint64 // per row of the batch (not with fastKey)

	emit, floor int64
	final       bool
}

func newSessionParState(cfg Config, keyTypes []arrow.DataType, schema *arrow.Schema, workers int) (*sessionParState, error) {
	sp := cfg.Assigner.spec()
	if !Parallelizable(cfg) || sp.kind != kindSession {
		return nil, errors.New("window: group by: this group-by cannot run on several workers")
	}
	s := &sessionParState{
		gap: sp.size, keyTypes: keyTypes, specs: cfg.Aggs, mem: cfg.Alloc, schema: schema,
		free: make(chan *sessJob, 8), fastKey: fastKey(keyTypes),
		prevEmit: math.MinInt64, lowEnd: math.MaxInt64,
	}
	for i := range workers {
		st, err := newKeyedState(sp, keyTypes, cfg.Aggs, cfg.Alloc)
		if err != nil {
			s.release()
			return nil, fmt.Errorf("window: group by: %w", err)
		}
		w := &sessionWorker{
			id: i, n: workers, fastKey: s.fastKey, st: st, minEnd: math.MaxInt64,
			emit: emitter{mem: cfg.Alloc, schema: schema, partial: cfg.Emit.Every > 0, maxEnd: math.MinInt64},
			in:   make(chan sessStep, 4), out: make(chan struct{}, 1), done: make(chan struct{}),
		}
		s.workers = append(s.workers, w)
		if i > 0 {
			go w.run()
		}
	}
	return s, nil
}

// run executes the worker's steps until its queue is closed. Worker 0
// has no goroutine: the front runs its steps itself (see send).
func (w *sessionWorker) run() {
	defer close(w.done)
	for st := range w.in {
		w.exec(st)
		if st.reply {
			w.out <- struct{}{}
		}
	}
}

// exec runs one step.
func (w *sessionWorker) exec(st sessStep) {
	if j := st.job; j != nil {
		for i := range j.ops[:j.nops] {
			if w.err == nil {
				// Only the close the front waits for may emit.
				w.setErr(w.do(&j.ops[i], st.reply && i == j.nops-1))
			}
		}
		j.release()
	}
	if w.err == nil && st.partial {
		w.setErr(w.st.partial(&w.emit))
	}
	w.liveN.Store(int64(w.st.live()))
	w.bytesN.Store(int64(w.st.bytes()))
	if st.reply {
		w.minEnd = w.st.minOpenEnd()
	}
}

func (w *sessionWorker) setErr(err error) {
	if err != nil && w.err == nil {
		w.err = err
		w.failed.Store(true)
	}
}

// do runs one op: folds the worker's rows of a batch, or closes. A close
// the front does not wait for (!waited) must emit nothing.
func (w *sessionWorker) do(op *sessOp, waited bool) error {
	if op.n == 0 {
		before := w.emit.rows
		if err := w.st.close(op.emit, op.floor, op.final, &w.emit); err != nil {
			return err
		}
		if !waited && w.emit.rows != before {
			return errWorkerEmitted
		}
		return nil
	}
	mine := ownRows(op.keys, op.hashes, op.rows, op.n, w.fastKey, w.id, w.n, w.mine)
	w.mine = mine
	if len(mine) == 0 {
		return nil
	}
	return w.st.add(op.keys, op.args, op.ts, op.n, mine)
}

// ownRows returns the rows (of rows, or of all n when nil) whose keys
// belong to worker id of workers, as keyOwner assigns them, in dst's
// storage. Ownership is selected without a branch per row: it is a coin
// toss the branch predictor would lose.
func ownRows(keys []arrow.Array, hashes []uint64, rows []int32, n int, fast bool, id, workers int, dst []int32) []int32 {
	cnt := n
	if rows != nil {
		cnt = len(rows)
	}
	mine := slices.Grow(dst[:0], cnt)[:cnt]
	k, nw, me := 0, uint64(workers), uint64(id)
	switch {
	case fast:
		// NULL keys belong to worker 0: hash 0.
		vals := fixed64(keys[0])
		nulls := keys[0].NullN() > 0
		if rows == nil && !nulls {
			for i, x := range vals[:cnt] {
				hi, _ := bits.Mul64(x*fibHash, nw)
				mine[k] = int32(i)
				k += int(isZero(hi ^ me))
			}
			break
		}
		for i := range cnt {
			r := i
			if rows != nil {
				r = int(rows[i])
			}
			x := vals[r]
			if nulls && keys[0].IsNull(r) {
				x = 0
			}
			hi, _ := bits.Mul64(x*fibHash, nw)
			mine[k] = int32(r)
			k += int(isZero(hi ^ me))
		}
	case rows == nil:
		for i, h := range hashes[:cnt] {
			hi, _ := bits.Mul64(h, nw)
			mine[k] = int32(i)
			k += int(isZero(hi ^ me))
		}
	default:
		for _, r := range rows {
			hi, _ := bits.Mul64(hashes[r], nw)
			mine[k] = r
			k += int(isZero(hi ^ me))
		}
	}
	return mine[:k]
}

// minOpenEnd returns the earliest end of the open (not fired) sessions,
// math.MaxInt64 when there are none. After a close the heap's top is such
// a session; stale entries only make the bound earlier.
func (s *keyedState) minOpenEnd() int64 {
	if len(s.ends) == 0 {
		return math.MaxInt64
	}
	return s.ends[0].end
}

// release drops one worker's reference to the job; the last one releases
// its arrays and offers it for reuse.
func (j *sessJob) release() {
	if j.refs.Add(-1) != 0 {
		return
	}
	for i := range j.ops[:j.nops] {
		op := &j.ops[i]
		release(op.keys)
		release(op.args)
		clear(op.keys)
		clear(op.args)
		op.keys, op.args = op.keys[:0], op.args[:0]
	}
	j.nops, j.rows = 0, 0
	select {
	case j.free <- j:
	default:
	}
}

// op returns the next op of the pending job.
func (s *sessionParState) op() *sessOp {
	j := s.pending
	if j == nil {
		select {
		case j = <-s.free:
		default:
			j = &sessJob{free: s.free}
		}
		s.pending = j
	}
	if j.nops == len(j.ops) {
		j.ops = append(j.ops, sessOp{})
	}
	op := &j.ops[j.nops]
	j.nops++
	op.n, op.rows = 0, nil
	return op
}

// add queues the on-time rows of a batch for the workers. keys and args
// stay the caller's: the job retains them.
func (s *sessionParState) add(keys, args []arrow.Array, ts []int64, n int, rows []int32) error {
	if s.stopped {
		return errParallelStopped
	}
	if err := s.failure(); err != nil {
		return err
	}
	op := s.op()
	for _, a := range keys {
		a.NullN() // computed once here, not racily by the workers
		a.Retain()
	}
	for _, a := range args {
		if a != nil {
			a.NullN()
			a.Retain()
		}
	}
	op.keys = append(op.keys[:0], keys...)
	op.args = append(op.args[:0], args...)
	op.ts = append(op.ts[:0], ts[:n]...)
	op.n = n
	cnt := n
	if rows != nil {
		op.rows = append(make([]int32, 0, len(rows)), rows...)
		cnt = len(rows)
	}
	s.pending.rows += cnt
	if !s.fastKey {
		var err error
		if op.hashes, err = exec.HashKeys(keys, op.hashes); err != nil {
			return fmt.Errorf("window: group by: %w", err)
		}
	}
	lo := int64(math.MaxInt64)
	if rows == nil {
		for _, t := range op.ts {
			lo = min(lo, t)
		}
	} else {
		for _, r := range rows {
			lo = min(lo, op.ts[r])
		}
	}
	// A row reaches a fired session only when it starts at or before the
	// session's end-1, itself at or below the last emission watermark.
	if s.prevEmit != math.MinInt64 && lo <= s.prevEmit {
		s.mayDirty = true
	}
	end := lo + s.gap
	if lo > math.MaxInt64-s.gap {
		end = math.MaxInt64
	}
	s.lowEnd = min(s.lowEnd, end)
	return nil
}

// send queues a step on every worker but the first, then runs it on the
// first, on the front's goroutine: the front does a worker's share while
// the others run, and one handoff fewer.
func (s *sessionParState) send(st sessStep) {
	if st.job != nil {
		st.job.refs.Store(int32(len(s.workers)))
	}
	for _, w := range s.workers[1:] {
		w.in <- st
	}
	s.workers[0].exec(st)
}

// step returns a step with the pending job.
func (s *sessionParState) step() sessStep {
	st := sessStep{job: s.pending}
	s.pending = nil
	return st
}

// sync queues st with a reply on every worker and waits for all of them;
// it then merges their emitted rows into e (nil: drops nothing, keeps
// them) in ascending ROWTIME, ties in worker order, takes their earliest
// open session ends and returns the first worker error.
func (s *sessionParState) sync(st sessStep, e *emitter) error {
	if s.stopped {
		return nil
	}
	st.reply = true
	s.send(st)
	for _, w := range s.workers[1:] {
		<-w.out
	}
	s.lowEnd = math.MaxInt64
	var err error
	for _, w := range s.workers {
		if w.err != nil && err == nil {
			err = w.err
		}
		s.lowEnd = min(s.lowEnd, w.minEnd)
	}
	if e == nil || err != nil {
		return err
	}
	pieces := s.pieces[:0]
	var updates int64
	for _, w := range s.workers {
		pieces = append(pieces, w.emit.pieces...)
		clear(w.emit.pieces)
		w.emit.pieces, w.emit.rows = w.emit.pieces[:0], 0
		updates += w.emit.updates - w.reported
		w.reported = w.emit.updates
	}
	e.updates += updates
	err = mergeByRowtime(pieces, e)
	clear(pieces)
	s.pieces = pieces[:0]
	return err
}

// mergeByRowtime adds the rows of pieces to e in ascending ROWTIME, ties
// in the order of pieces; e owns the pieces' arrays from now on.
func mergeByRowtime(pieces [][]arrow.Array, e *emitter) error {
	sorted, last := true, int64(math.MinInt64)
	total := 0
	for _, p := range pieces {
		for _, t := range arrowTimes(p[len(p)-1]) {
			if t < last {
				sorted = false
			}
			last = t
		}
		total += p[len(p)-1].Len()
	}
	if sorted || total == 0 {
		for _, p := range pieces {
			e.addPiece(p)
		}
		return nil
	}
	defer func() {
		for _, p := range pieces {
			release(p)
		}
	}()
	times := make([]int64, 0, total)
	refs := make([]rowRef, 0, total)
	for i, p := range pieces {
		ts := arrowTimes(p[len(p)-1])
		times = append(times, ts...)
		for r := range ts {
			refs = append(refs, rowRef{piece: int32(i), row: int32(r)})
		}
	}
	perm := make([]int32, total)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortStableFunc(perm, func(a, b int32) int { return cmp.Compare(times[a], times[b]) })
	order := make([]rowRef, total)
	for i, j := range perm {
		order[i] = refs[j]
	}
	nc := len(pieces[0])
	cols := make([]arrow.Array, 0, nc)
	for c := range nc {
		out, err := gatherColumn(e.mem, pieces, c, order, perm)
		if err != nil {
			release(cols)
			return fmt.Errorf("window: emit: %w", err)
		}
		cols = append(cols, out)
	}
	e.addPiece(cols)
	return nil
}

// rowRef is row row of piece piece.
type rowRef struct{ piece, row int32 }

// gatherColumn returns column c of the rows order of pieces (perm: the
// same rows as indexes into the pieces' concatenation), which the caller
// releases: fixed-width columns are copied directly, others concatenated
// and taken.
func gatherColumn(mem memory.Allocator, pieces [][]arrow.Array, c int, order []rowRef, perm []int32) (arrow.Array, error) {
	dt := pieces[0][c].DataType()
	fw, ok := dt.(arrow.FixedWidthDataType)
	if ok && fw.BitWidth()%8 == 0 && fw.BitWidth() > 0 && dt.ID() != arrow.DICTIONARY && dt.ID() != arrow.EXTENSION {
		w := fw.BitWidth() / 8
		vals := make([][]byte, len(pieces))
		nulls := 0
		for i, p := range pieces {
			d := p[c].Data()
			if buf := d.Buffers()[1]; buf != nil {
				vals[i] = buf.Bytes()[d.Offset()*w:]
			}
			nulls += p[c].NullN()
		}
		data := memory.NewResizableBuffer(mem)
		data.Resize(len(order) * w)
		out := data.Bytes()
		var valid *memory.Buffer
		var bitmap []byte
		if nulls > 0 {
			valid = memory.NewResizableBuffer(mem)
			valid.Resize(int(bitutil.BytesForBits(int64(len(order)))))
			bitmap = valid.Bytes()
			clear(bitmap)
		}
		for i, ref := range order {
			a := pieces[ref.piece][c]
			if nulls > 0 {
				if a.IsNull(int(ref.row)) {
					clear(out[i*w : (i+1)*w])
					continue
				}
				bitutil.SetBit(bitmap, i)
			}
			copy(out[i*w:(i+1)*w], vals[ref.piece][int(ref.row)*w:(int(ref.row)+1)*w])
		}
		d := array.NewData(dt, len(order), []*memory.Buffer{valid, data}, nil, nulls, 0)
		data.Release()
		if valid != nil {
			valid.Release()
		}
		defer d.Release()
		return array.MakeFromData(d), nil
	}
	parts := make([]arrow.Array, len(pieces))
	for i, p := range pieces {
		parts[i] = p[c]
	}
	all, err := array.Concatenate(parts, mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	b := array.NewInt32Builder(mem)
	b.AppendValues(perm, nil)
	idx := b.NewArray()
	b.Release()
	defer idx.Release()
	return compute.TakeArray(compute.WithAllocator(context.Background(), mem), all, idx)
}

// sortPiecesFrom puts the rows of e's pieces from first on in ascending
// ROWTIME, ties in their order.
func sortPiecesFrom(e *emitter, first int) error {
	if len(e.pieces) == first {
		return nil
	}
	pieces := slices.Clone(e.pieces[first:])
	clear(e.pieces[first:])
	e.pieces = e.pieces[:first]
	for _, p := range pieces {
		e.rows -= p[len(p)-1].Len()
	}
	return mergeByRowtime(pieces, e)
}

// failure returns a worker's error, once the workers stopped.
func (s *sessionParState) failure() error {
	for _, w := range s.workers {
		if w.failed.Load() {
			return s.sync(s.step(), nil)
		}
	}
	return nil
}

func (s *sessionParState) close(emit, floor int64, final bool, e *emitter) error {
	if s.stopped {
		return errParallelStopped
	}
	if err := s.failure(); err != nil {
		return err
	}
	if final {
		emit, floor = math.MaxInt64, math.MaxInt64
	}
	op := s.op()
	op.emit, op.floor, op.final = emit, floor, final
	// A session fires once emit reaches its end-1.
	fires := s.lowEnd == math.MinInt64 || emit >= s.lowEnd-1
	need := final || s.mayDirty || fires
	s.mayDirty = false
	s.prevEmit = max(s.prevEmit, emit)
	switch {
	case need:
		return s.sync(s.step(), e)
	case s.pending.rows >= coalesceRows:
		s.send(s.step())
	}
	return nil
}

func (s *sessionParState) partial(e *emitter) error {
	if s.stopped {
		return errParallelStopped
	}
	st := s.step()
	st.partial = true
	return s.sync(st, e)
}

func (s *sessionParState) live() int {
	n := 0
	for _, w := range s.workers {
		n += int(w.liveN.Load())
	}
	return n
}

func (s *sessionParState) bytes() int {
	n := 0
	for _, w := range s.workers {
		n += int(w.bytesN.Load())
	}
	return n
}

// snapshotHeader waits for the workers and merges their sessions into one
// keyedState, which writeState then writes: the snapshot is NewGroupBy's.
func (s *sessionParState) snapshotHeader(h *groupByHeader) {
	s.merged = nil
	if err := s.sync(s.step(), nil); err != nil {
		return // writeState reports it
	}
	w0 := s.workers[0].st
	m, err := newKeyedState(w0.a, s.keyTypes, s.specs, s.mem)
	if err != nil {
		return
	}
	for _, w := range s.workers {
		m.emitWM = max(m.emitWM, w.st.emitWM)
		if err := copyKeyed(m, w.st, w.st.keys.LiveIDs(nil)); err != nil {
			return
		}
	}
	s.merged = m
	m.snapshotHeader(h)
}

func (s *sessionParState) writeState(w *snapWriter) error {
	m := s.merged
	s.merged = nil
	if m == nil {
		if err := s.sync(s.step(), nil); err != nil {
			return err
		}
		return errors.New("window: group by snapshot: workers' sessions could not be merged")
	}
	return m.writeState(w)
}

// loadState reads a session snapshot and deals its keys out to the
// workers by key hash.
func (s *sessionParState) loadState(r *snapReader, h *groupByHeader) error {
	all, err := newKeyedState(s.workers[0].st.a, s.keyTypes, s.specs, s.mem)
	if err != nil {
		return err
	}
	if err := all.loadState(r, h); err != nil {
		return err
	}
	ids := all.keys.LiveIDs(nil)
	var owner []int
	if len(ids) > 0 {
		keys, err := all.keys.KeyArrays(s.mem, ids)
		if err != nil {
			return err
		}
		owner, err = keyOwner(keys, s.fastKey, len(s.workers))
		release(keys)
		if err != nil {
			return err
		}
	}
	// The workers have not run a step yet: the front may fill their state.
	s.lowEnd = math.MaxInt64
	for _, w := range s.workers {
		var own []uint32
		for i, id := range ids {
			if owner[i] == w.id {
				own = append(own, id)
			}
		}
		w.st.emitWM = all.emitWM
		if err := copyKeyed(w.st, all, own); err != nil {
			return err
		}
		w.minEnd = w.st.minOpenEnd()
		s.lowEnd = min(s.lowEnd, w.minEnd)
		w.liveN.Store(int64(w.st.live()))
		w.bytesN.Store(int64(w.st.bytes()))
	}
	s.prevEmit = all.emitWM
	return nil
}

// copyKeyed adds to dst (a session state) the sessions of src's keys ids,
// with their flags and aggregate state, under new key ids and slots.
func copyKeyed(dst, src *keyedState, ids []uint32) error {
	if len(ids) == 0 {
		return nil
	}
	keys, err := src.keys.KeyArrays(dst.mem, ids)
	if err != nil {
		return err
	}
	newIDs, err := dst.keys.Groups(keys, len(ids), nil, nil)
	release(keys)
	if err != nil {
		return err
	}
	dst.growKeys()
	var from, to []uint32
	for i, k := range ids {
		nk := newIDs[i]
		for _, w := range src.windows[k] {
			slot := dst.allocSlot(nk)
			dst.nlive++
			dst.slotEnd[slot] = src.slotEnd[w.slot]
			dst.slotMax[slot] = src.slotMax[w.slot]
			dst.slotFired[slot] = src.slotFired[w.slot]
			dst.slotEmitted[slot] = src.slotEmitted[w.slot]
			dst.slotDirty[slot] = src.slotDirty[w.slot]
			e := endEntry{end: dst.slotEnd[slot], slot: slot, gen: dst.slotGen[slot]}
			if dst.slotFired[slot] {
				dst.retain.push(e)
			} else {
				dst.ends.push(e)
			}
			if dst.slotDirty[slot] {
				dst.dirty = append(dst.dirty, slot)
			}
			dst.windows[nk] = append(dst.windows[nk], keyedWindow{start: w.start, end: w.end, slot: slot})
			from, to = append(from, w.slot), append(to, slot)
		}
	}
	for a, acc := range dst.accs {
		if err := acc.Merge(src.accs[a], from, to); err != nil {
			return err
		}
	}
	return nil
}

// release stops the workers and frees what they hold, except their
// sessions: the operator may still be snapshot after Close.
func (s *sessionParState) release() {
	if s.stopped {
		return
	}
	if len(s.workers) == 0 {
		s.stopped = true
		return
	}
	// The queued rows and closes go into the sessions: a snapshot may
	// follow.
	if s.pending != nil {
		s.send(s.step())
	}
	s.stopped = true
	for _, w := range s.workers[1:] {
		close(w.in)
	}
	for i, w := range s.workers {
		if i > 0 {
			<-w.done
		}
		w.emit.release()
	}
	s.merged = nil
}

// sessionPaysFrom is the fewest workers at which a session group-by is
// expected to run faster on workers than on one goroutine: the front
// waits for the workers at nearly every batch (some session ends in most
// batches), so only the workers' share of the work (folding and firing
// sessions) is spread, at a cost per batch. Measured on 2 cores
// (BenchmarkParallelSession), 2 workers take about 1.8× the CPU per event
// of one goroutine and run slower.
const sessionPaysFrom = 4

// ParallelPaysFrom returns the fewest workers at which NewParallelGroupBy
// is expected to pay for a group-by of cfg (which must be
// Parallelizable): 2 for aligned windows, more for session windows.
func ParallelPaysFrom(cfg Config) int {
	if cfg.Assigner != nil && cfg.Assigner.spec().kind == kindSession {
		return sessionPaysFrom
	}
	return 2
}
