package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type filter struct {
	env   Env
	ec    *EvalContext
	input Operator
	pred  Expr
	done  bool
}

var (
	_ Operator    = (*filter)(nil)
	_ Partitioned = (*filter)(nil)
)

// NewFilter returns an operator passing on the rows of input for which pred
// is TRUE (NULL and FALSE drop the row). A row on which pred fails at run
// time is reported to env.Errors and dropped. The filter owns input.
func NewFilter(env Env, input Operator, pred Expr) (Operator, error) {
	if pred.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("exec: filter predicate %s is %s, not BOOLEAN", pred, pred.DataType())
	}
	env = env.withDefaults()
	return &filter{env: env, ec: env.evalContext(), input: input, pred: pred}, nil
}

func (f *filter) Schema() *arrow.Schema { return f.input.Schema() }

// Next returns the next batch of passing rows; the caller releases it.
func (f *filter) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in, err := f.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := f.apply(ctx, in)
		in.Release()
		if err != nil {
			return nil, err
		}
		if out.NumRows() > 0 || in.NumRows() == 0 {
			return out, nil
		}
		out.Release()
	}
}

func (f *filter) apply(ctx context.Context, in arrow.RecordBatch) (arrow.RecordBatch, error) {
	if in.NumRows() == 0 {
		in.Retain()
		return in, nil
	}
	mask, err := f.pred.Eval(f.ec, in)
	if err != nil {
		return nil, fmt.Errorf("exec: filter: %w", err)
	}
	defer mask.Release()
	bad := reportRowErrors(f.env, in, f.ec.TakeRowErrors())
	m := mask.(*array.Boolean)
	if len(bad) > 0 {
		m = clearRows(f.env.Alloc, m, bad)
		defer m.Release()
	}
	if m.NullN() == 0 && allTrue(m) {
		in.Retain()
		return in, nil
	}
	out, err := compute.FilterRecordBatch(f.env.computeCtx(ctx), in, m,
		&compute.FilterOptions{NullSelection: compute.SelectionDropNulls})
	if err != nil {
		return nil, fmt.Errorf("exec: filter: %w", err)
	}
	return out, nil
}

// allTrue tells whether every (valid) value of m is true.
func allTrue(m *array.Boolean) bool {
	vals := m.Data().Buffers()[1]
	if vals == nil {
		return m.Len() == 0
	}
	return bitutil.CountSetBits(vals.Bytes(), m.Data().Offset(), m.Len()) == m.Len()
}

// clearRows returns a copy of m with the given sorted rows set to false.
func clearRows(mem memory.Allocator, m *array.Boolean, rows []int) *array.Boolean {
	keep := keepMask(mem, m.Len(), rows)
	defer keep.Release()
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Resize(m.Len())
	for i := 0; i < m.Len(); i++ {
		switch {
		case !keep.Value(i):
			b.Append(false)
		case m.IsNull(i):
			b.AppendNull()
		default:
			b.Append(m.Value(i))
		}
	}
	return b.NewBooleanArray()
}

// Watermark forwards the input's watermark.
func (f *filter) Watermark() int64 { return watermarkOf(f.input) }

// Origin forwards the input's origin: rows keep their partition.
func (f *filter) Origin() Origin { return OriginOf(f.input) }

// Partitions forwards the input's partitions.
func (f *filter) Partitions() []Partition { return PartitionsOf(f.input) }

func (f *filter) Close() error {
	if f.done {
		return nil
	}
	f.done = true
	return f.input.Close()
}
