package window

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// errParallelStopped is returned when a closed parallel group-by is used.
var errParallelStopped = errors.New("window: group by: used after Close")

// MaxWorkers bounds the workers of NewParallelGroupBy.
const MaxWorkers = 256

// Parallelizable reports whether NewParallelGroupBy runs a group-by of cfg
// on several workers: it must have keys (a global window has one group)
// and aligned windows (tumbling, hopping, cumulate) or session windows
// (see sessionParState), with any emit policy. Stagger windows stay on one
// goroutine.
func Parallelizable(cfg Config) bool {
	if len(cfg.Keys) == 0 || cfg.Assigner == nil {
		return false
	}
	switch cfg.Assigner.spec().kind {
	case kindTumbling, kindHopping, kindCumulate, kindSession:
		return true
	}
	return false
}

// NewParallelGroupBy returns the windowed GROUP BY of NewGroupBy with the
// windows' state partitioned by the hash of the grouping keys over workers
// goroutines, each folding and emitting the groups of its own keys. When
// workers ≤ 1 or cfg is not Parallelizable it is NewGroupBy.
//
// Event time is decided once, on the operator's goroutine, exactly as
// NewGroupBy decides it: the same rows are late, the watermarks are the
// same, and each Next returns the same rows as NewGroupBy would for the
// same input batch, as a multiset. Rows come out in ascending ROWTIME
// (window end) within each output batch, as with NewGroupBy; the order of
// rows of equal ROWTIME differs (they are grouped by worker, in worker
// order, fixed for a number of workers). Session windows (and their early
// results) are dealt out by key the same way (see sessionParState). Snapshots
// have NewGroupBy's format: a snapshot of either form restores into the
// other, or at another number of workers (keys are partitioned again).
// LiveGroups and StateBytes are the workers' totals as of their last
// finished batch: they may lag a few batches behind Next.
func NewParallelGroupBy(input exec.Operator, cfg Config, workers int) (exec.Operator, error) {
	if workers <= 1 || !Parallelizable(cfg) {
		return NewGroupBy(input, cfg)
	}
	o, err := newGroupBy(input, cfg, min(workers, MaxWorkers))
	if err != nil {
		return nil, err
	}
	return o, nil
}

// parallelState is the windowState of a parallel group-by: panes on
// workers, each a goroutine with its own paneState holding the groups
// whose keys hash to it. The operator's goroutine (the front) keeps event
// time; it hands the on-time rows (with their key hashes, unless the
// workers hash a fastKey themselves) and the watermarks to every worker in
// order. Each worker picks its own keys' rows and mirrors the panes of all
// rows (see paneState.mirror), so every worker fires, re-emits and frees
// the same windows, with its own keys.
//
// The front waits for the workers only when a batch may emit rows: the
// emission watermark crosses a pane boundary (where windows end), a row
// lands in a pane whose first window ends at or below the previous
// emission watermark (it may have fired), the input ends, or the state is
// snapshot. Otherwise it gathers rows (up to coalesceRows) and the workers
// run behind it, up to the depth of their queues.
type parallelState struct {
	a        assignerSpec
	keyTypes []arrow.DataType
	specs    []exec.AggSpec
	mem      memory.Allocator
	workers  []*paneWorker
	free     chan *foldJob // jobs whose workers are done, for reuse

	pending  *foldJob // rows gathered for the next step
	mayDirty bool     // pending has a row that may reach a fired window
	prevEmit int64    // emission watermark of the last close
	merged   *paneState
	pieces   []emitPiece
	stopped  bool // released: the workers have exited
	fastKey  bool // one 8-byte key: workers hash it themselves (keyOwner)

	// The last close, which every step carries (a close is idempotent):
	// a close due to emit nothing need not wake the workers.
	closed              bool
	lastEmit, lastFloor int64
}

// paneWorker is one worker of a parallelState.
type paneWorker struct {
	id, n int
	st    *paneState
	emit  emitter
	in    chan paneStep
	out   chan struct{}
	done  chan struct{}
	mine  []int32
	err   error // the first error (read by the front after a reply)

	fastKey bool

	failed        atomic.Bool
	liveN, bytesN atomic.Int64
	reported      int64 // emit.updates already added to the front's count
}

// paneStep is one instruction to a worker.
type paneStep struct {
	job          *foldJob // rows to fold first, or nil
	close, final bool     // then close at emit and floor
	emit, floor  int64
	partial      bool // then emit the open windows' partial results
	reply        bool // then signal out
}

// coalesceRows is how many on-time rows the front gathers, over several
// batches, before it hands them to the workers when no output is due: a
// worker wakes once per job, not once per batch.
const coalesceRows = 16384

// foldJob is the on-time rows of one or more batches (segments), shared
// by every worker.
type foldJob struct {
	segs []foldSeg // the first nseg are in use
	nseg int
	rows int
	refs atomic.Int32
	free chan *foldJob
}

// foldSeg is one batch's on-time rows.
type foldSeg struct {
	keys, args []arrow.Array
	ts         []int64
	rows       []int32 // nil: all n rows
	n          int
	hashes     []uint64 // per row of the batch (not with fastKey)
	single     bool     // every row is in pane
	pane       int64
}

func newParallelState(cfg Config, keyTypes []arrow.DataType, schema *arrow.Schema, workers int) (*parallelState, error) {
	sp := cfg.Assigner.spec()
	if !Parallelizable(cfg) {
		return nil, errors.New("window: group by: this group-by cannot run on several workers")
	}
	s := &parallelState{
		a: sp, keyTypes: keyTypes, specs: cfg.Aggs, mem: cfg.Alloc,
		free: make(chan *foldJob, 8), prevEmit: math.MinInt64,
		fastKey: fastKey(keyTypes),
	}
	for i := range workers {
		st, err := newPaneState(sp, keyTypes, cfg.Aggs, cfg.Alloc)
		if err != nil {
			s.release()
			return nil, fmt.Errorf("window: group by: %w", err)
		}
		st.mirror = true
		w := &paneWorker{
			id: i, n: workers, st: st, fastKey: s.fastKey,
			emit: emitter{mem: cfg.Alloc, schema: schema, partial: cfg.Emit.Every > 0, maxEnd: math.MinInt64},
			in:   make(chan paneStep, 4), out: make(chan struct{}, 1), done: make(chan struct{}),
		}
		s.workers = append(s.workers, w)
		go w.run()
	}
	return s, nil
}

// run executes the worker's steps until its queue is closed.
func (w *paneWorker) run() {
	defer close(w.done)
	for st := range w.in {
		var err error
		if j := st.job; j != nil {
			for i := range j.segs[:j.nseg] {
				if err == nil && w.err == nil {
					err = w.fold(&j.segs[i])
				}
			}
			j.release()
		}
		if err == nil && w.err == nil && st.close {
			err = w.st.close(st.emit, st.floor, st.final, &w.emit)
		}
		if err == nil && w.err == nil && st.partial {
			err = w.st.partial(&w.emit)
		}
		if err != nil && w.err == nil {
			w.err = err
			w.failed.Store(true)
		}
		w.liveN.Store(int64(w.st.live()))
		w.bytesN.Store(int64(w.st.bytes()))
		if st.reply {
			w.out <- struct{}{}
		}
	}
}

// fastKey reports whether keys of these types are partitioned by
// keyOwner's multiplicative hash of their 8 bytes rather than by
// exec.HashKeys: one BIGINT, TIMESTAMP, DOUBLE… key.
func fastKey(types []arrow.DataType) bool {
	if len(types) != 1 || types[0].ID() == arrow.BOOL {
		return false
	}
	fw, ok := types[0].(arrow.FixedWidthDataType)
	return ok && fw.BitWidth() == 64 && types[0].ID() != arrow.DICTIONARY && types[0].ID() != arrow.EXTENSION
}

// fibHash is 2^64 / φ: multiplying by it spreads consecutive keys evenly
// over the top bits.
const fibHash = 0x9E3779B97F4A7C15

// keyOwner returns the worker (of n) owning each row's key: the top bits
// of a multiplicative hash for a fastKey (NULL to worker 0), else of
// exec.HashKeys.
func keyOwner(keys []arrow.Array, fast bool, n int) ([]int, error) {
	out := make([]int, keys[0].Len())
	if fast {
		vals := fixed64(keys[0])
		for i := range out {
			if !keys[0].IsNull(i) {
				hi, _ := bits.Mul64(vals[i]*fibHash, uint64(n))
				out[i] = int(hi)
			}
		}
		return out, nil
	}
	hs, err := exec.HashKeys(keys, nil)
	if err != nil {
		return nil, err
	}
	for i, h := range hs {
		hi, _ := bits.Mul64(h, uint64(n))
		out[i] = int(hi)
	}
	return out, nil
}

// fixed64 returns the values of an 8-byte fixed-width column as uint64s.
func fixed64(a arrow.Array) []uint64 {
	d := a.Data()
	buf := d.Buffers()[1]
	if buf == nil {
		return make([]uint64, a.Len())
	}
	return arrow.Uint64Traits.CastFromBytes(buf.Bytes())[d.Offset() : d.Offset()+a.Len()]
}

// isZero is 1 when x is 0, else 0, without a branch.
func isZero(x uint64) uint64 { return ((x | -x) >> 63) ^ 1 }

// fold mirrors the panes of every row of j and folds the worker's own.
func (w *paneWorker) fold(j *foldSeg) error {
	s := w.st
	if j.single {
		if _, err := s.pane(j.pane); err != nil {
			return err
		}
		s.touch(j.pane)
	} else {
		last, has := int64(0), false
		mirror := func(r int) error {
			if p := s.a.paneOf(j.ts[r]); !has || p != last {
				if _, err := s.pane(p); err != nil {
					return err
				}
				s.touch(p)
				last, has = p, true
			}
			return nil
		}
		if j.rows == nil {
			for r := range j.n {
				if err := mirror(r); err != nil {
					return err
				}
			}
		} else {
			for _, r := range j.rows {
				if err := mirror(int(r)); err != nil {
					return err
				}
			}
		}
	}
	mine := ownRows(j.keys, j.hashes, j.rows, j.n, w.fastKey, w.id, w.n, w.mine)
	w.mine = mine
	if len(mine) == 0 {
		return nil
	}
	if j.single {
		h := s.panes[j.pane]
		return h.Update(j.keys, j.args, j.n, mine)
	}
	return s.add(j.keys, j.args, j.ts, j.n, mine)
}

// release drops one worker's reference to the job; the last one releases
// its arrays and offers it for reuse.
func (j *foldJob) release() {
	if j.refs.Add(-1) != 0 {
		return
	}
	for i := range j.segs[:j.nseg] {
		g := &j.segs[i]
		release(g.keys)
		release(g.args)
		clear(g.keys)
		clear(g.args)
		g.keys, g.args = g.keys[:0], g.args[:0]
	}
	j.nseg, j.rows = 0, 0
	select {
	case j.free <- j:
	default:
	}
}

// add gathers the on-time rows of a batch for the workers, who get them
// with the next step (see close). keys and args stay the caller's: the job
// retains them.
func (s *parallelState) add(keys, args []arrow.Array, ts []int64, n int, rows []int32) error {
	if s.stopped {
		return errParallelStopped
	}
	if err := s.failure(); err != nil {
		return err
	}
	j := s.pending
	if j == nil {
		select {
		case j = <-s.free:
		default:
			j = &foldJob{free: s.free}
		}
		s.pending = j
	}
	if j.nseg == len(j.segs) {
		j.segs = append(j.segs, foldSeg{})
	}
	g := &j.segs[j.nseg]
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
	j.nseg++
	g.keys = append(g.keys[:0], keys...)
	g.args = append(g.args[:0], args...)
	g.ts = append(g.ts[:0], ts[:n]...)
	g.n = n
	g.rows = nil
	cnt := n
	if rows != nil {
		g.rows = append(make([]int32, 0, len(rows)), rows...)
		cnt = len(rows)
	}
	j.rows += cnt
	if !s.fastKey {
		var err error
		if g.hashes, err = exec.HashKeys(keys, g.hashes); err != nil {
			return fmt.Errorf("window: group by: %w", err)
		}
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	if rows == nil {
		for _, t := range g.ts {
			lo, hi = min(lo, t), max(hi, t)
		}
	} else {
		for _, r := range rows {
			t := g.ts[r]
			lo, hi = min(lo, t), max(hi, t)
		}
	}
	g.pane = s.a.paneOf(lo)
	g.single = g.pane == s.a.paneOf(hi)
	// A row may land in a window that fired (or must fire now) only when
	// the first window holding its pane ends at or below the emission
	// watermark; the earliest row's pane has the earliest such end.
	if s.prevEmit != math.MinInt64 && s.a.firstEnd(g.pane, math.MinInt64)-1 <= s.prevEmit {
		s.mayDirty = true
	}
	return nil
}

// step returns a step with the gathered rows and the last close.
func (s *parallelState) step() paneStep {
	st := paneStep{job: s.pending, close: s.closed, emit: s.lastEmit, floor: s.lastFloor}
	s.pending = nil
	return st
}

// send queues a step on every worker.
func (s *parallelState) send(st paneStep) {
	if st.job != nil {
		st.job.refs.Store(int32(len(s.workers)))
	}
	for _, w := range s.workers {
		w.in <- st
	}
}

// sync queues st with a reply on every worker and waits for all of them;
// it then collects their emitted pieces into e (nil: keep them for later)
// in ascending window end, ties in worker order, and returns the first
// worker error.
func (s *parallelState) sync(st paneStep, e *emitter) error {
	if s.stopped {
		// The workers have exited: their state is the front's to read.
		return nil
	}
	st.reply = true
	s.send(st)
	for _, w := range s.workers {
		<-w.out
	}
	var err error
	for _, w := range s.workers {
		if w.err != nil && err == nil {
			err = w.err
		}
	}
	if e == nil {
		return err
	}
	pieces := s.pieces[:0]
	var updates int64
	for _, w := range s.workers {
		for _, cols := range w.emit.pieces {
			pieces = append(pieces, emitPiece{end: pieceEnd(cols), cols: cols})
		}
		clear(w.emit.pieces)
		w.emit.pieces, w.emit.rows = w.emit.pieces[:0], 0
		updates += w.emit.updates - w.reported
		w.reported = w.emit.updates
	}
	slices.SortStableFunc(pieces, func(x, y emitPiece) int { return cmp.Compare(x.end, y.end) })
	for _, p := range pieces {
		e.addPiece(p.cols)
	}
	e.updates += updates
	clear(pieces)
	s.pieces = pieces[:0]
	return err
}

// emitPiece is one window's rows from one worker.
type emitPiece struct {
	end  int64
	cols []arrow.Array
}

// pieceEnd returns the ROWTIME of the first row of an emitted piece.
func pieceEnd(cols []arrow.Array) int64 {
	c := cols[len(cols)-1]
	if c.Len() == 0 {
		return math.MinInt64
	}
	return arrowTimes(c)[0]
}

// failure returns a worker's error, once the workers stopped.
func (s *parallelState) failure() error {
	for _, w := range s.workers {
		if w.failed.Load() {
			return s.sync(s.step(), nil)
		}
	}
	return nil
}

func (s *parallelState) close(emit, floor int64, final bool, e *emitter) error {
	if s.stopped {
		return errParallelStopped
	}
	if err := s.failure(); err != nil {
		return err
	}
	need := final || s.mayDirty || s.crosses(emit)
	s.mayDirty, s.prevEmit = false, emit
	s.closed, s.lastEmit, s.lastFloor = true, emit, floor
	switch {
	case need:
		st := s.step()
		st.final = final
		return s.sync(st, e)
	case s.pending != nil && s.pending.rows >= coalesceRows:
		s.send(s.step())
	}
	return nil
}

// crosses reports whether a window may end between the previous emission
// watermark and emit: windows end on pane boundaries.
func (s *parallelState) crosses(emit int64) bool {
	switch {
	case emit == s.prevEmit:
		return false
	case s.prevEmit == math.MinInt64 || emit == math.MaxInt64:
		return true
	}
	return s.a.paneOf(emit+1) > s.prevEmit+1
}

func (s *parallelState) partial(e *emitter) error {
	if s.stopped {
		return errParallelStopped
	}
	st := s.step()
	st.partial = true
	return s.sync(st, e)
}

// live and bytes are the workers' totals after their last step.
func (s *parallelState) live() int {
	n := 0
	for _, w := range s.workers {
		n += int(w.liveN.Load())
	}
	return n
}

func (s *parallelState) bytes() int {
	n := 0
	for _, w := range s.workers {
		n += int(w.bytesN.Load())
	}
	return n
}

// snapshotHeader waits for the workers and merges their panes into one
// paneState, which writeState then writes: the snapshot is NewGroupBy's.
func (s *parallelState) snapshotHeader(h *groupByHeader) {
	s.merged = nil
	if err := s.sync(s.step(), nil); err != nil {
		// writeState reports it.
		return
	}
	w0 := s.workers[0].st
	m, err := newPaneState(s.a, s.keyTypes, s.specs, s.mem)
	if err != nil {
		return
	}
	m.lastEnd = w0.lastEnd
	m.fired = slices.Clone(w0.fired)
	m.dirty = slices.Clone(w0.dirty)
	for _, p := range w0.order {
		agg, err := exec.NewHashAggregator(s.keyTypes, s.specs)
		if err != nil {
			return
		}
		for _, w := range s.workers {
			if src, ok := w.st.panes[p]; ok {
				if err := agg.Merge(src); err != nil {
					return
				}
			}
		}
		m.panes[p] = agg
		m.order = append(m.order, p)
	}
	s.merged = m
	m.snapshotHeader(h)
}

func (s *parallelState) writeState(w *snapWriter) error {
	m := s.merged
	s.merged = nil
	if m == nil {
		if err := s.sync(s.step(), nil); err != nil {
			return err
		}
		return errors.New("window: group by snapshot: workers' panes could not be merged")
	}
	return m.writeState(w)
}

// loadState reads a pane snapshot and deals its groups out to the
// workers by key hash; every worker gets every pane (see mirror).
func (s *parallelState) loadState(r *snapReader, h *groupByHeader) error {
	all, err := newPaneState(s.a, s.keyTypes, s.specs, s.mem)
	if err != nil {
		return err
	}
	if err := all.loadState(r, h); err != nil {
		return err
	}
	// The workers have not run a step yet: the front may fill their state.
	for _, w := range s.workers {
		st := w.st
		st.lastEnd = all.lastEnd
		st.fired = slices.Clone(all.fired)
		st.dirty = slices.Clone(all.dirty)
		for _, p := range all.order {
			agg, err := exec.NewHashAggregator(s.keyTypes, s.specs)
			if err != nil {
				return err
			}
			if err := agg.Merge(all.panes[p]); err != nil {
				return err
			}
			if err := keepOwn(agg, w, s.mem); err != nil {
				return err
			}
			st.panes[p] = agg
			st.order = append(st.order, p)
		}
		w.liveN.Store(int64(st.live()))
		w.bytesN.Store(int64(st.bytes()))
	}
	return nil
}

// keepOwn deletes from agg the groups whose keys are not w's.
func keepOwn(agg *exec.HashAggregator, w *paneWorker, mem memory.Allocator) error {
	ids := agg.Table().LiveIDs(nil)
	if len(ids) == 0 {
		return nil
	}
	keys, err := agg.Table().KeyArrays(mem, ids)
	if err != nil {
		return err
	}
	defer release(keys)
	owner, err := keyOwner(keys, w.fastKey, w.n)
	if err != nil {
		return err
	}
	var drop []uint32
	for i, id := range ids {
		if owner[i] != w.id {
			drop = append(drop, id)
		}
	}
	agg.Delete(drop)
	return nil
}

// release stops the workers and frees what they hold, except their
// windows: the operator may still be snapshot after Close, as NewGroupBy's
// can.
func (s *parallelState) release() {
	if s.stopped {
		return
	}
	// The gathered rows go into the windows first: a snapshot may follow.
	if s.pending != nil || s.closed {
		s.send(s.step())
	}
	s.stopped = true
	for _, w := range s.workers {
		close(w.in)
	}
	for _, w := range s.workers {
		<-w.done
		w.emit.release()
	}
	s.merged = nil
}
