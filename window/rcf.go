package window

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window/rcf"
)

// Output columns of the analytics operators.
const (
	AnomalyScoreColumn       = "ANOMALY_SCORE"
	AnomalyExplanationColumn = "ANOMALY_EXPLANATION"
)

// DefaultRCFSeed seeds RANDOM_CUT_FOREST when the query gives no seed: the
// same input always gets the same scores.
const DefaultRCFSeed = 0x5EED_0F_F0E57

// RCFConfig configures NewRandomCutForest.
type RCFConfig struct {
	// Columns are the indices of the numeric input columns the forest
	// reads (at most 30); Names their names in the explanation.
	Columns []int
	Names   []string
	// Trees, SampleSize, TimeDecay and Shingle are KDA's numberOfTrees,
	// subSampleSize, timeDecay (sampling favours the last ~TimeDecay rows:
	// λ = 1/TimeDecay) and shingleSize.
	Trees, SampleSize int
	TimeDecay         int64
	Shingle           int
	// Seed makes the scores reproducible.
	Seed uint64
	// Explain adds ANOMALY_EXPLANATION; Directional adds DIRECTION and
	// STRENGTH to it.
	Explain, Directional bool
	Alloc                memory.Allocator
}

// NewRandomCutForest returns KDA's RANDOM_CUT_FOREST[_WITH_EXPLANATION]:
// each input row comes out with ANOMALY_SCORE (DOUBLE) appended, and with
// Explain ANOMALY_EXPLANATION (VARCHAR JSON: per column ATTRIBUTION_SCORE,
// and with Directional DIRECTION HIGH or LOW and STRENGTH, the attribution
// in the stronger direction minus the other; the attributions sum to the
// score). Every row is scored against the forest as it was before the row,
// then offered to the trees' samples. The first SampleSize rows (after the
// shingle fills) score 0. A row with a NULL in a used column is not fed to
// the forest and scores NULL.
//
// Rows pass through in order, so the operator keeps its input's origin and
// partitions. It owns input, implements exec.Partitioned,
// exec.Snapshotter (the forest is part of the checkpoint) and
// exec.StateSizer, and returns exec.ErrStopped, keeping the forest, when
// its input stops.
func NewRandomCutForest(input exec.Operator, cfg RCFConfig) (exec.Operator, error) {
	if input == nil || cfg.Alloc == nil {
		return nil, errors.New("window: random cut forest: input and allocator are required")
	}
	if len(cfg.Columns) == 0 || len(cfg.Columns) != len(cfg.Names) {
		return nil, errors.New("window: random cut forest: no numeric column to score")
	}
	in := input.Schema()
	for _, c := range cfg.Columns {
		if c < 0 || c >= in.NumFields() || !numericType(in.Field(c).Type) {
			return nil, fmt.Errorf("window: random cut forest: column %d is not numeric", c)
		}
	}
	if cfg.TimeDecay <= 0 {
		return nil, errors.New("window: random cut forest: time decay must be positive")
	}
	f, err := rcf.New(rcf.Config{
		Columns: len(cfg.Columns), Shingle: cfg.Shingle, Trees: cfg.Trees, SampleSize: cfg.SampleSize,
		TimeDecay: 1 / float64(cfg.TimeDecay), Warmup: cfg.SampleSize, Seed: cfg.Seed,
	})
	if err != nil {
		return nil, fmt.Errorf("window: random cut forest: %w", err)
	}
	fields := append([]arrow.Field(nil), in.Fields()...)
	fields = append(fields, arrow.Field{Name: AnomalyScoreColumn, Type: arrow.PrimitiveTypes.Float64, Nullable: true})
	if cfg.Explain {
		fields = append(fields, arrow.Field{Name: AnomalyExplanationColumn, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	return &forestOp{input: input, cfg: cfg, forest: f, schema: arrow.NewSchema(fields, nil)}, nil
}

type forestOp struct {
	input  exec.Operator
	cfg    RCFConfig
	forest *rcf.Forest
	schema *arrow.Schema
	closed bool

	vals, scores, attr []float64
	valid              []bool
	json               []byte
}

var (
	_ exec.Operator    = (*forestOp)(nil)
	_ exec.Partitioned = (*forestOp)(nil)
	_ exec.Snapshotter = (*forestOp)(nil)
	_ exec.StateSizer  = (*forestOp)(nil)
)

func (o *forestOp) Schema() *arrow.Schema { return o.schema }

// Origin returns the origin of the input's last batch.
func (o *forestOp) Origin() exec.Origin { return exec.OriginOf(o.input) }

// Partitions returns the input's partitions.
func (o *forestOp) Partitions() []exec.Partition { return exec.PartitionsOf(o.input) }

// StateBytes estimates the forest's memory.
func (o *forestOp) StateBytes() int { return o.forest.Bytes() }

// Next scores the next input batch; the caller releases the batch.
func (o *forestOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.closed {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := o.input.Next(ctx)
	if err != nil {
		return nil, err // io.EOF, exec.ErrStopped (the forest stays), or a failure
	}
	defer b.Release()
	n := int(b.NumRows())
	cols := len(o.cfg.Columns)
	o.valid = readNumeric(b, o.cfg.Columns, &o.vals, o.valid)
	k := len(o.vals) / cols
	o.scores = growFloats(o.scores, k)
	var attr []float64
	if o.cfg.Explain {
		o.attr = growFloats(o.attr, k*2*cols)
		attr = o.attr
	}
	o.forest.Process(o.vals, o.scores, attr)

	sb := array.NewFloat64Builder(o.cfg.Alloc)
	defer sb.Release()
	sb.Reserve(n)
	var eb *array.StringBuilder
	if o.cfg.Explain {
		eb = array.NewStringBuilder(o.cfg.Alloc)
		defer eb.Release()
		eb.Reserve(n)
	}
	j := 0
	for i := range n {
		if !o.valid[i] {
			sb.AppendNull()
			if eb != nil {
				eb.AppendNull()
			}
			continue
		}
		sb.UnsafeAppend(o.scores[j])
		if eb != nil {
			eb.Append(string(o.explain(o.attr[j*2*cols : (j+1)*2*cols])))
		}
		j++
	}
	cs := make([]arrow.Array, 0, o.schema.NumFields())
	cs = append(cs, b.Columns()...)
	score := sb.NewArray()
	defer score.Release()
	cs = append(cs, score)
	if eb != nil {
		e := eb.NewArray()
		defer e.Release()
		cs = append(cs, e)
	}
	return array.NewRecordBatch(o.schema, cs, int64(n)), nil
}

// explain renders one row's attribution (high then low per column).
func (o *forestOp) explain(a []float64) []byte {
	cols := len(o.cfg.Columns)
	j := append(o.json[:0], '{')
	for c, name := range o.cfg.Names {
		if c > 0 {
			j = append(j, ',')
		}
		j = strconv.AppendQuote(j, name)
		j = append(j, ":{"...)
		hi, lo := a[c], a[cols+c]
		if o.cfg.Directional {
			dir := "HIGH"
			if lo > hi {
				dir = "LOW"
			}
			j = append(j, `"DIRECTION":"`+dir+`","STRENGTH":"`...)
			j = strconv.AppendFloat(j, math.Abs(hi-lo), 'f', 4, 64)
			j = append(j, `",`...)
		}
		j = append(j, `"ATTRIBUTION_SCORE":"`...)
		j = strconv.AppendFloat(j, hi+lo, 'f', 4, 64)
		j = append(j, `"}`...)
	}
	o.json = append(j, '}')
	return o.json
}

// Close closes the input.
func (o *forestOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	return o.input.Close()
}

// Snapshot writes the forest (trees, samples, random state, shingle).
func (o *forestOp) Snapshot(w io.Writer) error {
	b, err := o.forest.MarshalBinary()
	if err != nil {
		return fmt.Errorf("window: random cut forest: snapshot: %w", err)
	}
	sw := &snapWriter{mem: o.cfg.Alloc}
	sw.section(b)
	return sw.finish(w, snapRCF)
}

// Restore loads a forest Snapshot wrote for the same configuration.
func (o *forestOp) Restore(r io.Reader) error {
	return restoring(func() error {
		sr, err := openSnapshot(r, snapRCF, o.cfg.Alloc)
		if err != nil {
			return err
		}
		b, err := sr.section()
		if err != nil {
			return err
		}
		if err := sr.done(); err != nil {
			return err
		}
		return o.forest.UnmarshalBinary(b)
	})
}

// Snapshot kinds of the analytics operators.
const (
	snapRCF      byte = 16
	snapHotspots byte = 17
	snapTopK     byte = 18
	snapDistinct byte = 19
)

// numericType reports whether the analytics functions read columns of t
// (KDA: DOUBLE, REAL, FLOAT, INTEGER, BIGINT, SMALLINT, TINYINT).
func numericType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64:
		return true
	}
	return false
}

// readNumeric appends to *vals, row after row, the values of cols of the
// rows with no NULL among them, and returns per row whether it had none.
func readNumeric(b arrow.RecordBatch, cols []int, vals *[]float64, valid []bool) []bool {
	n := int(b.NumRows())
	if cap(valid) < n {
		valid = make([]bool, n)
	}
	valid = valid[:n]
	for i := range valid {
		valid[i] = true
	}
	for _, c := range cols {
		a := b.Column(c)
		if a.NullN() == 0 {
			continue
		}
		for i := range n {
			if a.IsNull(i) {
				valid[i] = false
			}
		}
	}
	k := 0
	for _, v := range valid {
		if v {
			k++
		}
	}
	out := growFloats(*vals, k*len(cols))
	for ci, c := range cols {
		j := 0
		get := numericGetter(b.Column(c))
		for i := range n {
			if valid[i] {
				out[j*len(cols)+ci] = get(i)
				j++
			}
		}
	}
	*vals = out
	return valid
}

// numericGetter returns a reader of a numeric array's values as float64.
func numericGetter(a arrow.Array) func(int) float64 {
	switch a := a.(type) {
	case *array.Float64:
		return func(i int) float64 { return a.Value(i) }
	case *array.Float32:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int64:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int32:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int16:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int8:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Uint64:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Uint32:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Uint16:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Uint8:
		return func(i int) float64 { return float64(a.Value(i)) }
	}
	panic(fmt.Sprintf("window: numericGetter: %s is not numeric", a.DataType()))
}

func growFloats(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
