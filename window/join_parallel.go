package window

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
)

// ErrJoinNotPartitionable is returned by NewParallelJoin for a join on
// several workers that has no equi-join keys: every row may match every
// row of the other side, so no partition of the rows keeps the pairs
// apart. Such a join runs on one goroutine (NewJoin).
var ErrJoinNotPartitionable = errors.New("window: join: a join without equi-join keys cannot be partitioned over workers")

// JoinParallelizable reports whether NewParallelJoin can run a join of cfg
// on several workers: it must have equi-join keys.
func JoinParallelizable(cfg JoinConfig) bool { return len(cfg.LeftKeys) > 0 }

// NewParallelJoin returns the stream–stream join of NewJoin with the held
// rows partitioned by the hash of the equi-join keys over workers
// goroutines, each matching, holding, freeing and padding the rows of its
// own keys. When workers ≤ 1 it is NewJoin; a join that is not
// JoinParallelizable on more workers is refused (ErrJoinNotPartitionable).
//
// Event time is decided once, on the operator's goroutine, exactly as
// NewJoin decides it: the same rows are late (and go to cfg.Late), the
// two sides' watermarks and retention floors are the same, and so is the
// emission watermark. Each Next waits for the workers, so it returns the
// rows NewJoin would for the same input batch, and in the same order: the
// workers' output is merged by ROWTIME, then the left and right rows'
// arrival numbers, which the operator's goroutine hands out as NewJoin
// does. (Which input's batch the next Next takes still depends on the
// inputs' timing, as with NewJoin.) Snapshots have NewJoin's format: a
// snapshot of either form restores into the other, or at another number of
// workers (the held rows are partitioned again). StateBytes and HeldRows
// are the workers' totals.
func NewParallelJoin(left, right exec.Operator, cfg JoinConfig, workers int) (exec.Operator, error) {
	if workers <= 1 {
		return NewJoin(left, right, cfg)
	}
	if !JoinParallelizable(cfg) {
		return nil, ErrJoinNotPartitionable
	}
	p, err := newParallelJoin(left, right, cfg, min(workers, MaxWorkers))
	if err != nil {
		return nil, err
	}
	return p, nil
}

// parallelJoin is a join whose front — the embedded one-core join, whose
// sides hold no rows — reads both inputs and keeps event time, and whose
// workers hold the rows. For each input batch the front decides the late
// rows, numbers the on-time ones and deals them to the workers by key
// hash (add); then every worker that has rows or output due matches and
// holds its rows, frees and pads those past the other side's floor and
// releases its output up to the emission watermark, and the front merges
// the workers' output (settle).
type parallelJoin struct {
	*join
	workers []*joinWorker
	running bool // the workers' goroutines run
	stopped bool // and have exited

	// the batch add dealt out, which settle hands to the workers
	side    int
	batch   arrow.RecordBatch
	keyArrs []arrow.Array
	ts      []int64
	rows    [][]int32 // per worker
	seqs    [][]int64 // per worker
	hashes  []uint64
	order   []int32
}

var (
	_ exec.Operator    = (*parallelJoin)(nil)
	_ exec.Watermarker = (*parallelJoin)(nil)
	_ exec.Partitioned = (*parallelJoin)(nil)
	_ LateCounter      = (*parallelJoin)(nil)
	_ exec.Snapshotter = (*parallelJoin)(nil)
	_ exec.StateSizer  = (*parallelJoin)(nil)
)

// joinWorker is one worker of a parallelJoin: a join of which only the
// matching state is used (its sides have no inputs nor trackers).
type joinWorker struct {
	j    *join
	in   chan joinTask
	out  chan struct{}
	done chan struct{}

	// the output of the last task, read by the front after out
	b    arrow.RecordBatch
	keys [3][]int64 // ROWTIME, left and right arrival numbers of b's rows
	err  error

	bytes, heldL, heldR atomic.Int64
}

// joinTask is one step of a worker: match and hold rows (when b is not
// nil), free each side's rows at or below limits, release the output at
// or below wm.
type joinTask struct {
	side    int
	b       arrow.RecordBatch
	keyArrs []arrow.Array
	ts      []int64
	rows    []int32
	seqs    []int64
	limits  [2]int64
	wm      int64
}

// schemaOp is an operator with a schema and no rows: a worker's side's
// input, which gives the types of its columns.
type schemaOp struct{ schema *arrow.Schema }

func (s schemaOp) Schema() *arrow.Schema                           { return s.schema }
func (s schemaOp) Next(context.Context) (arrow.RecordBatch, error) { return nil, io.EOF }
func (s schemaOp) Close() error                                    { return nil }

func newParallelJoin(left, right exec.Operator, cfg JoinConfig, workers int) (*parallelJoin, error) {
	front, err := NewJoin(left, right, cfg)
	if err != nil {
		return nil, err
	}
	o := front.(*join)
	p := &parallelJoin{join: o, rows: make([][]int32, workers), seqs: make([][]int64, workers)}
	for range workers {
		keys, err := exec.NewGroupTable(o.keys.KeyTypes())
		if err != nil {
			return nil, fmt.Errorf("window: join: %w", err)
		}
		ec := *o.ec
		j := &join{cfg: cfg, clock: o.clock, schema: o.schema, keys: keys, nkeys: o.nkeys,
			lower: o.lower, upper: o.upper, ec: &ec, pend: newJoinPending(o.schema, cfg.Alloc)}
		for i, s := range o.sides {
			j.sides[i] = &joinSide{in: schemaOp{s.in.Schema()}, keys: s.keys, timeIdx: s.timeIdx, explicit: s.explicit,
				right: s.right, outer: s.outer, cols: s.cols}
		}
		p.workers = append(p.workers, &joinWorker{j: j})
	}
	return p, nil
}

// Next returns the join rows whose ROWTIME the emission watermark reached
// while processing the next batch of either input, as NewJoin's; the
// caller releases the batch.
func (p *parallelJoin) Next(ctx context.Context) (arrow.RecordBatch, error) {
	return p.step(ctx, joinSteps{add: p.add, settle: p.settle})
}

// add decides the late rows of b, a batch of side, numbers the on-time
// ones and deals them to the workers by the hash of their keys; settle
// hands them over. The front keeps b and the keys until then.
func (p *parallelJoin) add(ctx context.Context, side int, b arrow.RecordBatch, origin exec.Origin) error {
	if p.stopped {
		return errors.New("window: join: used after Close")
	}
	o := p.join
	acc, ts, keyArrs, err := o.admitRows(side, b, origin, "join")
	if err != nil || len(acc) == 0 {
		release(keyArrs)
		return err
	}
	if p.hashes, err = exec.HashKeys(keyArrs, p.hashes); err != nil {
		release(keyArrs)
		return fmt.Errorf("window: join: %w", err)
	}
	// Null counts are computed once here, not racily by the workers.
	for _, a := range keyArrs {
		a.NullN()
	}
	for _, c := range b.Columns() {
		c.NullN()
	}
	for w := range p.rows {
		p.rows[w], p.seqs[w] = p.rows[w][:0], p.seqs[w][:0]
	}
	s := o.sides[side]
	n := uint64(len(p.workers))
	for k, i := range acc {
		w, _ := bits.Mul64(p.hashes[i], n)
		p.rows[w] = append(p.rows[w], i)
		p.seqs[w] = append(p.seqs[w], s.nextSeq+int64(k))
	}
	s.nextSeq += int64(len(acc))
	b.Retain()
	p.side, p.batch, p.keyArrs, p.ts = side, b, keyArrs, ts
	return nil
}

// dropBatch releases the batch add dealt out.
func (p *parallelJoin) dropBatch() {
	if p.batch != nil {
		p.batch.Release()
		release(p.keyArrs)
		p.batch, p.keyArrs, p.ts = nil, nil, nil
	}
}

// start launches the workers' goroutines.
func (p *parallelJoin) start() {
	p.running = true
	for _, w := range p.workers {
		w.in, w.out, w.done = make(chan joinTask, 1), make(chan struct{}, 1), make(chan struct{})
		go w.run()
	}
}

// run executes the worker's tasks until its queue is closed.
func (w *joinWorker) run() {
	defer close(w.done)
	for t := range w.in {
		if w.err == nil {
			w.err = w.step(t)
		}
		w.out <- struct{}{}
	}
}

// step does one task.
func (w *joinWorker) step(t joinTask) error {
	j := w.j
	if t.b != nil {
		ids, err := j.keys.Groups(t.keyArrs, int(t.b.NumRows()), t.rows, j.ids[:0])
		if err != nil {
			return fmt.Errorf("window: join: %w", err)
		}
		j.ids = ids
		// The front checks the caller's context once per batch; a task
		// is one batch.
		if err := j.match(context.Background(), t.side, t.b, t.rows, t.ts, t.keyArrs, ids, t.seqs); err != nil {
			return err
		}
	}
	if err := j.expire(0, t.limits[0]); err != nil {
		return err
	}
	if err := j.expire(1, t.limits[1]); err != nil {
		return err
	}
	b, err := j.pend.releaseKeys(t.wm, &w.keys)
	if err != nil {
		return err
	}
	w.b = b
	w.report()
	return nil
}

// report publishes the worker's state size for StateBytes and HeldRows.
func (w *joinWorker) report() {
	j := w.j
	w.bytes.Store(int64(j.sides[0].bytes() + j.sides[1].bytes() + j.pend.bytes()))
	w.heldL.Store(int64(j.sides[0].live))
	w.heldR.Store(int64(j.sides[1].live))
}

// due reports whether the worker has rows to free or output to release
// at these limits and emission watermark; the caller has synchronised
// with it.
func (w *joinWorker) due(limits [2]int64, wm int64) bool {
	for i, s := range w.j.sides {
		if len(s.order) > 0 && s.order[0].ts <= limits[i] {
			return true
		}
	}
	return w.j.pend.rows > 0 && w.j.pend.minRT <= wm
}

// settle hands the dealt rows, the sides' floors and the emission
// watermark to the workers that have anything to do, waits for them and
// merges their output, in ROWTIME then arrival order.
func (p *parallelJoin) settle() (arrow.RecordBatch, error) {
	o := p.join
	defer p.dropBatch()
	if p.stopped {
		return nil, errors.New("window: join: used after Close")
	}
	if !p.running {
		p.start()
	}
	l, r := o.sides[0], o.sides[1]
	limits := [2]int64{shiftTime(r.floor, o.lower), shiftTime(l.floor, -o.upper)}
	wm := max(o.wm, min(l.emit, r.emit))
	busy := make([]*joinWorker, 0, len(p.workers))
	for i, w := range p.workers {
		t := joinTask{limits: limits, wm: wm}
		if p.batch != nil && len(p.rows[i]) > 0 {
			t.side, t.b, t.keyArrs, t.ts, t.rows, t.seqs = p.side, p.batch, p.keyArrs, p.ts, p.rows[i], p.seqs[i]
		} else if !w.due(limits, wm) {
			continue
		}
		w.in <- t
		busy = append(busy, w)
	}
	var err error
	for _, w := range busy {
		<-w.out
		if w.err != nil && err == nil {
			err = w.err
		}
	}
	if err != nil {
		for _, w := range busy {
			if w.b != nil {
				w.b.Release()
				w.b = nil
			}
		}
		return nil, err
	}
	o.wm = wm
	b, err := p.merge(busy)
	if err != nil {
		return nil, err
	}
	if n := b.NumRows(); n > 0 {
		ts := arrowTimes(b.Column(int(b.NumCols()) - 1))
		o.maxOut = max(o.maxOut, ts[n-1])
	}
	return b, nil
}

// merge returns the output of workers ws as one batch in ROWTIME, then
// left and right arrival order (each worker's is in that order already);
// it releases theirs.
func (p *parallelJoin) merge(ws []*joinWorker) (arrow.RecordBatch, error) {
	var full []*joinWorker
	for _, w := range ws {
		if w.b.NumRows() > 0 {
			full = append(full, w)
		} else {
			w.b.Release()
			w.b = nil
		}
	}
	switch len(full) {
	case 0:
		return p.pend.empty(), nil
	case 1:
		b := full[0].b
		full[0].b = nil
		return b, nil
	}
	defer func() {
		for _, w := range full {
			w.b.Release()
			w.b = nil
		}
	}()
	// Merge by index into the workers' batches laid end to end.
	total := 0
	heads := make([]int, len(full))
	base := make([]int, len(full))
	for i, w := range full {
		base[i] = total
		total += int(w.b.NumRows())
	}
	order := slices.Grow(p.order[:0], total)
	sorted := true
	for len(order) < total {
		best := -1
		for i, w := range full {
			h := heads[i]
			if h == len(w.keys[0]) {
				continue
			}
			if best < 0 || joinKeyLess(w.keys, h, full[best].keys, heads[best]) {
				best = i
			}
		}
		idx := int32(base[best] + heads[best])
		sorted = sorted && int(idx) == len(order)
		order = append(order, idx)
		heads[best]++
	}
	p.order = order
	cols := make([]arrow.Array, len(p.schema.Fields()))
	defer release(cols)
	for c := range cols {
		parts := make([]arrow.Array, len(full))
		for i, w := range full {
			parts[i] = w.b.Column(c)
		}
		a, err := array.Concatenate(parts, p.cfg.Alloc)
		if err != nil {
			return nil, fmt.Errorf("window: join: %w", err)
		}
		cols[c] = a
	}
	if sorted {
		return array.NewRecordBatch(p.schema, cols, int64(total)), nil
	}
	all := make([]int, len(cols))
	for i := range all {
		all[i] = i
	}
	src := array.NewRecordBatch(piecesSchema(cols), cols, int64(total))
	defer src.Release()
	taken, err := takeCols(context.Background(), p.cfg.Alloc, src, all, order)
	if err != nil {
		return nil, err
	}
	defer release(taken)
	return array.NewRecordBatch(p.schema, taken, int64(total)), nil
}

// joinKeyLess orders output rows by ROWTIME, then left, then right arrival.
func joinKeyLess(a [3][]int64, i int, b [3][]int64, j int) bool {
	switch {
	case a[0][i] != b[0][j]:
		return a[0][i] < b[0][j]
	case a[1][i] != b[1][j]:
		return a[1][i] < b[1][j]
	}
	return a[2][i] < b[2][j]
}

// StateBytes estimates the memory the workers hold (see NewJoin's), as of
// their last step.
func (p *parallelJoin) StateBytes() int {
	n := 0
	for _, w := range p.workers {
		n += int(w.bytes.Load())
	}
	return n
}

// HeldRows returns the number of input rows the workers hold, per side.
func (p *parallelJoin) HeldRows() (left, right int) {
	for _, w := range p.workers {
		left += int(w.heldL.Load())
		right += int(w.heldR.Load())
	}
	return left, right
}

// held reports whether any worker holds rows or output.
func (p *parallelJoin) held() bool {
	for _, w := range p.workers {
		if w.j.sides[0].live+w.j.sides[1].live+w.j.pend.rows > 0 {
			return true
		}
	}
	return false
}

// Close stops the reading goroutines and the workers, waits for them and
// closes both inputs. As NewJoin's, a join closed with state held keeps
// its snapshot for a checkpoint after Close. It may be called twice.
func (p *parallelJoin) Close() error {
	o := p.join
	if !o.stopReading() {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	p.dropBatch()
	if p.running && !p.stopped {
		for _, w := range p.workers {
			close(w.in)
		}
		for _, w := range p.workers {
			<-w.done
		}
	}
	p.stopped = true
	if !o.eof && p.held() {
		var buf bytes.Buffer
		if err := p.snapshot(&buf); err == nil {
			o.closedSnap = buf.Bytes()
		}
	}
	for _, w := range p.workers {
		w.j.pend.reset()
		w.j.sides[0].reset()
		w.j.sides[1].reset()
		w.report()
	}
	o.pend.reset()
	var errs []error
	for _, s := range o.sides {
		s.reset()
		errs = append(errs, s.in.Close())
	}
	return errors.Join(errs...)
}
