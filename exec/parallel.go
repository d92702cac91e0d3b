package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BatchStage applies a stateless operator (a filter, a projection) to one
// batch at a time: it takes ownership of in and returns the operator's
// output for it, possibly with no rows, which the caller releases.
// Sources that decode on several cores run one stage per worker, so
// stateless operators run where the batches are made. A BatchStage is not
// safe for concurrent use.
type BatchStage func(ctx context.Context, in arrow.RecordBatch) (arrow.RecordBatch, error)

// NewBatchStage returns a BatchStage running the operator build makes
// over an input of the given schema. The operator must be stateless and
// return at most one batch per input batch, passing an empty input batch
// on as an empty output (exec's filter and projection do). build is
// called once; the stage owns the operator and close releases it.
func NewBatchStage(schema *arrow.Schema, alloc memory.Allocator, build func(in Operator) (Operator, error)) (stage BatchStage, close func(), err error) {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	rb := array.NewRecordBuilder(alloc, schema)
	empty := rb.NewRecordBatch()
	rb.Release()
	feed := &feeder{schema: schema, empty: empty}
	op, err := build(feed)
	if err != nil {
		empty.Release()
		return nil, nil, err
	}
	stage = func(ctx context.Context, in arrow.RecordBatch) (arrow.RecordBatch, error) {
		feed.next = in
		out, err := op.Next(ctx)
		if feed.next != nil { // not taken: the operator failed before reading
			feed.next.Release()
			feed.next = nil
		}
		if err != nil {
			return nil, fmt.Errorf("exec: batch stage: %w", err)
		}
		return out, nil
	}
	return stage, func() { op.Close(); empty.Release() }, nil
}

// feeder is a BatchStage's input: the batch being staged, then empty
// batches (an operator that dropped every row asks for more).
type feeder struct {
	schema *arrow.Schema
	next   arrow.RecordBatch
	empty  arrow.RecordBatch
}

var _ Operator = (*feeder)(nil)

func (f *feeder) Schema() *arrow.Schema { return f.schema }

// Next returns the staged batch once, then empty batches (the caller
// releases them).
func (f *feeder) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if b := f.next; b != nil {
		f.next = nil
		return b, nil
	}
	if f.empty == nil {
		return nil, io.EOF
	}
	f.empty.Retain()
	return f.empty, nil
}

func (f *feeder) Close() error { return nil }
