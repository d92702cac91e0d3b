package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// HashAggregator groups rows by key columns and folds aggregate arguments
// into per-group state held in column-oriented accumulators. It is the
// building block of GROUP BY and of windowed aggregation (one aggregator per
// window pane). It is not safe for concurrent use.
type HashAggregator struct {
	table *GroupTable
	specs []AggSpec
	accs  []Accumulator
	ids   []uint32
	tmp   []uint32
}

// NewHashAggregator returns an empty aggregator over keys of the given types
// (none: one global group) computing aggs.
func NewHashAggregator(keyTypes []arrow.DataType, aggs []AggSpec) (*HashAggregator, error) {
	t, err := NewGroupTable(keyTypes)
	if err != nil {
		return nil, err
	}
	h := &HashAggregator{table: t, specs: aggs}
	for _, s := range aggs {
		acc, err := s.NewAccumulator()
		if err != nil {
			return nil, err
		}
		h.accs = append(h.accs, acc)
	}
	return h, nil
}

// Table returns the aggregator's group table.
func (h *HashAggregator) Table() *GroupTable { return h.table }

// Len returns the number of live groups.
func (h *HashAggregator) Len() int { return h.table.Len() }

// Update folds one batch: keys are the key columns, args the evaluated
// aggregate arguments (nil entries for COUNT(*)), numRows the batch length,
// rows an optional selection of the rows to fold (nil: all). The arrays are
// not retained.
func (h *HashAggregator) Update(keys, args []arrow.Array, numRows int, rows []int32) error {
	if len(args) != len(h.accs) {
		return fmt.Errorf("exec: hash aggregate: %d arguments, want %d", len(args), len(h.accs))
	}
	var err error
	h.ids, err = h.table.Groups(keys, numRows, rows, h.ids)
	if err != nil {
		return err
	}
	n := h.table.Cap()
	for i, acc := range h.accs {
		acc.Grow(n)
		if err := acc.Update(args[i], rows, h.ids); err != nil {
			return err
		}
	}
	return nil
}

// Merge folds every group of src, an aggregator built with the same key
// types and specs, into h. Merge src panes in time order so FIRST_VALUE and
// LAST_VALUE stay right.
func (h *HashAggregator) Merge(src *HashAggregator) error {
	if len(src.accs) != len(h.accs) {
		return fmt.Errorf("exec: hash aggregate merge: %d aggregates, want %d", len(src.accs), len(h.accs))
	}
	src.tmp = src.table.LiveIDs(src.tmp[:0])
	h.ids = h.table.MergeFrom(src.table, src.tmp, h.ids[:0])
	n := h.table.Cap()
	for i, acc := range h.accs {
		acc.Grow(n)
		if err := acc.Merge(src.accs[i], src.tmp, h.ids); err != nil {
			return err
		}
	}
	return nil
}

// Build returns the key columns and aggregate results of every live group,
// in group id order (insertion order while nothing was deleted). The caller
// releases the arrays.
func (h *HashAggregator) Build(mem memory.Allocator) (keys, aggs []arrow.Array, err error) {
	h.tmp = h.table.LiveIDs(h.tmp[:0])
	return h.BuildGroups(mem, h.tmp)
}

// BuildGroups is Build for the groups ids only.
func (h *HashAggregator) BuildGroups(mem memory.Allocator, ids []uint32) (keys, aggs []arrow.Array, err error) {
	keys, err = h.table.KeyArrays(mem, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, acc := range h.accs {
		a, err := acc.Build(mem, ids)
		if err != nil {
			releaseAll(keys)
			releaseAll(aggs)
			return nil, nil, err
		}
		aggs = append(aggs, a)
	}
	return keys, aggs, nil
}

// Delete frees the groups ids: their keys and state are forgotten.
func (h *HashAggregator) Delete(ids []uint32) {
	for _, acc := range h.accs {
		acc.Reset(ids)
	}
	h.table.Delete(ids)
}

// Reset frees every group, keeping allocated capacity for reuse.
func (h *HashAggregator) Reset() {
	h.tmp = h.table.LiveIDs(h.tmp[:0])
	for _, acc := range h.accs {
		acc.Reset(h.tmp)
	}
	h.table.Reset()
}

// SizeBytes estimates the memory held by the aggregator's state: the
// accumulators, the group table and the per-row scratch the last batch
// left (every pane of a window keeps its own).
func (h *HashAggregator) SizeBytes() int {
	n := aggAggregatorOverhead + 4*cap(h.ids) + 4*cap(h.tmp)
	for _, acc := range h.accs {
		n += aggAccumulatorOverhead + acc.SizeBytes()
	}
	return n + h.table.SizeBytes()
}

// aggAggregatorOverhead is a HashAggregator's own size, and
// aggAccumulatorOverhead an accumulator's (struct, interface, type info).
const (
	aggAggregatorOverhead  = 96
	aggAccumulatorOverhead = 64
)

func releaseAll(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// HashAggregateConfig configures NewHashAggregate.
type HashAggregateConfig struct {
	// Keys are the grouping expressions; none means one global group.
	Keys []Expr
	// KeyNames name the key output columns (default: the expressions'
	// String()).
	KeyNames []string
	// Aggs are the aggregates, output after the keys.
	Aggs []AggSpec
	// Alloc allocates every array the operator makes.
	Alloc memory.Allocator
	// Errors receives row errors of the key and argument expressions; nil
	// drops them.
	Errors ErrorSink
	// Start and Clock feed the expressions' EvalContext.
	Start time.Time
	Clock func() time.Time
}

// NewHashAggregate returns a blocking GROUP BY over a bounded input: it
// folds every input batch, and at the input's io.EOF returns one batch with
// the key columns then the aggregates (one row per group; with no keys, one
// row even for an empty input), then io.EOF. It owns input.
func NewHashAggregate(input Operator, cfg HashAggregateConfig) (Operator, error) {
	if cfg.Alloc == nil {
		return nil, errors.New("exec: hash aggregate: nil allocator")
	}
	var keyTypes []arrow.DataType
	var fields []arrow.Field
	for i, k := range cfg.Keys {
		keyTypes = append(keyTypes, k.DataType())
		name := k.String()
		if i < len(cfg.KeyNames) && cfg.KeyNames[i] != "" {
			name = cfg.KeyNames[i]
		}
		fields = append(fields, arrow.Field{Name: name, Type: k.DataType(), Nullable: true})
	}
	for _, s := range cfg.Aggs {
		rt, err := s.ResultType()
		if err != nil {
			return nil, err
		}
		fields = append(fields, arrow.Field{Name: s.Name, Type: rt, Nullable: true})
	}
	h, err := NewHashAggregator(keyTypes, cfg.Aggs)
	if err != nil {
		return nil, err
	}
	return &hashAggregate{
		input:  input,
		cfg:    cfg,
		agg:    h,
		schema: arrow.NewSchema(fields, nil),
		ec:     &EvalContext{Alloc: cfg.Alloc, Start: cfg.Start, Clock: cfg.Clock},
	}, nil
}

type hashAggregate struct {
	input  Operator
	cfg    HashAggregateConfig
	agg    *HashAggregator
	schema *arrow.Schema
	ec     *EvalContext
	done   bool
	closed bool
}

var _ Operator = (*hashAggregate)(nil)

func (o *hashAggregate) Schema() *arrow.Schema { return o.schema }

func (o *hashAggregate) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for !o.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := o.input.Next(ctx)
		if errors.Is(err, io.EOF) {
			o.done = true
			break
		}
		if err != nil {
			return nil, err
		}
		err = AggregateBatch(o.ec, o.agg, o.cfg.Keys, o.cfg.Aggs, b, nil, o.cfg.Errors)
		b.Release()
		if err != nil {
			return nil, err
		}
	}
	if o.agg == nil {
		return nil, io.EOF
	}
	if len(o.cfg.Keys) == 0 && o.agg.Len() == 0 {
		o.agg.Table().newID()
		for _, acc := range o.agg.accs {
			acc.Grow(1)
		}
	}
	keys, aggs, err := o.agg.Build(o.cfg.Alloc)
	n := o.agg.Len()
	o.agg = nil
	if err != nil {
		return nil, err
	}
	cols := append(keys, aggs...)
	out := array.NewRecordBatch(o.schema, cols, int64(n))
	releaseAll(cols)
	return out, nil
}

func (o *hashAggregate) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	o.agg = nil
	return o.input.Close()
}

// AggregateBatch evaluates keys and the aggregates' arguments over batch and
// folds the selected rows (rows nil: all) into h. Row errors of the
// expressions go to errs (nil drops them). batch is not released.
func AggregateBatch(ec *EvalContext, h *HashAggregator, keys []Expr, aggs []AggSpec, batch arrow.RecordBatch, rows []int32, errs ErrorSink) error {
	keyArrs, argArrs, err := EvalAggInputs(ec, keys, aggs, batch, errs)
	if err != nil {
		return err
	}
	defer releaseAll(keyArrs)
	defer releaseAll(argArrs)
	return h.Update(keyArrs, argArrs, int(batch.NumRows()), rows)
}

// EvalAggInputs evaluates the key expressions and aggregate arguments over
// batch (nil argument arrays for COUNT(*)). Row errors are reported to errs
// (nil drops them). The caller releases the arrays.
func EvalAggInputs(ec *EvalContext, keys []Expr, aggs []AggSpec, batch arrow.RecordBatch, errs ErrorSink) (keyArrs, argArrs []arrow.Array, err error) {
	for _, k := range keys {
		a, err := k.Eval(ec, batch)
		if err != nil {
			releaseAll(keyArrs)
			return nil, nil, fmt.Errorf("exec: group by key %s: %w", k, err)
		}
		keyArrs = append(keyArrs, a)
	}
	for _, s := range aggs {
		if s.Arg == nil {
			argArrs = append(argArrs, nil)
			continue
		}
		a, err := s.Arg.Eval(ec, batch)
		if err != nil {
			releaseAll(keyArrs)
			releaseAll(argArrs)
			return nil, nil, fmt.Errorf("exec: aggregate %s argument: %w", s.Func, err)
		}
		argArrs = append(argArrs, a)
	}
	for _, re := range ec.TakeRowErrors() {
		if errs != nil {
			errs.ReportError(ErrorRecord{
				Time:    aggNow(ec),
				Level:   "ERROR",
				Name:    "RUNTIME",
				Message: re.Err.Error(),
			})
		}
	}
	return keyArrs, argArrs, nil
}

func aggNow(ec *EvalContext) time.Time {
	if ec.Clock != nil {
		return ec.Clock()
	}
	return ec.Start
}
