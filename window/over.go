package window

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// The analytic functions OverSpec accepts besides the aggregates of
// exec.AggSpec.
const (
	FuncLag      = "LAG"
	FuncNthValue = "NTH_VALUE"
	// FuncExpAvg is KDA's EXP_AVG(x, half-life): the average of the frame's
	// non-NULL values weighted by 2^(−(t − tᵢ)/HalfLife), where t is the
	// current row's event time and tᵢ the frame row's, so a value HalfLife
	// older counts half as much. It is a DOUBLE, NULL for no value.
	FuncExpAvg = "EXP_AVG"
)

// OverSpec is one windowed aggregate of a sliding (OVER) window, KDA's
// `agg(x) OVER (PARTITION BY k RANGE INTERVAL '1' MINUTE PRECEDING)` or
// `… ROWS n PRECEDING`.
type OverSpec struct {
	// Func is an aggregate (COUNT, SUM, AVG, MIN, MAX, STDDEV_POP,
	// STDDEV_SAMP, VAR_POP, VAR_SAMP, FIRST_VALUE, LAST_VALUE) or LAG,
	// NTH_VALUE or EXP_AVG.
	Func string
	// Arg is the argument; nil means COUNT(*).
	Arg exec.Expr
	// N is LAG's offset (0 means 1) and NTH_VALUE's position (1-based).
	N int
	// Default is LAG's third argument, evaluated on the current row: the
	// value when there is no row N before it in the frame (nil: NULL). It
	// is cast to the argument's type.
	Default exec.Expr
	// IgnoreNulls is IGNORE NULLS: FIRST_VALUE and LAST_VALUE skip NULL
	// values, LAG(x, N) takes the Nth row before the current one whose x is
	// not NULL and NTH_VALUE the Nth non-NULL value, all within the frame.
	IgnoreNulls bool
	// HalfLife is EXP_AVG's half-life (required for it, unused otherwise).
	HalfLife time.Duration
	// Partition are the PARTITION BY expressions.
	Partition []exec.Expr
	// The frame also bounds LAG: LAG(x, N) is the default when the row N
	// before the current one is outside the frame (give ROWS N PRECEDING
	// for a plain LAG).
	//
	// Rows selects a ROWS frame: the current row and the Preceding rows
	// before it in (event time, arrival) order. Otherwise the frame is
	// RANGE Range PRECEDING: the rows whose event time is in
	// [t − Range, t] for the current row's t, its peers (rows of the same
	// event time, whichever arrived first) included.
	Rows      bool
	Preceding int
	Range     time.Duration
	// Name is the output column name.
	Name string
}

// OverConfig configures NewOver.
type OverConfig struct {
	// Specs are the windowed aggregates; each may use its own window.
	Specs []OverSpec
	// TimeColumn names the event-time column, a timestamp[ms] column ("" means
	// ROWTIME).
	TimeColumn string
	// Lateness is the allowed lateness: how far behind the largest event
	// time of its own partition a row may be and still count (see Tracker).
	Lateness time.Duration
	// Retention bounds how long a stale idle partition can hold state back
	// (≤ 0: DefaultRetention; see Tracker).
	Retention time.Duration
	// Late says what happens to late rows (default: to Errors).
	Late LatePolicy
	// Drain makes Next, when the input stops (exec.ErrStopped), emit the
	// rows still waiting for the watermark with the frames they have, before
	// returning exec.ErrStopped. Without it they stay buffered (and in
	// snapshots) for the next run.
	Drain bool
	// Errors receives late rows and expression row errors.
	Errors exec.ErrorSink
	// Pump names the pump in error records.
	Pump string
	// Alloc allocates every array the operator makes.
	Alloc memory.Allocator
	// Start and Clock feed the expressions' EvalContext; Clock is also the
	// tracker's idle clock (default time.Now).
	Start time.Time
	Clock func() time.Time
}

// NewOver returns the sliding-window operator. It emits one output row per
// on-time input row: the input columns followed by one column per spec,
// computed over the frame of on-time rows of the same PARTITION BY key
// that ends at the row in event-time order.
//
// Event time follows the Tracker's rules: rows late in their own partition
// go to cfg.Late, rows with a NULL event time to cfg.Errors (RUNTIME). An
// on-time row is buffered until the emission watermark reaches its event
// time, so every row of its frame has arrived; the rows of one Next come
// out in (event time, arrival) order. At io.EOF every buffered row is
// emitted; at exec.ErrStopped they stay buffered (see OverConfig.Drain).
// Each key keeps only the rows a future frame can reach (RANGE: newer than
// the retention floor minus Range; ROWS: the last Preceding), and keys no
// RANGE frame can reach are dropped.
//
// It owns input, returns one batch (possibly empty) per input batch, and
// implements exec.Partitioned (one partition, origin 0, whose watermark is
// the emission watermark when the event-time column is ROWTIME),
// exec.Watermarker, LateCounter, StateCounter, exec.Snapshotter and
// exec.StateSizer.
func NewOver(input exec.Operator, cfg OverConfig) (exec.Operator, error) {
	if input == nil || cfg.Alloc == nil {
		return nil, errors.New("window: over: input and allocator are required")
	}
	in := input.Schema()
	tc := cfg.TimeColumn
	if tc == "" {
		tc = exec.RowtimeColumn
	}
	idx := in.FieldIndices(tc)
	if len(idx) != 1 {
		return nil, fmt.Errorf("window: over: event-time column %q not found once in the input", tc)
	}
	if tt, ok := in.Field(idx[0]).Type.(*arrow.TimestampType); !ok || tt.Unit != arrow.Millisecond {
		return nil, fmt.Errorf("window: over: event-time column %q is %s, want timestamp[ms]", tc, in.Field(idx[0]).Type)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	fields := append([]arrow.Field(nil), in.Fields()...)
	o := &over{input: input, cfg: cfg, timeIdx: idx[0], rowtimeIdx: -1, explicit: tc == exec.RowtimeColumn,
		clock: clock, ec: &exec.EvalContext{Alloc: cfg.Alloc, Start: cfg.Start, Clock: cfg.Clock}}
	if r := in.FieldIndices(exec.RowtimeColumn); len(r) == 1 && arrow.TypeEqual(in.Field(r[0]).Type, exec.TimestampType) {
		o.rowtimeIdx = r[0]
	}
	o.cfg.Specs = make([]OverSpec, len(cfg.Specs))
	for i := range cfg.Specs {
		sp, rt, err := checkOverSpec(cfg.Specs[i])
		if err != nil {
			return nil, err
		}
		o.cfg.Specs[i] = sp
		fields = append(fields, arrow.Field{Name: sp.Name, Type: rt, Nullable: true})
	}
	o.schema = arrow.NewSchema(fields, nil)
	d, err := o.newData()
	if err != nil {
		return nil, err
	}
	o.d = d
	return o, nil
}

type over struct {
	input      exec.Operator
	cfg        OverConfig
	timeIdx    int
	rowtimeIdx int  // -1: no ROWTIME column
	explicit   bool // the event-time column is ROWTIME
	schema     *arrow.Schema
	clock      func() time.Time
	ec         *exec.EvalContext
	d          *overData
	pool       *overPool // NewParallelOver's workers, or nil

	parts   [1]exec.Partition
	eof     bool
	stopped bool
	closed  bool
}

// overData is the operator's state, swapped whole by Restore.
type overData struct {
	tracker *Tracker
	states  []*overState
	chunks  map[int64]*overChunk
	next    int64    // next chunk id (chunk ids follow arrival)
	pending overHeap // on-time rows waiting for the watermark
	late    int64    // late rows seen
	maxOut  int64    // largest ROWTIME emitted
	swept   int64    // floor at the last sweep
	maxRng  int64    // largest RANGE over the specs, ms
	idle    bool     // every input partition is idle or done
	backlog bool     // some input partition has backlog
	bytes   int      // buffer bytes of the retained chunks
	scratch []overEntry
}

var (
	_ exec.Operator    = (*over)(nil)
	_ exec.Partitioned = (*over)(nil)
	_ exec.Watermarker = (*over)(nil)
	_ LateCounter      = (*over)(nil)
	_ StateCounter     = (*over)(nil)
	_ exec.Snapshotter = (*over)(nil)
	_ exec.StateSizer  = (*over)(nil)
)

// checkOverSpec normalizes sp (upper-case Func, LAG's N, Default cast to
// the argument type) and returns it with its result type.
func checkOverSpec(sp OverSpec) (OverSpec, arrow.DataType, error) {
	sp.Func = strings.ToUpper(sp.Func)
	fn := sp.Func
	switch fn {
	case FuncLag:
		if sp.N == 0 {
			sp.N = 1
		}
	case FuncNthValue:
		if sp.N < 1 {
			return sp, nil, fmt.Errorf("window: over: NTH_VALUE position %d must be at least 1", sp.N)
		}
	}
	if fn == FuncExpAvg {
		if sp.Arg == nil || sp.HalfLife <= 0 {
			return sp, nil, fmt.Errorf("window: over %s: EXP_AVG needs an argument and a positive half-life", sp.Name)
		}
		if !overNumeric(sp.Arg.DataType()) {
			return sp, nil, fmt.Errorf("window: over %s: EXP_AVG of %s, want a number", sp.Name, sp.Arg.DataType())
		}
		a, err := exec.Cast(sp.Arg, arrow.PrimitiveTypes.Float64)
		if err != nil {
			return sp, nil, fmt.Errorf("window: over %s: EXP_AVG: %w", sp.Name, err)
		}
		sp.Arg = a
		return sp, arrow.PrimitiveTypes.Float64, nil
	}
	if sp.IgnoreNulls {
		switch fn {
		case FuncLag, FuncNthValue, exec.AggFirstValue, exec.AggLastValue:
		default:
			return sp, nil, fmt.Errorf("window: over %s: IGNORE NULLS applies to LAG, NTH_VALUE, FIRST_VALUE and LAST_VALUE, not %s", sp.Name, fn)
		}
	}
	if (fn == FuncLag || fn == FuncNthValue) && sp.Arg == nil {
		return sp, nil, fmt.Errorf("window: over: %s needs an argument", fn)
	}
	if sp.N < 0 || sp.Preceding < 0 || sp.Range < 0 {
		return sp, nil, fmt.Errorf("window: over %s: negative window or offset", sp.Name)
	}
	if sp.Default != nil {
		if fn != FuncLag {
			return sp, nil, fmt.Errorf("window: over %s: only LAG takes a default", sp.Name)
		}
		d, err := exec.Cast(sp.Default, sp.Arg.DataType())
		if err != nil {
			return sp, nil, fmt.Errorf("window: over %s: LAG default: %w", sp.Name, err)
		}
		sp.Default = d
	}
	accFn := overAccFunc(fn)
	var argType arrow.DataType
	if sp.Arg != nil {
		argType = sp.Arg.DataType()
	}
	rt, err := exec.AggResultType(accFn, argType)
	if err != nil {
		return sp, nil, fmt.Errorf("window: over: %w", err)
	}
	if _, err := exec.NewAccumulator(accFn, argType, false, sp.IgnoreNulls); err != nil {
		return sp, nil, fmt.Errorf("window: over: %w", err)
	}
	return sp, rt, nil
}

// overNumeric tells whether t is a number type EXP_AVG can weigh.
func overNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	}
	return false
}

// overAccFunc is the accumulator that computes fn: LAG and NTH_VALUE pick
// one row, folded as FIRST_VALUE (EXP_AVG uses none: see overState).
func overAccFunc(fn string) string {
	if fn == FuncLag || fn == FuncNthValue || fn == FuncExpAvg {
		return exec.AggFirstValue
	}
	return fn
}

// newData returns an empty state for the operator's configuration.
func (o *over) newData() (*overData, error) {
	d := &overData{
		tracker: NewTracker(o.cfg.Lateness, o.cfg.Retention, o.clock),
		chunks:  map[int64]*overChunk{},
		maxOut:  math.MinInt64,
		swept:   math.MinInt64,
	}
	for _, sp := range o.cfg.Specs {
		st, err := newOverState(sp)
		if err != nil {
			return nil, err
		}
		st.idx = len(d.states)
		d.states = append(d.states, st)
		if !sp.Rows {
			d.maxRng = max(d.maxRng, ms(sp.Range))
		}
	}
	return d, nil
}

func (o *over) Schema() *arrow.Schema { return o.schema }

// Watermark returns the emission watermark: every on-time row at or below
// it has been emitted.
func (o *over) Watermark() int64 { return o.d.tracker.Emission() }

// LateRows returns the number of late rows set aside.
func (o *over) LateRows() int64 { return o.d.late }

// Origin returns 0: the output is one partition.
func (o *over) Origin() exec.Origin { return 0 }

// Partitions returns the output's one partition: its watermark is the
// emission watermark when the event-time column is ROWTIME (the output's
// ROWTIME is the input's), and it is idle when every input partition is
// idle or done and no row waits.
func (o *over) Partitions() []exec.Partition {
	wm := int64(exec.NoWatermark)
	if o.explicit {
		wm = o.d.tracker.Emission()
	}
	o.parts[0] = exec.Partition{
		Watermark: wm, MaxTime: o.d.maxOut, Lag: -1,
		Backlog: o.d.backlog, Idle: o.d.idle && !o.d.backlog && len(o.d.pending) == 0,
	}
	return o.parts[:]
}

// LiveGroups returns the number of rows held: waiting ones and frame rows
// over all specs.
func (o *over) LiveGroups() int {
	n := len(o.d.pending)
	for _, st := range o.d.states {
		n += st.nrows
	}
	return n
}

// StateBytes estimates the memory held: the retained input batches and
// argument columns, the frame entries and the partition tables, in
// O(number of specs).
func (o *over) StateBytes() int {
	n := o.d.bytes + 24*len(o.d.pending) + 64*len(o.d.chunks)
	for _, st := range o.d.states {
		n += 24*st.nrows + 32*len(st.deques) + st.parts.SizeBytes()
		if st.incr {
			n += 32 * st.nrows
		}
	}
	return n
}

// Next reads one input batch and returns the rows that the emission
// watermark released, extended with the windowed columns; the caller
// releases the batch.
func (o *over) Next(ctx context.Context) (arrow.RecordBatch, error) {
	switch {
	case o.closed || o.eof:
		return nil, io.EOF
	case o.stopped:
		return nil, exec.ErrStopped
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := o.input.Next(ctx)
	switch {
	case errors.Is(err, io.EOF):
		o.eof = true
		o.d.tracker.Finish()
		b, err := o.d.emit(ctx, o, math.MaxInt64)
		o.d.dropFrames() // no frame can be asked for any more
		return b, err
	case errors.Is(err, exec.ErrStopped):
		o.stopped = true
		if !o.cfg.Drain || len(o.d.pending) == 0 {
			return nil, err
		}
		return o.d.emit(ctx, o, math.MaxInt64)
	case err != nil:
		return nil, err
	}
	err = o.d.ingest(o, b)
	b.Release()
	if err != nil {
		return nil, err
	}
	parts := exec.PartitionsOf(o.input)
	o.d.idle, o.d.backlog = true, false
	for _, p := range parts {
		o.d.idle = o.d.idle && (p.Idle || p.Done)
		o.d.backlog = o.d.backlog || p.Backlog
	}
	emit, _ := o.d.tracker.Advance(parts, o.explicit)
	return o.d.emit(ctx, o, emit)
}

func (o *over) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	o.pool.stop()
	o.d.release()
	return o.input.Close()
}

// reportLate sets row i of b aside.
func (o *over) reportLate(b arrow.RecordBatch, i int, t int64, reason int, wm int64) {
	o.d.late++
	if o.cfg.Late != LateToErrors || o.cfg.Errors == nil {
		return
	}
	msg := fmt.Sprintf("window: over: late row: event time %d is not after its partition's watermark %d", t, wm)
	if reason == LateBehindFloor {
		msg = fmt.Sprintf("window: over: late row: event time %d is not after the retention floor %d", t, wm)
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time: o.clock(), Level: "WARNING", Name: "LATE", Message: msg,
		DataRowtime: t, DataRow: exec.FormatRow(b, i), Pump: o.cfg.Pump,
	})
}

func (o *over) reportNullTime(b arrow.RecordBatch, i int) {
	if o.cfg.Errors == nil {
		return
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time: o.clock(), Level: "ERROR", Name: "RUNTIME",
		Message: "window: over: row with a NULL event time",
		DataRow: exec.FormatRow(b, i), Pump: o.cfg.Pump,
	})
}
