package exec

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// LookupJoinConfig configures a stream-to-table (lookup) join.
type LookupJoinConfig struct {
	// Table holds the reference table; the join opens it in NewLookupJoin
	// and closes it in Close.
	Table *TableHandle
	// Left keeps stream rows without a match, with NULL table columns.
	Left bool
	// Keys are the probe key expressions over the input; TableKeys the
	// table's key columns, of the same types, in the same order.
	Keys      []Expr
	TableKeys []int
	// Residual, when set, is a further condition over the joined columns
	// (the input's, then the table's): a pair is a match only when it is
	// TRUE.
	Residual Expr
}

type lookupJoin struct {
	env    Env
	ec     *EvalContext
	input  Operator
	cfg    LookupJoinConfig
	schema *arrow.Schema
	sc     probeScratch
	opened bool

	probe, build []int32
	matched      []bool
}

var (
	_ Operator    = (*lookupJoin)(nil)
	_ Partitioned = (*lookupJoin)(nil)
	_ Watermarker = (*lookupJoin)(nil)
)

// NewLookupJoin returns an operator that joins every row of input with the
// rows of cfg.Table whose key columns equal its keys (NULL never matches):
// a row with several matches gives several rows, in table order; with
// cfg.Left a row without any gives one row with NULL table columns,
// otherwise none. Output columns are the input's then the table's. Rows
// keep the input's order, origins, partitions and watermark (the join is
// not a window). A row whose keys fail to evaluate is reported to
// env.Errors and dropped. The join owns input.
func NewLookupJoin(env Env, input Operator, cfg LookupJoinConfig) (Operator, error) {
	if cfg.Table == nil || len(cfg.Keys) == 0 || len(cfg.Keys) != len(cfg.TableKeys) {
		return nil, fmt.Errorf("exec: lookup join needs a table and matching key lists")
	}
	ts := cfg.Table.Schema()
	for i, k := range cfg.Keys {
		c := cfg.TableKeys[i]
		if c < 0 || c >= ts.NumFields() {
			return nil, fmt.Errorf("exec: lookup join: table key column %d out of range", c)
		}
		if !arrow.TypeEqual(k.DataType(), ts.Field(c).Type) {
			return nil, fmt.Errorf("exec: lookup join: key %s is %s, table column %s is %s", k, k.DataType(), ts.Field(c).Name, ts.Field(c).Type)
		}
	}
	if cfg.Residual != nil && cfg.Residual.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("exec: lookup join: condition %s is %s, not BOOLEAN", cfg.Residual, cfg.Residual.DataType())
	}
	fields := append([]arrow.Field(nil), input.Schema().Fields()...)
	for _, f := range ts.Fields() {
		f.Nullable = true
		fields = append(fields, f)
	}
	env = env.withDefaults()
	cfg.Table.Open()
	return &lookupJoin{env: env, ec: env.evalContext(), input: input, cfg: cfg, schema: arrow.NewSchema(fields, nil), opened: true}, nil
}

// Schema returns the input's columns then the table's.
func (j *lookupJoin) Schema() *arrow.Schema { return j.schema }

// Origin returns the origin of the input's last batch.
func (j *lookupJoin) Origin() Origin { return OriginOf(j.input) }

// Partitions returns the input's partitions.
func (j *lookupJoin) Partitions() []Partition { return PartitionsOf(j.input) }

// Watermark returns the input's watermark, if it tracks one.
func (j *lookupJoin) Watermark() int64 {
	if w, ok := j.input.(Watermarker); ok {
		return w.Watermark()
	}
	return math.MinInt64
}

// String describes the operator for EXPLAIN.
func (j *lookupJoin) String() string {
	kind := "INNER"
	if j.cfg.Left {
		kind = "LEFT"
	}
	keys := make([]string, len(j.cfg.Keys))
	ts := j.cfg.Table.Schema()
	for i, k := range j.cfg.Keys {
		keys[i] = k.String() + " = " + ts.Field(j.cfg.TableKeys[i]).Name
	}
	s := fmt.Sprintf("LookupJoin %s table %s on %s", kind, j.cfg.Table.Name(), strings.Join(keys, ", "))
	if j.cfg.Residual != nil {
		s += " if " + j.cfg.Residual.String()
	}
	if t := j.cfg.Table.Acquire(); t != nil {
		s += fmt.Sprintf(" rows %d (%d bytes)", t.Rows(), t.Bytes())
		t.Release()
	}
	if iv := j.cfg.Table.Interval(); iv > 0 {
		s += " refresh every " + iv.String()
	} else {
		s += " loaded once"
	}
	if st, ok := j.input.(fmt.Stringer); ok {
		s += " <- " + st.String()
	}
	return s
}

// Next returns the next batch of joined rows; the caller releases it.
func (j *lookupJoin) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in, err := j.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := j.join(ctx, in)
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

// join joins one input batch with the current table version.
func (j *lookupJoin) join(ctx context.Context, in arrow.RecordBatch) (arrow.RecordBatch, error) {
	t := j.cfg.Table.Acquire()
	if t == nil {
		return nil, fmt.Errorf("exec: lookup join: table %s is not loaded", j.cfg.Table.Name())
	}
	defer t.Release()
	n := int(in.NumRows())
	if n == 0 {
		return j.gather(ctx, in, t.rec, nil, nil, true)
	}
	idx, ok := t.Index(j.cfg.TableKeys)
	if !ok {
		return nil, fmt.Errorf("exec: lookup join: table %s has no index on columns %v", j.cfg.Table.Name(), j.cfg.TableKeys)
	}
	keys := make([]arrow.Array, len(j.cfg.Keys))
	defer func() {
		for _, k := range keys {
			if k != nil {
				k.Release()
			}
		}
	}()
	for i, e := range j.cfg.Keys {
		a, err := e.Eval(j.ec, in)
		if err != nil {
			return nil, fmt.Errorf("exec: lookup join key %s: %w", e, err)
		}
		keys[i] = a
	}
	var skip []bool
	if bad := reportRowErrors(j.env, in, j.ec.TakeRowErrors()); len(bad) > 0 {
		skip = make([]bool, n)
		for _, r := range bad {
			skip[r] = true
		}
	}
	var err error
	j.probe, j.build, j.matched, err = idx.lookup(&j.sc, keys, skip, j.probe[:0], j.build[:0], j.matched[:0])
	if err != nil {
		return nil, err
	}
	if j.cfg.Residual != nil {
		if err := j.residual(ctx, in, t.rec); err != nil {
			return nil, err
		}
	}
	if j.cfg.Left {
		j.padUnmatched(n, skip)
	}
	identity := len(j.probe) == n
	for i := 0; identity && i < n; i++ {
		identity = j.probe[i] == int32(i)
	}
	return j.gather(ctx, in, t.rec, j.probe, j.build, identity)
}

// residual keeps the pairs on which the residual condition is TRUE; in a
// LEFT join, a row whose pairs all fail becomes unmatched.
func (j *lookupJoin) residual(ctx context.Context, in, tab arrow.RecordBatch) error {
	if len(j.probe) == 0 {
		return nil
	}
	cand, err := j.gather(ctx, in, tab, j.probe, j.build, false)
	if err != nil {
		return err
	}
	defer cand.Release()
	mask, err := j.cfg.Residual.Eval(j.ec, cand)
	if err != nil {
		return fmt.Errorf("exec: lookup join condition: %w", err)
	}
	defer mask.Release()
	bad := map[int]bool{}
	for _, r := range reportRowErrors(j.env, cand, j.ec.TakeRowErrors()) {
		bad[r] = true
	}
	m := mask.(*array.Boolean)
	for i := range j.matched {
		j.matched[i] = false
	}
	k := 0
	for i := range j.probe {
		if m.IsValid(i) && m.Value(i) && !bad[i] {
			j.probe[k], j.build[k] = j.probe[i], j.build[i]
			j.matched[j.probe[k]] = true
			k++
		}
	}
	j.probe, j.build = j.probe[:k], j.build[:k]
	return nil
}

// padUnmatched inserts a pair (row, -1) for every input row without a match
// (and not skipped), keeping input order.
func (j *lookupJoin) padUnmatched(n int, skip []bool) {
	missing := 0
	for i := range n {
		if !j.matched[i] && (skip == nil || !skip[i]) {
			missing++
		}
	}
	if missing == 0 {
		return
	}
	total := len(j.probe) + missing
	probe := make([]int32, 0, total)
	build := make([]int32, 0, total)
	k := 0
	for i := range n {
		for k < len(j.probe) && j.probe[k] == int32(i) {
			probe, build = append(probe, j.probe[k]), append(build, j.build[k])
			k++
		}
		if !j.matched[i] && (skip == nil || !skip[i]) {
			probe, build = append(probe, int32(i)), append(build, -1)
		}
	}
	j.probe, j.build = probe, build
}

// gather builds the output batch: input rows probe (or the input's columns
// as they are when identity) beside table rows build (-1: NULLs).
func (j *lookupJoin) gather(ctx context.Context, in, tab arrow.RecordBatch, probe, build []int32, identity bool) (arrow.RecordBatch, error) {
	cctx := j.env.computeCtx(ctx)
	rows := len(probe)
	if identity {
		rows = int(in.NumRows())
	}
	cols := make([]arrow.Array, 0, len(j.schema.Fields()))
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	if identity {
		for _, c := range in.Columns() {
			c.Retain()
			cols = append(cols, c)
		}
	} else {
		for _, c := range in.Columns() {
			out, err := take(cctx, j.env.Alloc, c, probe)
			if err != nil {
				release()
				return nil, err
			}
			cols = append(cols, out)
		}
	}
	for _, c := range tab.Columns() {
		out, err := take(cctx, j.env.Alloc, c, build)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, out)
	}
	rec := array.NewRecordBatch(j.schema, cols, int64(rows))
	release()
	return rec, nil
}

// take gathers rows idx of c (-1: NULL), by takeRows or Arrow's Take.
func take(cctx context.Context, mem memory.Allocator, c arrow.Array, idx []int32) (arrow.Array, error) {
	if out, ok := takeRows(mem, c, idx); ok {
		return out, nil
	}
	ia := indexArray(mem, idx, true)
	defer ia.Release()
	out, err := compute.TakeArray(cctx, c, ia)
	if err != nil {
		return nil, fmt.Errorf("exec: lookup join: %w", err)
	}
	return out, nil
}

// indexArray makes an Int32 array of idx; with nullNeg, negative entries
// are NULL (Take gives NULL for them).
func indexArray(mem memory.Allocator, idx []int32, nullNeg bool) arrow.Array {
	b := array.NewInt32Builder(mem)
	defer b.Release()
	if !nullNeg {
		b.AppendValues(idx, nil)
		return b.NewArray()
	}
	valid := make([]bool, len(idx))
	vals := make([]int32, len(idx))
	for i, v := range idx {
		valid[i] = v >= 0
		vals[i] = max(v, 0)
	}
	b.AppendValues(vals, valid)
	return b.NewArray()
}

// Close closes the input and releases the join's hold on the table.
func (j *lookupJoin) Close() error {
	if j.opened {
		j.opened = false
		j.cfg.Table.Close()
	}
	return j.input.Close()
}
