package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// Operator is one stage of a pipeline that pulls Arrow record batches.
//
// Next returns the next batch, which the caller owns and must Release, or
// io.EOF once the (bounded) input is exhausted. A batch may have zero rows
// (for example, to let time advance). Next checks ctx at least once per call.
//
// Close releases everything the operator holds, including its inputs. It may
// be called more than once, and is safe when Next never ran. An Operator is
// used by one goroutine at a time.
type Operator interface {
	Schema() *arrow.Schema
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
}

// Watermarker is implemented by operators that track event time. Watermark
// returns, after each Next, the operator's current watermark in
// milliseconds since the epoch: no row with an event time at or below it is
// expected any more. It returns math.MinInt64 while nothing is known.
type Watermarker interface {
	Watermark() int64
}
