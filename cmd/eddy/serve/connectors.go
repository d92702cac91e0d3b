package serve

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
)

// appConnectors are an application's connectors: the host's, with every
// option checked against the confinement, and sources and destinations
// counted for the metrics.
type appConnectors struct {
	inner   planner.Connectors
	confine *confinement
	metrics *appMetrics
	ids     map[string]string // stream → KDA input or output id
}

var (
	_ planner.Connectors = (*appConnectors)(nil)
	_ planner.Versioner  = (*appConnectors)(nil)
)

func (c *appConnectors) IsSource(name string) bool { return c.inner.IsSource(name) }
func (c *appConnectors) IsSink(name string) bool   { return c.inner.IsSink(name) }

// OpenSource opens a source whose batches are counted and whose
// partitions' lag is recorded.
func (c *appConnectors) OpenSource(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (*planner.OpenedSource, error) {
	if err := c.confine.check(options); err != nil {
		return nil, err
	}
	src, err := c.inner.OpenSource(ctx, stream, schema, options, errs)
	if err != nil {
		return nil, err
	}
	tap := c.metrics.tapOf(stream)
	tap.setSchema(schema)
	op := &countedSource{Operator: src.Op, counters: c.metrics.flow("input", stream, c.ids[stream]), metrics: c.metrics, stream: stream, tap: tap, time: c.metrics.timeOf(stream)}
	return &planner.OpenedSource{Op: op, Raw: src.Raw}, nil
}

// DiscoverSource samples a source.
func (c *appConnectors) DiscoverSource(ctx context.Context, options map[string]string) ([]planner.Column, error) {
	if err := c.confine.check(options); err != nil {
		return nil, err
	}
	return c.inner.DiscoverSource(ctx, options)
}

// SourceVersion asks the host's connectors for an object's version when
// they can tell it.
func (c *appConnectors) SourceVersion(ctx context.Context, options map[string]string) (string, error) {
	if err := c.confine.check(options); err != nil {
		return "", err
	}
	if v, ok := c.inner.(planner.Versioner); ok {
		return v.SourceVersion(ctx, options)
	}
	return "", nil
}

// OpenSink opens a destination whose writes are counted; it keeps the
// optional abilities (sinks.Flusher, sinks.Committer) of the one it wraps.
func (c *appConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	if err := c.confine.check(options); err != nil {
		return nil, err
	}
	s, err := c.inner.OpenSink(ctx, stream, schema, options, errs)
	if err != nil {
		return nil, err
	}
	tap := c.metrics.tapOf(stream)
	tap.setSchema(schema)
	base := countedSink{inner: s, counters: c.metrics.flow("output", stream, c.ids[stream]), tap: tap, time: c.metrics.timeOf(stream)}
	_, flushes := s.(sinks.Flusher)
	_, commits := s.(sinks.Committer)
	switch {
	case flushes && commits:
		return &countedFlushCommitter{countedCommitter{base}}, nil
	case commits:
		return &countedCommitter{base}, nil
	case flushes:
		return &countedFlusher{base}, nil
	}
	return &base, nil
}

// countedSource counts a source's batches and records its partitions'
// lag after each Next.
type countedSource struct {
	exec.Operator
	counters *flowCounters
	metrics  *appMetrics
	stream   string
	tap      *streamTap // the console's live views
	time     *streamTime
}

var _ exec.Partitioned = (*countedSource)(nil)

// Next returns the source's next batch (the caller releases it).
func (s *countedSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := s.Operator.Next(ctx)
	if err == nil {
		s.counters.records.Add(b.NumRows())
		s.counters.bytes.Add(batchBytes(b))
		s.tap.batch(b)
	}
	parts := exec.PartitionsOf(s.Operator)
	lags := make(map[string]int64, len(parts))
	for _, p := range parts {
		if p.Lag >= 0 && p.Name != "" {
			lags[p.Name] = p.Lag
		}
	}
	if len(lags) > 0 {
		s.metrics.setLag(s.stream, lags)
	}
	s.time.partitions(parts)
	return b, err
}

// Origin is the wrapped source's.
func (s *countedSource) Origin() exec.Origin { return exec.OriginOf(s.Operator) }

// Partitions are the wrapped source's.
func (s *countedSource) Partitions() []exec.Partition { return exec.PartitionsOf(s.Operator) }

// countedSink counts the rows and bytes of writes that succeed.
type countedSink struct {
	inner    planner.Sink
	counters *flowCounters
	tap      *streamTap // the console's live views
	time     *streamTime
}

// Write forwards batch (the caller keeps ownership).
func (s *countedSink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	n, size := batch.NumRows(), batchBytes(batch)
	s.tap.batch(batch) // before the write: a sink may release what it has written
	s.time.batch(batch)
	err := s.inner.Write(ctx, batch)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			s.counters.success.Store(0)
		}
		return err
	}
	s.counters.records.Add(n)
	s.counters.bytes.Add(size)
	s.counters.success.Store(1)
	return nil
}

// Close forwards Close.
func (s *countedSink) Close(ctx context.Context) error { return s.inner.Close(ctx) }

func (s *countedSink) flush(ctx context.Context) error {
	err := s.inner.(sinks.Flusher).Flush(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		s.counters.success.Store(0)
	}
	return err
}

func (s *countedSink) committer() sinks.Committer { return s.inner.(sinks.Committer) }

type countedFlusher struct{ countedSink }

// Flush forwards Flush.
func (s *countedFlusher) Flush(ctx context.Context) error { return s.flush(ctx) }

type countedCommitter struct{ countedSink }

// Prepare forwards Prepare.
func (s *countedCommitter) Prepare(ctx context.Context, id int64) error {
	return s.committer().Prepare(ctx, id)
}

// Commit forwards Commit.
func (s *countedCommitter) Commit(ctx context.Context, id int64) error {
	return s.committer().Commit(ctx, id)
}

// Abort forwards Abort.
func (s *countedCommitter) Abort(ctx context.Context, id int64) error {
	return s.committer().Abort(ctx, id)
}

type countedFlushCommitter struct{ countedCommitter }

// Flush forwards Flush.
func (s *countedFlushCommitter) Flush(ctx context.Context) error { return s.flush(ctx) }

var (
	_ sinks.Flusher   = (*countedFlusher)(nil)
	_ sinks.Committer = (*countedCommitter)(nil)
	_ sinks.Flusher   = (*countedFlushCommitter)(nil)
	_ sinks.Committer = (*countedFlushCommitter)(nil)
)

// batchBytes is the size of a batch's Arrow buffers.
func batchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, col := range b.Columns() {
		n += dataBytes(col.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}
