package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
	"github.com/eddy-sql/eddy/sources/ordered"
)

// Parallel decoding. Without follow, and for formats whose records never
// span lines (JSON lines, CSV without quoting), a file is cut into
// morsels at line ends and the morsels are decoded side by side by a pool
// of workers, each with its own decoder and batch builder. The reading
// goroutine (the one calling Next) reads the morsels, hands them to the
// pool in order, and returns their batches strictly in morsel order: a
// file's batches come out in file order, with exact positions, as when it
// is read on one core, so per-origin lateness downstream decides the same
// rows. Bad records are reported by the reading goroutine, in order, just
// before the batch that follows them.

// Morsel sizes: about morselBudget bytes are read ahead over all open
// files, each morsel between minMorsel and maxMorsel bytes (more files
// open, smaller morsels), and a record longer than the framer's limit
// still fits.
const (
	readAhead    = 256 << 10 // bytes read at a time into a morsel
	countBlock   = 16 << 10  // bytes whose lines are counted at once
	maxMorsel    = 2 << 20
	minMorsel    = 256 << 10
	morselBudget = 16 << 20
)

// morsel is a run of whole lines of one file, decoded by one worker.
type morsel struct {
	path    string
	data    []byte
	start   int64 // uncompressed offset of data[0] in the file
	line    int64 // lines before data[0]
	first   bool  // data starts the file: its first record may be a header
	skip    bool  // data starts inside an over-long line: drop up to its end
	last    bool  // the file ends with data
	brk     error // the file broke off after data
	arrival time.Time

	out  []decoded // filled by the worker
	next int       // the first of out not yet returned
	job  *ordered.Job[*worker]
}

// decoded is one batch of a morsel (nil when only rejects are left), the
// bad records before it and the file's position and largest ROWTIME
// after it.
type decoded struct {
	err     error // the stage failed
	batch   arrow.RecordBatch
	rejects []sources.BadRecord
	report  func() // reports the stage's row errors (nil: none)
	offset  int64
	line    int64
	maxTime int64
}

// pool runs the decoding workers of one source on an ordered.Pool;
// morsels are decoded in the order they are submitted (a worker takes the
// oldest waiting).
type pool struct {
	ord     *ordered.Pool[*worker]
	free    chan []byte // morsel buffers to reuse
	size    int         // morsel size
	workers []*worker   // every worker, the reading goroutine's own last
}

// startPool starts n-1 workers, each with its own Ingest, and a worker
// for the reading goroutine itself: while the batch it needs next is
// still being decoded, it decodes waiting morsels instead of sleeping
// (on a busy machine, waking a sleeping thread can take milliseconds).
// So n goroutines decode: one more would compete for the n cores, and
// while the scheduler parks the one decoding the oldest morsel the others
// run out of morsels and cores idle.
func (s *source) startPool(n int) error {
	pl := &pool{free: make(chan []byte, 4*n+4)}
	pl.size = min(maxMorsel, max(minMorsel, morselBudget/(2*n+2)/max(1, min(len(s.parts), s.maxOpen))))
	if s.morsel > 0 {
		pl.size = s.morsel
	}
	workers := make([]*worker, n)
	for i := range workers {
		w := &worker{batchSize: s.batchSize, rowtime: len(s.env.Schema.Fields()) - 1}
		env := s.env
		env.Reject = func(r sources.BadRecord) { w.rejects = append(w.rejects, r) }
		in, err := codec.NewIngest(env, s.opts, s.batchSize)
		if err != nil {
			releaseWorkers(workers[:i])
			return fmt.Errorf("file: %w", err)
		}
		w.in = in
		workers[i] = w
		if s.newStage != nil {
			if w.stage, w.endStage, err = s.newStage(); err != nil {
				releaseWorkers(workers[:i+1])
				return fmt.Errorf("file: %w", err)
			}
		}
	}
	pl.workers = workers
	pl.ord = ordered.Start(workers, 4*n+maxOpen)
	s.pool = pl
	return nil
}

// releaseWorkers releases the workers' decoders and stages.
func releaseWorkers(workers []*worker) {
	for _, w := range workers {
		w.in.Release()
		if w.endStage != nil {
			w.endStage()
		}
	}
}

// submit queues m for decoding.
func (pl *pool) submit(m *morsel) {
	m.job = ordered.NewJob(func(ctx context.Context, w *worker) {
		w.ctx = ctx
		pl.run(w, m)
	})
	pl.ord.Submit(m.job)
}

// run decodes m with w.
func (pl *pool) run(w *worker, m *morsel) {
	w.decode(m)
	w.in.Framer().Reset()
	select {
	case pl.free <- m.data[:0]:
	default:
	}
	m.data = nil
}

// await returns once m is decoded, decoding waiting morsels with the
// reading goroutine's own worker meanwhile.
func (pl *pool) await(ctx context.Context, m *morsel) error { return pl.ord.Await(ctx, m.job) }

// stop ends the workers and waits for them. Morsels not decoded are
// dropped; decoded batches not returned are released by the caller.
func (pl *pool) stop() {
	pl.ord.Stop()
	releaseWorkers(pl.workers)
}

// worker decodes morsels into batches with its own Ingest.
type worker struct {
	in        *codec.Ingest
	batchSize int
	rowtime   int
	rejects   []sources.BadRecord // reported while decoding the current batch
	stage     Stage               // nil: none (see StageBatches)
	endStage  func()
	ctx       context.Context
}

// Stage is a function a decoding worker applies to each batch it makes
// (a filter, a projection): it takes ownership of the batch and returns
// the batch to deliver, which may have no rows, and, when the stage met
// row errors, a function that reports them: the reading goroutine calls
// it when it delivers that batch (or would, had it rows), after the bad
// records before it, so the error stream keeps the order of the rows.
type Stage = func(ctx context.Context, in arrow.RecordBatch) (out arrow.RecordBatch, report func(), err error)

// StageBatches makes the decoding workers apply a stage of their own,
// made by newStage (which returns it and a function releasing it), to
// every batch, so that stateless operators run on every core; the source
// then skips batches left with no rows. It returns false, and calls
// nothing, when the source decodes on one core. Call it before the first
// Next.
func (s *source) StageBatches(newStage func() (Stage, func(), error)) bool {
	if !s.parallel() || s.pool != nil {
		return false
	}
	s.newStage = newStage
	return true
}

// decode turns m's lines into batches of at most batchSize rows.
func (w *worker) decode(m *morsel) {
	data, start, line := m.data, m.start, m.line
	if m.skip {
		k := bytes.IndexByte(data, '\n')
		if k < 0 {
			data = nil
		} else {
			data, start, line = data[k+1:], start+int64(k)+1, line+1
		}
	}
	if m.first {
		w.in.Start(m.path, m.path)
	} else {
		w.in.Continue(m.path, m.path, line)
	}
	w.in.Framer().Use(data)
	switch {
	case m.brk != nil:
		w.in.Break(m.brk)
	case m.last:
		w.in.End()
	}
	fed := int64(len(data))
	for {
		w.in.Drain(m.arrival, w.batchSize)
		n := w.in.Len()
		if n == 0 && len(w.rejects) == 0 {
			return
		}
		d := decoded{rejects: w.rejects, maxTime: math.MinInt64}
		w.rejects = nil
		if n > 0 {
			d.batch = w.in.Flush()
			rt := d.batch.Column(w.rowtime).(*array.Timestamp)
			for _, v := range rt.TimestampValues() {
				d.maxTime = max(d.maxTime, int64(v))
			}
		}
		if d.batch != nil && w.stage != nil {
			out, report, err := w.stage(w.ctx, d.batch)
			d.report = report
			switch {
			case err != nil:
				d.batch, d.err = nil, err
			case out.NumRows() == 0:
				out.Release()
				d.batch = nil
			default:
				d.batch = out
			}
		}
		d.offset = start + fed - int64(w.in.Framer().Pending())
		d.line = w.in.Framer().Lines()
		m.out = append(m.out, d)
		if n < w.batchSize {
			return
		}
	}
}

// parallel tells whether the source decodes on several cores.
func (s *source) parallel() bool { return s.workers > 1 }

// fillParallel returns p's next batch in file order, reading ahead and
// handing morsels to the pool; nil when p had no row left (p is then
// finished).
func (s *source) fillParallel(ctx context.Context, p *part) (arrow.RecordBatch, error) {
	if s.pool == nil {
		if err := s.startPool(s.workers); err != nil {
			return nil, err
		}
	}
	if !p.started {
		p.started, p.next, p.nextLine, p.carry, p.cut = true, p.offset, p.line, p.carry[:0], false
	}
	for {
		s.readAhead(p)
		if len(p.queue) == 0 {
			s.finish(p)
			return nil, nil
		}
		m := p.queue[0]
		if err := s.pool.await(ctx, m); err != nil {
			return nil, err
		}
		if m.next == len(m.out) {
			p.queue = p.queue[1:]
			s.inflight--
			continue
		}
		d := m.out[m.next]
		m.out[m.next] = decoded{}
		m.next++
		for _, r := range d.rejects {
			s.reject1(r)
		}
		if d.report != nil {
			d.report()
		}
		if d.err != nil {
			return nil, d.err
		}
		p.offset, p.line = d.offset, d.line
		p.maxTime = max(p.maxTime, d.maxTime)
		if d.batch == nil {
			continue
		}
		p.lastRow = s.clock()
		s.origin = p.origin
		return d.batch, nil
	}
}

func (s *source) reject1(r sources.BadRecord) {
	if s.env.Reject != nil {
		s.env.Reject(r)
	}
}

// readAhead reads morsels of p and submits them while the source has
// fewer than its budget in flight; p always gets one.
func (s *source) readAhead(p *part) {
	for !p.ended && (len(p.queue) == 0 || s.inflight < 2*s.workers+2) {
		m := s.readMorsel(p)
		p.queue = append(p.queue, m)
		s.inflight++
		s.pool.submit(m)
	}
}

// readMorsel reads p's next morsel: batch_size lines (so that a morsel
// makes one full batch, as on one core), or the lines within morsel_size
// bytes when that option is set, or the file's end. The rest of the last
// line read is kept for the next morsel.
func (s *source) readMorsel(p *part) *morsel {
	var buf []byte
	select {
	case buf = <-s.pool.free:
	default:
		buf = make([]byte, 0, s.pool.size)
	}
	buf = append(buf, p.carry...)
	p.carry = p.carry[:0]
	m := &morsel{path: p.path, start: p.next, line: p.nextLine, first: p.next == 0 && p.nextLine == 0 && !p.cut,
		skip: p.cut, arrival: s.clock()}
	p.cut = false
	want := s.batchSize // lines
	limit := len(buf)   // bytes read so far
	if s.morsel > 0 {
		want = math.MaxInt
	}
	// scanned is just after the last line end found, looked how far the
	// bytes are counted: no line ends between them.
	scanned, looked, lines, cut := 0, 0, 0, -1
	for cut < 0 {
		// Count the lines among the bytes read, a block at a time, and
		// find the line end to cut at in the block that holds it.
		for lines < want && looked < len(buf) {
			blk := buf[looked:min(len(buf), looked+countBlock)]
			c := bytes.Count(blk, []byte{'\n'})
			if lines+c >= want {
				for lines < want {
					looked += bytes.IndexByte(buf[looked:], '\n') + 1
					lines++
				}
				scanned = looked
				break
			}
			if c > 0 {
				scanned = looked + bytes.LastIndexByte(blk, '\n') + 1
			}
			lines += c
			looked += len(blk)
		}
		if lines == want {
			cut = scanned
			break
		}
		if s.morsel > 0 && len(buf) >= s.morsel && scanned > 0 {
			cut = scanned
			break
		}
		if len(buf)-scanned > codec.MaxRecord+readAhead {
			// A line over the record limit: the worker rejects it as too
			// long, and the next morsel skips the rest of it.
			cut, p.cut = len(buf), true
			break
		}
		// Read more.
		limit = len(buf) + readAhead
		if s.morsel > 0 && len(buf) < s.morsel {
			limit = s.morsel
		}
		if cap(buf) < limit {
			nb := make([]byte, len(buf), max(limit, 2*cap(buf)))
			copy(nb, buf)
			buf = nb
		}
		n, err := io.ReadAtLeast(p.r, buf[len(buf):limit], 1)
		buf = buf[:len(buf)+n]
		p.read += int64(n)
		switch {
		case errors.Is(err, io.EOF):
			m.last, p.ended = true, true
		case err != nil:
			m.brk = fmt.Errorf("file: %s: input breaks off at byte %d (uncompressed): %w", p.path, p.read, err)
			p.ended = true
		}
		if p.ended {
			cut = len(buf)
			lines += bytes.Count(buf[looked:], []byte{'\n'})
		}
	}
	p.carry = append(p.carry, buf[cut:]...)
	buf = buf[:cut]
	m.data = buf
	p.next += int64(len(buf))
	p.nextLine += int64(lines)
	return m
}

// dropQueue releases the batches p's morsels decoded and did not return.
// The pool must have stopped: a morsel not done then was never decoded.
func (s *source) dropQueue(p *part) {
	for _, m := range p.queue {
		if !m.job.Done() {
			continue
		}
		for _, d := range m.out[m.next:] {
			if d.batch != nil {
				d.batch.Release()
			}
		}
	}
	s.inflight -= len(p.queue)
	p.queue = nil
}
