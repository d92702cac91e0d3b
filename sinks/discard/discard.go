package discard

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
)

func init() {
	f := sinks.Factory{
		Name: "discard",
		Doc:  "counts and drops rows (for benchmarks)",
		Open: func(context.Context, sinks.Env, sources.Options) (sinks.Sink, error) { return New(), nil },
	}
	sinks.Register(f)
	sinks.Register(f.Alias("blackhole"))
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("discard: sink is closed")

// Sink counts and releases every batch it receives. Write and Close are
// used by one goroutine at a time, as for every sink; Rows and Batches may
// be read from any goroutine at any time.
type Sink struct {
	rows    atomic.Int64
	batches atomic.Int64
	closed  atomic.Bool
}

var _ sinks.Sink = (*Sink)(nil)

// New returns an open discard sink with zero counts.
func New() *Sink { return &Sink{} }

// Write counts batch and its rows and releases it. It fails, still
// releasing batch, when ctx is done or the sink is closed.
func (s *Sink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	defer batch.Release()
	if s.closed.Load() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("discard: %w", err)
	}
	s.rows.Add(batch.NumRows())
	s.batches.Add(1)
	return nil
}

// Close marks the sink closed; the counts stay readable. A second Close
// does nothing.
func (s *Sink) Close(context.Context) error {
	s.closed.Store(true)
	return nil
}

// Rows returns how many rows Write has counted.
func (s *Sink) Rows() int64 { return s.rows.Load() }

// Batches returns how many batches Write has counted.
func (s *Sink) Batches() int64 { return s.batches.Load() }
