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
	closedWriters map[int]bool
}

type message struct {
	batch     arrow.RecordBatch // nil for a watermark-only message
	writer    int
	watermark int64
	eof       bool
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
		marks: map[int]int64{}, watermark: math.MinInt64}
	for w := range s.closedWriters {
		r.marks[w] = math.MaxInt64
		r.eofs++
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

// Write publishes batch to every reader, taking ownership of it. It blocks
// while a reader's queue is full and returns ctx.Err() when ctx is done.
// watermark is the writer's event-time watermark after this batch
// (math.MinInt64 when unknown).
func (w *StreamWriter) Write(ctx context.Context, batch arrow.RecordBatch, watermark int64) error {
	return w.stream.publish(ctx, message{batch: batch, writer: w.id, watermark: watermark})
}

// Close tells the readers this writer is done. It may be called twice.
func (w *StreamWriter) Close(ctx context.Context) error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.stream.publish(ctx, message{writer: w.id, watermark: math.MaxInt64, eof: true})
}

func (s *Stream) publish(ctx context.Context, m message) error {
	s.mu.Lock()
	if m.eof {
		if s.closedWriters == nil {
			s.closedWriters = map[int]bool{}
		}
		s.closedWriters[m.writer] = true
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
	return nil
}

type streamReader struct {
	stream    *Stream
	ch        chan message
	gone      chan struct{}
	once      sync.Once
	marks     map[int]int64
	eofs      int
	watermark int64
	// holding is set while the batch Next last returned is being
	// processed: the next call to Next (or Close) finishes it.
	holding bool
}

var (
	_ Operator    = (*streamReader)(nil)
	_ Watermarker = (*streamReader)(nil)
)

func (r *streamReader) Schema() *arrow.Schema { return r.stream.schema }

// Next returns the next batch published to the stream (the caller releases
// it), or io.EOF once every writer has closed.
func (r *streamReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if r.holding {
		r.holding = false
		r.stream.tracker.add(-1)
	}
	for {
		r.stream.mu.Lock()
		writers := r.stream.writers
		r.stream.mu.Unlock()
		if r.eofs >= writers && (writers > 0 || !r.stream.awaitWriters) {
			return nil, io.EOF
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case m := <-r.ch:
			if m.eof {
				r.eofs++
			}
			r.marks[m.writer] = m.watermark
			r.watermark = r.minMark(writers)
			if m.batch != nil {
				r.holding = true
				return m.batch, nil
			}
			r.stream.tracker.add(-1)
		}
	}
}

func (r *streamReader) minMark(writers int) int64 {
	if len(r.marks) < writers {
		return math.MinInt64
	}
	min := int64(math.MaxInt64)
	for _, w := range r.marks {
		if w < min {
			min = w
		}
	}
	return min
}

// Watermark returns the minimum watermark over the stream's writers.
func (r *streamReader) Watermark() int64 { return r.watermark }

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
