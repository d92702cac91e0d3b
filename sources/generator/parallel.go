package generator

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources/ordered"
)

// Parallel generation. A Nexmark event is a pure function of its number,
// so an unpaced Nexmark stream with parallelism above 1 is generated on a
// pool of workers: the reading goroutine (the one calling Next) cuts the
// sequence into ranges that each make one batch exactly as the one-core
// generator would (batch_size rows of the table, or what is left of
// count), which takes only the events' kinds; the workers generate the
// ranges side by side, each with its own generator and builder; Next
// returns the batches strictly in event order. Output is therefore the
// one-core output batch for batch, and the position after each batch is
// the same. APPROXIMATE_ARRIVAL_TIME is the clock when a range is cut, up
// to 2·parallelism+2 batches ahead of its delivery, so it never goes back.
// A ticker (a random walk) and a paced stream stay on one core.

// maxParallelism bounds the parallelism option.
const maxParallelism = 1024

// Stage is a function a generating worker applies to each batch it makes
// (a filter, a projection): it takes ownership of the batch and returns
// the batch to deliver, which may have no rows, and, when the stage met
// row errors, a function that reports them: the source calls it when it
// delivers that batch (or would, had it rows), so the error stream keeps
// the order of the rows.
type Stage = func(ctx context.Context, in arrow.RecordBatch) (out arrow.RecordBatch, report func(), err error)

// parallel is the state of a source generating on several cores.
type parallel struct {
	newStage func() (Stage, func(), error) // nil: no stage (see StageBatches)
	pool     *ordered.Pool[*genWorker]
	workers  []*genWorker
	queue    []*genRange // submitted, oldest first
	cut      int64       // events of the sequence cut into ranges so far
	ended    bool        // the sequence is cut to its end (count)
}

// genRange is a run of events making one batch.
type genRange struct {
	job       *ordered.Job[*genWorker]
	from, end int64 // events [from, end) of the sequence
	rows      int
	arrival   int64             // APPROXIMATE_ARRIVAL_TIME, epoch ms
	batch     arrow.RecordBatch // made by the worker; nil with no row
	report    func()            // reports the stage's row errors (nil: none)
	err       error
}

// genWorker generates ranges with a table of its own.
type genWorker struct {
	builder
	tbl      table
	stage    Stage
	endStage func()
}

// rangeTable is a table whose rows depend only on event numbers (the
// Nexmark streams), so that ranges of its sequence can be made apart.
type rangeTable interface {
	table
	// nexmark returns the table's generator and the kind of event that
	// makes a row.
	nexmark() (*Nexmark, EventKind)
}

func (t *bidTable) nexmark() (*Nexmark, EventKind)     { return t.g, BidEvent }
func (t *auctionTable) nexmark() (*Nexmark, EventKind) { return t.g, AuctionEvent }
func (t *personTable) nexmark() (*Nexmark, EventKind)  { return t.g, PersonEvent }

// parallel tells whether the source generates on several cores.
func (s *source) parallel() bool {
	_, ok := s.tbl.(rangeTable)
	return ok && s.rate == 0 && s.cfg.parallelism > 1
}

// StageBatches makes the generating workers apply a stage of their own,
// made by newStage (which returns it and a function releasing it), to
// every batch, so that stateless operators run on every core; the source
// then skips batches left with no rows. It returns false, and calls
// nothing, when the source generates on one core, or when ROWTIME is a
// column whose values are not in event order (EXPIRES): the engine takes
// the stream's newest ROWTIME from the batches delivered, which must not
// depend on the rows a stage drops. Call it before the first Next.
func (s *source) StageBatches(newStage func() (Stage, func(), error)) bool {
	inOrder := s.rowtimeField < 0 || s.rowtimeField == s.tbl.eventTime()
	if !s.parallel() || !inOrder || s.par.pool != nil {
		return false
	}
	s.par.newStage = newStage
	return true
}

// StageCores names the cores a stage runs on, for EXPLAIN: "generating".
func (s *source) StageCores() string { return "generating" }

// startParallel starts the workers: parallelism-1 goroutines and the
// reading goroutine's own, which generates while Next waits. One more
// goroutine would compete for the cores with the reader and the stages
// downstream: when the scheduler parks the one generating the oldest
// range, the others run out of ranges and cores idle.
func (s *source) startParallel() error {
	n := s.cfg.parallelism
	workers := make([]*genWorker, 0, n)
	fail := func(err error) error {
		for _, w := range workers {
			if w.endStage != nil {
				w.endStage()
			}
		}
		return fmt.Errorf("generator: %w", err)
	}
	for range n {
		tbl, err := s.cfg.newTable()
		if err != nil {
			return fail(err)
		}
		w := &genWorker{builder: builder{schema: s.schema, alloc: s.alloc, cols: s.cols, rowtimeField: s.rowtimeField}, tbl: tbl}
		if s.par.newStage != nil {
			if w.stage, w.endStage, err = s.par.newStage(); err != nil {
				return fail(err)
			}
		}
		workers = append(workers, w)
	}
	s.par.workers = workers
	s.par.cut = s.emitted
	s.par.pool = ordered.Start(workers, s.inFlight()+1)
	return nil
}

// inFlight is how many ranges are generated ahead of Next.
func (s *source) inFlight() int { return 2*s.cfg.parallelism + 2 }

// nextParallel returns the next batch in event order (see Next).
func (s *source) nextParallel(ctx context.Context) (arrow.RecordBatch, error) {
	p := &s.par
	if p.pool == nil {
		if err := s.startParallel(); err != nil {
			return nil, err
		}
	}
	for {
		for !p.ended && len(p.queue) < s.inFlight() {
			s.submitRange()
		}
		if len(p.queue) == 0 {
			return nil, io.EOF
		}
		r := p.queue[0]
		if err := p.pool.Await(ctx, r.job); err != nil {
			return nil, err
		}
		p.queue[0] = nil
		p.queue = p.queue[1:]
		if r.err != nil {
			return nil, r.err
		}
		s.emitted = r.end
		if r.report != nil {
			r.report()
		}
		if r.rows == 0 {
			return nil, io.EOF // the count ran out among events of other kinds
		}
		if r.batch == nil {
			continue // the stage dropped every row
		}
		return r.batch, nil
	}
}

// submitRange cuts the next range of the sequence, as many events as make
// one batch on one core, and submits it to the pool.
func (s *source) submitRange() {
	p := &s.par
	g, kind := s.tbl.(rangeTable).nexmark()
	budget := int64(-1)
	if s.count > 0 {
		budget = s.count - p.cut
	}
	from, k, rows := p.cut, p.cut, 0
	perEpoch := epochRows(kind)
	for rows < s.batchSize && budget != 0 {
		// A whole epoch of the kinds' cycle at once while it cannot hold
		// the batch's last row (which must end the range).
		if g.tl.eventID(k)%totalProportion == 0 && rows+perEpoch < s.batchSize &&
			(budget < 0 || budget >= totalProportion) {
			rows += perEpoch
			k += totalProportion
			budget -= totalProportion
			continue
		}
		if kindOf(g.tl.eventID(k)) == kind {
			rows++
		}
		k++
		budget--
	}
	p.cut = k
	if budget == 0 {
		p.ended = true
	}
	r := &genRange{from: from, end: k, rows: rows}
	if rows > 0 {
		// The clock is read here, in event order, so arrival times never
		// go back from one batch to the next as they could if each worker
		// read it.
		r.arrival = s.clock().UnixMilli()
	}
	r.job = ordered.NewJob(func(ctx context.Context, w *genWorker) { w.generate(ctx, r) })
	p.queue = append(p.queue, r)
	p.pool.Submit(r.job)
}

// epochRows is how many events of kind each cycle of totalProportion
// events holds.
func epochRows(kind EventKind) int {
	switch kind {
	case PersonEvent:
		return personProportion
	case AuctionEvent:
		return auctionProportion
	}
	return bidProportion
}

// generate makes r's batch, running the stage on it.
func (w *genWorker) generate(ctx context.Context, r *genRange) {
	if r.rows == 0 {
		return
	}
	g, _ := w.tbl.(rangeTable).nexmark()
	g.k = r.from
	w.tbl.reset()
	for w.tbl.len() < r.rows {
		if err := ctx.Err(); err != nil {
			r.err = err
			return
		}
		w.tbl.fill(r.end-g.k, min(r.rows-w.tbl.len(), chunkRows))
	}
	// The events after the last row, up to r.end, are of other kinds.
	batch := w.build(w.tbl, r.rows, r.arrival)
	if w.stage == nil {
		r.batch = batch
		return
	}
	out, report, err := w.stage(ctx, batch)
	r.report = report
	switch {
	case err != nil:
		r.err = err
	case out.NumRows() == 0:
		out.Release()
	default:
		r.batch = out
	}
}

// stopParallel ends the workers and releases the batches made ahead.
func (s *source) stopParallel() {
	p := &s.par
	if p.pool == nil {
		return
	}
	p.pool.Stop()
	for _, r := range p.queue {
		if r.job.Done() && r.batch != nil {
			r.batch.Release()
		}
	}
	p.queue = nil
	for _, w := range p.workers {
		if w.endStage != nil {
			w.endStage()
		}
	}
}
