package exec

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SortKey is one ORDER BY key: a column of the input and its direction.
type SortKey struct {
	Column int
	Desc   bool
}

type sortOp struct {
	env   Env
	input Operator
	keys  []SortKey
	done  bool
	out   bool
}

var _ Operator = (*sortOp)(nil)

// NewSort returns a blocking operator for bounded input: it reads input to
// the end, then returns all its rows in one batch sorted by keys (NULLs
// last, stable), then io.EOF. It holds every row until then, so it is for
// bounded queries (reports), not for streams. The sort owns input.
func NewSort(env Env, input Operator, keys []SortKey) (Operator, error) {
	for _, k := range keys {
		if k.Column < 0 || k.Column >= len(input.Schema().Fields()) {
			return nil, fmt.Errorf("exec: sort: no column %d", k.Column)
		}
	}
	return &sortOp{env: env.withDefaults(), input: input, keys: keys}, nil
}

func (s *sortOp) Schema() *arrow.Schema { return s.input.Schema() }

// Next returns the sorted rows once the input has ended; the caller
// releases the batch.
func (s *sortOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.out {
		return nil, io.EOF
	}
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for {
		b, err := s.input.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if b.NumRows() == 0 {
			b.Release()
			continue
		}
		batches = append(batches, b)
	}
	s.out = true
	all, err := concatBatches(s.env, s.Schema(), batches)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	if all.NumRows() == 0 {
		all.Retain()
		return all, nil
	}
	keys := make([]compute.SortKey, len(s.keys))
	for i, k := range s.keys {
		keys[i] = compute.SortKey{ColumnIndex: k.Column, Order: compute.SortOrderAscending, NullPlacement: compute.SortNullsAtEnd}
		if k.Desc {
			keys[i].Order = compute.SortOrderDescending
		}
	}
	cctx := s.env.computeCtx(ctx)
	// arrow-go v18.8.0's SortIndicesRecordBatch leaks a small scratch
	// buffer; computing the indices with Go's garbage-collected allocator
	// keeps the leak out of the job's allocator.
	idx, err := compute.SortIndicesRecordBatch(compute.WithAllocator(ctx, memory.NewGoAllocator()), all, keys)
	if err != nil {
		return nil, fmt.Errorf("exec: sort: %w", err)
	}
	defer idx.Release()
	cols := make([]arrow.Array, all.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		if cols[i], err = compute.TakeArray(cctx, all.Column(i), idx); err != nil {
			return nil, fmt.Errorf("exec: sort: %w", err)
		}
	}
	return array.NewRecordBatch(s.Schema(), cols, all.NumRows()), nil
}

// concatBatches joins batches into one; the caller releases it.
func concatBatches(env Env, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(schema.Fields()))
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	for i := range cols {
		parts := make([]arrow.Array, len(batches))
		for j, b := range batches {
			parts[j] = b.Column(i)
		}
		if len(parts) == 0 {
			cols[i] = array.MakeArrayOfNull(env.Alloc, schema.Field(i).Type, 0)
			continue
		}
		c, err := array.Concatenate(parts, env.Alloc)
		if err != nil {
			for _, done := range cols[:i] {
				done.Release()
			}
			return nil, fmt.Errorf("exec: sort: %w", err)
		}
		cols[i] = c
	}
	out := array.NewRecordBatch(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// Watermark is the end of time once the sorted rows are out.
func (s *sortOp) Watermark() int64 {
	if s.out {
		return 1<<63 - 1
	}
	return -1 << 63
}

func (s *sortOp) Close() error {
	if s.done {
		return nil
	}
	s.done = true
	return s.input.Close()
}
