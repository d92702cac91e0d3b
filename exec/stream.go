package exec

import (
	"context"
	"io"
	"math"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultQueueBatches is how many batches a stream queues for each reader
// before its writers block: the bound that makes a slow reader push back.
const DefaultQueueBatches = 8

// Stream is an in-application stream: any number of writers (pumps or a
// source) publish batches, and every reader subscribed before Start sees
// every batch, in the order each writer published them. Each reader has a
// bounded queue, so a slow reader slows the writers down instead of letting
// memory grow. When every writer has closed, readers get io.EOF.
//
// A Stream is safe for concurrent use.
type Stream struct {
	name   string
	schema *arrow.Schema
	depth  int

	tracker *Tracker
	// awaitWriters: with no writer yet, readers wait for one instead of
	// seeing io.EOF (live sessions, where pumps come and go).
	awaitWriters bool

	mu            sync.Mutex
	readers       []*streamReader
	writers       int
	closedWriters map[int]bool // writer id → whether it stopped (rather than finished)

	taps streamTaps // see Tap
}

type message struct {
	batch  arrow.RecordBatch // nil for a message that only ends the writer
	writer int
	origin Origin      // the batch's origin, already mixed with the writer id
	parts  []Partition // the writer's partitions, origins mixed; owned by the message
	eof    bool
	// stopped: the writer ended because the job is stopping, not because
	// its data ended (readers return ErrStopped, partitions stay open).
	stopped bool
}

// NewStream returns a stream of batches with the given schema. depth is
// the per-reader queue length in batches (DefaultQueueBatches when ≤ 0).
func NewStream(name string, schema *arrow.Schema, depth int) *Stream {
	if depth <= 0 {
		depth = DefaultQueueBatches
	}
	return &Stream{name: name, schema: schema, depth: depth}
}

// Track makes the stream count its in-flight batches in t. It must be
// called before the first Publish.
func (s *Stream) Track(t *Tracker) { s.tracker = t }

// AwaitWriters makes readers of a stream with no writer wait for one
// rather than end at once. Live sessions use it: a pump may be created
// after the query that reads its stream.
func (s *Stream) AwaitWriters() { s.awaitWriters = true }

// QueueFill returns how many batches wait in the fullest reader's queue
// and the queues' capacity. A queue that stays near full means its reader
// is slower than the writers, which it holds back (backpressure).
func (s *Stream) QueueFill() (queued, capacity int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.readers {
		queued = max(queued, len(r.ch))
	}
	return queued, s.depth
}

// Name returns the stream's name.
func (s *Stream) Name() string { return s.name }

// Schema returns the schema of every batch of the stream.
func (s *Stream) Schema() *arrow.Schema { return s.schema }

// Readers returns how many readers have subscribed.
func (s *Stream) Readers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.readers)
}

// Subscribe adds a reader and returns it as an Operator. A reader sees
// every batch published after it subscribed; subscribe before the writers
// start to see them all. The reader implements Watermarker: its watermark
// is the minimum over the stream's writers.
func (s *Stream) Subscribe() (Operator, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &streamReader{stream: s, ch: make(chan message, s.depth), gone: make(chan struct{}),
		parts: map[int][]Partition{}, watermark: math.MinInt64}
	for w, stopped := range s.closedWriters {
		r.eofs++
		if stopped {
			r.stopped = true
			r.parts[w] = []Partition{{Origin: MixOrigin(w, 0), Watermark: NoWatermark, MaxTime: math.MinInt64, Lag: -1}}
		} else {
			r.parts[w] = []Partition{{Origin: MixOrigin(w, 0), Done: true, Watermark: math.MaxInt64, MaxTime: math.MinInt64, Lag: -1}}
		}
	}
	s.readers = append(s.readers, r)
	return r, nil
}

// NewWriter adds a writer. Every writer must be closed for readers to see
// io.EOF.
func (s *Stream) NewWriter() *StreamWriter {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &StreamWriter{stream: s, id: s.writers}
	s.writers++
	return w
}

// StreamWriter publishes into a Stream. One goroutine uses a writer.
type StreamWriter struct {
	stream *Stream
	id     int
	closed bool
}

// Write publishes batch to every reader, taking ownership of it, as the
// writer's only partition (origin 0) with the explicit watermark watermark
// (NoWatermark when unknown). It blocks while a reader's queue is full and
// returns ctx.Err() when ctx is done.
func (w *StreamWriter) Write(ctx context.Context, batch arrow.RecordBatch, watermark int64) error {
	return w.WriteFrom(ctx, batch, 0, []Partition{{Watermark: watermark, MaxTime: math.MinInt64, Lag: -1}})
}

// WriteFrom publishes batch (which may have no rows, to pass on progress)
// to every reader, taking ownership of it. origin is the batch's origin and
// parts the state of every partition the writer knows (see Partitioned); parts
// is copied, so the caller may reuse it. It blocks while a reader's queue
// is full and returns ctx.Err() when ctx is done.
func (w *StreamWriter) WriteFrom(ctx context.Context, batch arrow.RecordBatch, origin Origin, parts []Partition) error {
	mixed := make([]Partition, len(parts))
	for i, p := range parts {
		p.Origin = MixOrigin(w.id, p.Origin)
		mixed[i] = p
	}
	return w.stream.publish(ctx, message{batch: batch, writer: w.id, origin: MixOrigin(w.id, origin), parts: mixed})
}

// Close tells the readers this writer's data has ended: its partitions are
// done. It may be called twice.
func (w *StreamWriter) Close(ctx context.Context) error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.stream.publish(ctx, message{writer: w.id, eof: true})
}

// Stop tells the readers this writer ends because the job is stopping:
// once every writer has ended and one of them stopped, readers return
// ErrStopped instead of io.EOF, and the stopped writer's partitions are
// not done (windows over them stay open). It may be called twice, and
// after Close it does nothing.
func (w *StreamWriter) Stop(ctx context.Context) error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.stream.publish(ctx, message{writer: w.id, eof: true, stopped: true})
}

func (s *Stream) publish(ctx context.Context, m message) error {
	s.mu.Lock()
	if m.eof {
		if s.closedWriters == nil {
			s.closedWriters = map[int]bool{}
		}
		s.closedWriters[m.writer] = m.stopped
	}
	readers := s.readers
	s.mu.Unlock()
	if m.batch != nil {
		defer m.batch.Release()
	}
	for _, r := range readers {
		if m.batch != nil {
			m.batch.Retain()
		}
		s.tracker.add(1)
		select {
		case r.ch <- m:
			select {
			case <-r.gone: // closed meanwhile: nobody will read what we queued
				r.drain()
			default:
			}
		case <-ctx.Done():
			s.tracker.add(-1)
			if m.batch != nil {
				m.batch.Release()
			}
			return ctx.Err()
		case <-r.gone:
			s.tracker.add(-1)
			if m.batch != nil {
				m.batch.Release()
			}
		}
	}
	s.tap(m.batch)
	return nil
}

type streamReader struct {
	stream  *Stream
	ch      chan message
	gone    chan struct{}
	once    sync.Once
	eofs    int
	stopped bool // a writer stopped: the end is ErrStopped, not io.EOF
	// parts holds each writer's partitions as of its last message; all is
	// their concatenation (with a placeholder for writers not heard from),
	// rebuilt when dirty.
	parts     map[int][]Partition
	all       []Partition
	dirty     bool
	builtFor  int
	origin    Origin
	watermark int64
	// holding is set while the batch (or the end: io.EOF, ErrStopped)
	// Next last returned is being processed: the next call to Next (or
	// Close) finishes it.
	holding bool
}

var (
	_ Operator    = (*streamReader)(nil)
	_ Watermarker = (*streamReader)(nil)
	_ Partitioned = (*streamReader)(nil)
)

func (r *streamReader) Schema() *arrow.Schema { return r.stream.schema }

// Next returns the next batch published to the stream (the caller releases
// it), or io.EOF once every writer has closed (ErrStopped when one of them
// stopped). With a Tracker, what Next returned, the end included, counts
// as in flight until the next Next or Close: the caller is processing it.
func (r *streamReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if r.holding {
		r.holding = false
		r.stream.tracker.add(-1)
	}
	for {
		if err := r.end(); err != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case m := <-r.ch:
			r.dirty = true
			if m.eof {
				r.eofs++
				if m.stopped {
					r.stopped = true
				} else {
					// Finished: every partition of the writer is done.
					done := make([]Partition, 0, max(1, len(r.parts[m.writer])))
					for _, p := range r.parts[m.writer] {
						p.Done, p.Backlog, p.Watermark = true, false, math.MaxInt64
						done = append(done, p)
					}
					if len(done) == 0 {
						done = append(done, Partition{Origin: MixOrigin(m.writer, 0), Done: true, Watermark: math.MaxInt64, MaxTime: math.MinInt64, Lag: -1})
					}
					r.parts[m.writer] = done
				}
			} else if len(m.parts) > 0 {
				// A writer that knows no partition yet keeps its
				// placeholder, which holds the watermark back.
				r.parts[m.writer] = m.parts
			}
			r.stream.mu.Lock()
			writers := r.stream.writers
			r.stream.mu.Unlock()
			r.watermark = r.minMark(writers)
			if m.batch != nil {
				r.origin = m.origin
				r.holding = true
				return m.batch, nil
			}
			if err := r.end(); err != nil {
				// The consumer finishes (final windows, their output)
				// on this end as on a batch: it stays in flight until
				// the next Next or Close.
				r.holding = true
				return nil, err
			}
			r.stream.tracker.add(-1)
		}
	}
}

// end returns what Next returns once every writer has ended: io.EOF, or
// ErrStopped when one of them stopped; nil while the stream goes on.
func (r *streamReader) end() error {
	r.stream.mu.Lock()
	writers := r.stream.writers
	r.stream.mu.Unlock()
	switch {
	case r.eofs < writers || writers == 0 && r.stream.awaitWriters:
		return nil
	case r.stopped:
		return ErrStopped
	}
	return io.EOF
}

// minMark is the minimum explicit watermark over the writers' partitions
// (math.MinInt64 while a writer has not been heard from).
func (r *streamReader) minMark(writers int) int64 {
	if len(r.parts) < writers {
		return math.MinInt64
	}
	m := int64(math.MaxInt64)
	for _, ps := range r.parts {
		for _, p := range ps {
			if !p.Done && !p.Idle {
				m = min(m, p.Watermark)
			}
		}
	}
	return m
}

// Watermark returns the minimum explicit watermark over the stream's
// writers' partitions: a bound only when every writer promises one (pumps
// of windowed queries); sources leave it to the rows (see Partitions).
func (r *streamReader) Watermark() int64 { return r.watermark }

// Origin returns the origin of the batch Next returned last.
func (r *streamReader) Origin() Origin { return r.origin }

// Partitions returns the partitions of every writer, in writer order; a
// writer not heard from yet has one placeholder partition that holds the
// watermark back.
func (r *streamReader) Partitions() []Partition {
	r.stream.mu.Lock()
	writers := r.stream.writers
	r.stream.mu.Unlock()
	if !r.dirty && len(r.all) > 0 && writers == r.builtFor {
		return r.all
	}
	r.all = r.all[:0]
	for w := range writers {
		ps, ok := r.parts[w]
		if !ok {
			r.all = append(r.all, Partition{Origin: MixOrigin(w, 0), Watermark: NoWatermark, MaxTime: math.MinInt64, Lag: -1})
			continue
		}
		r.all = append(r.all, ps...)
	}
	r.dirty, r.builtFor = false, writers
	return r.all
}

// Close stops reading: writers no longer wait for this reader, and batches
// still queued are released.
func (r *streamReader) Close() error {
	r.once.Do(func() {
		close(r.gone)
		if r.holding {
			r.holding = false
			r.stream.tracker.add(-1)
		}
		r.drain()
	})
	return nil
}

func (r *streamReader) drain() {
	for {
		select {
		case m := <-r.ch:
			r.stream.tracker.add(-1)
			if m.batch != nil {
				m.batch.Release()
			}
		default:
			return
		}
	}
}

// watermarkOf returns op's watermark, or math.MinInt64 when op tracks none.
func watermarkOf(op Operator) int64 {
	if w, ok := op.(Watermarker); ok {
		return w.Watermark()
	}
	return math.MinInt64
}
