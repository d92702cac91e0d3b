package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type project struct {
	env    Env
	ec     *EvalContext
	input  Operator
	exprs  []Expr
	schema *arrow.Schema
	done   bool
}

var (
	_ Operator    = (*project)(nil)
	_ Partitioned = (*project)(nil)
)

// NewProject returns an operator computing exprs over each batch of input,
// producing columns named names. A row on which any expression fails at run
// time is reported to env.Errors and left out of the output. The project
// owns input.
func NewProject(env Env, input Operator, exprs []Expr, names []string) (Operator, error) {
	if len(exprs) != len(names) {
		return nil, fmt.Errorf("exec: project: %d expressions, %d names", len(exprs), len(names))
	}
	fields := make([]arrow.Field, len(exprs))
	for i, e := range exprs {
		fields[i] = arrow.Field{Name: names[i], Type: e.DataType(), Nullable: true}
	}
	env = env.withDefaults()
	return &project{env: env, ec: env.evalContext(), input: input, exprs: exprs, schema: arrow.NewSchema(fields, nil)}, nil
}

func (p *project) Schema() *arrow.Schema { return p.schema }

// Next returns the next projected batch; the caller releases it.
func (p *project) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in, err := p.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	cols := make([]arrow.Array, len(p.exprs))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, e := range p.exprs {
		if cols[i], err = e.Eval(p.ec, in); err != nil {
			return nil, fmt.Errorf("exec: project %s: %w", e, err)
		}
	}
	out := array.NewRecordBatch(p.schema, cols, in.NumRows())
	bad := reportRowErrors(p.env, in, p.ec.TakeRowErrors())
	if len(bad) == 0 {
		return out, nil
	}
	defer out.Release()
	return dropRows(ctx, p.env, out, bad)
}

// dropRows returns batch without the given sorted rows.
func dropRows(ctx context.Context, env Env, batch arrow.RecordBatch, rows []int) (arrow.RecordBatch, error) {
	keep := keepMask(env.Alloc, int(batch.NumRows()), rows)
	defer keep.Release()
	out, err := compute.FilterRecordBatch(env.computeCtx(ctx), batch, keep, compute.DefaultFilterOptions())
	if err != nil {
		return nil, fmt.Errorf("exec: dropping failed rows: %w", err)
	}
	return out, nil
}

func keepMask(mem memory.Allocator, n int, drop []int) *array.Boolean {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Resize(n)
	j := 0
	for i := 0; i < n; i++ {
		if j < len(drop) && drop[j] == i {
			b.Append(false)
			j++
		} else {
			b.Append(true)
		}
	}
	return b.NewBooleanArray()
}

// Watermark forwards the input's watermark.
func (p *project) Watermark() int64 { return watermarkOf(p.input) }

// Origin forwards the input's origin: rows keep their partition.
func (p *project) Origin() Origin { return OriginOf(p.input) }

// Partitions forwards the input's partitions.
func (p *project) Partitions() []Partition { return PartitionsOf(p.input) }

func (p *project) Close() error {
	if p.done {
		return nil
	}
	p.done = true
	return p.input.Close()
}
