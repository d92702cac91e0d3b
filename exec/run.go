package exec

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// Task is one goroutine of a running job: a source feeding its stream, a
// pump, or a destination draining a stream.
type Task struct {
	Name string
	Run  func(ctx context.Context) error
}

// Pipe reads op until io.EOF and publishes every batch to w with op's
// origin and partitions, then closes w and op. When op ends with
// ErrStopped, Pipe stops w (the job is stopping) and returns nil. It is the
// body of a pump.
func Pipe(ctx context.Context, op Operator, w *StreamWriter) (err error) {
	defer func() {
		if cerr := op.Close(); err == nil {
			err = cerr
		}
	}()
	for {
		b, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			return w.Close(ctx)
		}
		if errors.Is(err, ErrStopped) {
			return w.Stop(ctx)
		}
		if err != nil {
			return err
		}
		if err := w.WriteFrom(ctx, b, OriginOf(op), PartitionsOf(op)); err != nil {
			return err
		}
	}
}

// Drain reads op until io.EOF (or ErrStopped), handing every non-empty
// batch to write (which takes ownership of it), then closes op. It is the
// body of a destination task.
func Drain(ctx context.Context, op Operator, write func(ctx context.Context, b arrow.RecordBatch) error) (err error) {
	defer func() {
		if cerr := op.Close(); err == nil {
			err = cerr
		}
	}()
	for {
		b, err := op.Next(ctx)
		if errors.Is(err, io.EOF) || errors.Is(err, ErrStopped) {
			return nil
		}
		if err != nil {
			return err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		if err := write(ctx, b); err != nil {
			return err
		}
	}
}
