package window

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// Output column names of the windowed group-by, besides the keys and the
// aggregates.
const (
	WindowStartColumn = "window_start"
	WindowEndColumn   = "window_end"
	PartialColumn     = "is_partial"
)

// EmitPolicy says when the windowed group-by emits rows. The zero value
// emits each window once, when it closes.
type EmitPolicy struct {
	// Every, when positive, also emits the current (partial) results of all
	// open windows every Every of event time (watermark progress) or, with
	// ProcessingTime, of wall-clock time. Such rows have is_partial true;
	// the final row of a window has it false.
	Every          time.Duration
	ProcessingTime bool
}

// Config configures NewGroupBy.
type Config struct {
	// Keys are grouping expressions besides the window, e.g. the ticker, or
	// KDA's second time key STEP(APPROXIMATE_ARRIVAL_TIME BY …).
	Keys []exec.Expr
	// KeyNames name the key output columns (default: the expressions'
	// String()).
	KeyNames []string
	// Aggs are the aggregates, output after window_end.
	Aggs []exec.AggSpec
	// TimeColumn names the input's event-time column, a TimestampType
	// column; "" means ROWTIME.
	TimeColumn string
	// Assigner says which windows a row belongs to.
	Assigner Assigner
	// Lateness is the allowed lateness (see Tracker): a row is late when
	// its event time is at or below the largest event time its partition
	// delivered before it minus Lateness, minus 1ms. It applies whatever the
	// time column; an input's explicit watermarks (exec.Partition.Watermark,
	// exec.Watermarker) also move the emission watermark on when the time
	// column is ROWTIME.
	Lateness time.Duration
	// Retention bounds how long the state of a window that fired ahead of
	// the data (an idle partition or the idle clock closed it) is kept for
	// on-time rows that arrive later (0: DefaultRetention).
	Retention time.Duration
	// Drain makes the operator emit every open window when its input stops
	// (exec.ErrStopped: the job is stopping) before it returns ErrStopped:
	// as partial rows when the schema has is_partial, else as final ones.
	// By default open windows stay open, to be checkpointed and continued.
	Drain bool
	// Emit is the emit policy (default: on window close).
	Emit EmitPolicy
	// Late says what happens to late rows (default: to Errors).
	Late LatePolicy
	// Errors receives late rows and expression row errors.
	Errors exec.ErrorSink
	// Pump names the pump in error records.
	Pump string
	// Alloc allocates every array the operator makes.
	Alloc memory.Allocator
	// Start and Clock feed the expressions' EvalContext; Clock is also the
	// processing-time clock of EmitPolicy (default time.Now).
	Start time.Time
	Clock func() time.Time
}

// windowState is how the operator keeps windows: panes (tumbling, hopping,
// cumulate) or per-key windows (session, stagger).
type windowState interface {
	// add folds the accepted rows (rows nil: all n rows) with event times ts.
	add(keys, args []arrow.Array, ts []int64, n int, rows []int32) error
	// close emits again, in full, the fired windows that add updated since
	// the last close, then fires (emits) every window whose end-1 is at or
	// below emit, then frees the fired windows whose end-1 is at or below
	// floor (≤ emit). final fires and frees every window.
	close(emit, floor int64, final bool, e *emitter) error
	// partial emits the current results of the windows that have not
	// fired, without firing them.
	partial(e *emitter) error
	live() int
	bytes() int
	// snapshotHeader records the state's scalars and section sizes in h;
	// writeState then writes its columnar sections.
	snapshotHeader(h *groupByHeader)
	writeState(w *snapWriter) error
	// loadState fills the (empty) state from the sections described by h.
	loadState(r *snapReader, h *groupByHeader) error
}

// NewGroupBy returns the windowed GROUP BY operator. Each output row is one
// (keys, window) group: the key columns, window_start, window_end (both
// timestamps), the aggregates, is_partial (only with EmitPolicy.Every), and
// ROWTIME = window_end (KDA: a group comes out timestamped at the end of its
// window).
//
// Event time follows a Tracker (see it for the rules): each row is checked
// against the watermark of its own partition (exec.OriginOf the input)
// built from the rows before it, so the output does not depend on batch
// boundaries. Late rows are handled by cfg.Late; rows with a NULL event
// time are reported to cfg.Errors as RUNTIME errors. After each input batch
// (also an empty one) the emission watermark E and the retention floor F
// move on from the input's partitions (exec.PartitionsOf). A window fires
// (is emitted) once E reaches its last millisecond (end-1); its state is
// kept until F passes it, and an on-time row that still lands in it (E ran
// ahead of the data: an idle partition or the idle clock) makes it emitted
// again, in full, after that batch: a later row for the same keys and
// window replaces the earlier one (see Updates).
//
// At the input's io.EOF every open window is emitted in one last batch,
// then Next returns io.EOF. When the input returns exec.ErrStopped (the job
// is stopping) the open windows stay open and Next returns ErrStopped (see
// Config.Drain). Every other Next returns one batch (possibly empty) per
// input batch. The operator owns input, implements exec.Partitioned (one
// partition, origin 0, whose watermark is E), exec.Watermarker (E),
// LateCounter, UpdateCounter, StateCounter, exec.Snapshotter and
// exec.StateSizer.
func NewGroupBy(input exec.Operator, cfg Config) (exec.Operator, error) {
	o, err := newGroupBy(input, cfg, 0)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// newGroupBy builds the group-by; workers > 0 keeps its windows on that
// many workers (see NewParallelGroupBy), 0 on the operator's goroutine.
func newGroupBy(input exec.Operator, cfg Config, workers int) (*groupBy, error) {
	if input == nil || cfg.Assigner == nil || cfg.Alloc == nil {
		return nil, errors.New("window: group by: input, assigner and allocator are required")
	}
	in := input.Schema()
	tcName := cfg.TimeColumn
	if tcName == "" {
		tcName = exec.RowtimeColumn
	}
	idx := in.FieldIndices(tcName)
	if len(idx) != 1 {
		return nil, fmt.Errorf("window: group by: event-time column %q not found once in the input", tcName)
	}
	if tt, ok := in.Field(idx[0]).Type.(*arrow.TimestampType); !ok || tt.Unit != arrow.Millisecond {
		return nil, fmt.Errorf("window: group by: event-time column %q is %s, want timestamp[ms]", tcName, in.Field(idx[0]).Type)
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
	fields = append(fields,
		arrow.Field{Name: WindowStartColumn, Type: exec.TimestampType},
		arrow.Field{Name: WindowEndColumn, Type: exec.TimestampType})
	for _, s := range cfg.Aggs {
		rt, err := s.ResultType()
		if err != nil {
			return nil, fmt.Errorf("window: group by: %w", err)
		}
		fields = append(fields, arrow.Field{Name: s.Name, Type: rt, Nullable: true})
	}
	if cfg.Emit.Every > 0 {
		fields = append(fields, arrow.Field{Name: PartialColumn, Type: arrow.FixedWidthTypes.Boolean})
	}
	fields = append(fields, arrow.Field{Name: exec.RowtimeColumn, Type: exec.TimestampType})
	schema := arrow.NewSchema(fields, nil)

	newState := func() (windowState, error) { return newWindowState(cfg, keyTypes) }
	if workers > 0 {
		newState = func() (windowState, error) { return newParallelWindows(cfg, keyTypes, schema, workers) }
	}
	st, err := newState()
	if err != nil {
		return nil, err
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	o := &groupBy{
		input:    input,
		keyTypes: keyTypes,
		cfg:      cfg,
		timeIdx:  idx[0],
		explicit: tcName == exec.RowtimeColumn,
		schema:   schema,
		state:    st,
		newState: newState,
		clock:    clock,
		tracker:  NewTracker(cfg.Lateness, cfg.Retention, clock),
		ec:       &exec.EvalContext{Alloc: cfg.Alloc, Start: cfg.Start, Clock: cfg.Clock},
		wm:       math.MinInt64,
		floor:    math.MinInt64,
	}
	o.emit = emitter{mem: cfg.Alloc, schema: schema, partial: cfg.Emit.Every > 0, maxEnd: math.MinInt64}
	o.lastPartialWM = math.MinInt64
	o.lateFn, o.validFn = o.reportLate, o.validTime
	return o, nil
}

// newWindowState returns the empty state the assigner of cfg needs.
func newWindowState(cfg Config, keyTypes []arrow.DataType) (windowState, error) {
	var st windowState
	var err error
	sp := cfg.Assigner.spec()
	switch sp.kind {
	case kindSession, kindStagger:
		st, err = newKeyedState(sp, keyTypes, cfg.Aggs, cfg.Alloc)
	default:
		st, err = newPaneState(sp, keyTypes, cfg.Aggs, cfg.Alloc)
	}
	if err != nil {
		return nil, fmt.Errorf("window: group by: %w", err)
	}
	return st, nil
}

type groupBy struct {
	input    exec.Operator
	keyTypes []arrow.DataType
	cfg      Config
	timeIdx  int
	explicit bool // the time column is ROWTIME: explicit watermarks apply
	schema   *arrow.Schema
	state    windowState
	newState func() (windowState, error) // an empty state of the operator's form
	clock    func() time.Time
	tracker  *Tracker
	ec       *exec.EvalContext
	emit     emitter

	wm       int64 // emission watermark E: windows fired up to it
	floor    int64 // retention floor F: state freed up to it
	lateRows int64
	eof      bool
	stopped  bool // the input stopped (exec.ErrStopped)
	closed   bool

	lastPartialWM   int64
	lastPartialTime time.Time
	accepted        []int32
	cur             arrow.RecordBatch // the batch being folded, for reports
	lateFn          func(i, reason int, wm int64)
	validFn         func(i int) bool
	parts           [1]exec.Partition
}

var (
	_ exec.Operator    = (*groupBy)(nil)
	_ exec.Watermarker = (*groupBy)(nil)
	_ exec.Partitioned = (*groupBy)(nil)
	_ LateCounter      = (*groupBy)(nil)
	_ UpdateCounter    = (*groupBy)(nil)
	_ StateCounter     = (*groupBy)(nil)
	_ exec.Snapshotter = (*groupBy)(nil)
	_ exec.StateSizer  = (*groupBy)(nil)
)

func (o *groupBy) Schema() *arrow.Schema { return o.schema }

// Watermark returns the emission watermark: windows whose last millisecond
// is at or below it have fired.
func (o *groupBy) Watermark() int64 { return o.wm }

// Origin returns 0: the output is one partition.
func (o *groupBy) Origin() exec.Origin { return 0 }

// Partitions returns the output's one partition: its watermark is the
// emission watermark, its MaxTime the largest window end emitted; it is
// done after io.EOF. The slice is valid until the next Next.
func (o *groupBy) Partitions() []exec.Partition {
	o.parts[0] = exec.Partition{Name: o.cfg.Pump, Done: o.eof, Watermark: o.wm, MaxTime: o.emit.maxEnd, Lag: -1}
	return o.parts[:]
}

// LateRows returns the number of late rows set aside.
func (o *groupBy) LateRows() int64 { return o.lateRows }

// Updates returns the number of rows emitted again, with their updated
// results, for windows that had fired.
func (o *groupBy) Updates() int64 { return o.emit.updates }

// LiveGroups returns the number of (window, key) groups held: open, or
// fired and kept until the retention floor passes them.
func (o *groupBy) LiveGroups() int { return o.state.live() }

// StateBytes estimates the memory of the windows held.
func (o *groupBy) StateBytes() int { return o.state.bytes() }

// Next returns the rows of the windows that fired (or were updated after
// firing) while reading the next input batch; the caller releases the
// batch.
func (o *groupBy) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.eof || o.closed {
		return nil, io.EOF
	}
	if o.stopped {
		return nil, exec.ErrStopped
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := o.input.Next(ctx)
	switch {
	case errors.Is(err, io.EOF):
		o.eof = true
		o.tracker.Finish()
		o.wm, o.floor = o.tracker.Emission(), o.tracker.Floor()
		if err := o.state.close(o.wm, o.floor, true, &o.emit); err != nil {
			o.emit.release()
			return nil, err
		}
		return o.emit.batch()
	case errors.Is(err, exec.ErrStopped):
		// The job is stopping: the windows stay open for the checkpoint.
		o.stopped = true
		if !o.cfg.Drain {
			return nil, err
		}
		if err := o.state.partial(&o.emit); err != nil {
			o.emit.release()
			return nil, err
		}
		return o.emit.batch()
	case err != nil:
		return nil, err
	}
	err = o.fold(b)
	b.Release()
	if err != nil {
		return nil, err
	}
	o.wm, o.floor = o.tracker.Advance(exec.PartitionsOf(o.input), o.explicit)
	if err := o.state.close(o.wm, o.floor, false, &o.emit); err != nil {
		o.emit.release()
		return nil, err
	}
	if err := o.maybePartial(); err != nil {
		o.emit.release()
		return nil, err
	}
	return o.emit.batch()
}

// fold sets late and NULL-time rows aside and folds the others.
func (o *groupBy) fold(b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	col := b.Column(o.timeIdx)
	ts := arrowTimes(col)
	var valid func(int) bool
	if col.NullN() > 0 {
		valid = o.validFn
	}
	o.cur = b
	o.accepted = o.tracker.Select(exec.OriginOf(o.input), ts, valid, o.accepted[:0], o.lateFn)
	o.cur = nil
	if len(o.accepted) == 0 {
		return nil
	}
	var rows []int32
	if len(o.accepted) < n {
		rows = o.accepted
	}
	keys, args, err := exec.EvalAggInputs(o.ec, o.cfg.Keys, o.cfg.Aggs, b, o.cfg.Errors)
	if err != nil {
		return fmt.Errorf("window: group by: %w", err)
	}
	defer release(keys)
	defer release(args)
	return o.state.add(keys, args, ts, n, rows)
}

// validTime reports whether row i of the batch being folded has an event
// time, reporting it when not.
func (o *groupBy) validTime(i int) bool {
	if o.cur.Column(o.timeIdx).IsNull(i) {
		o.reportNullTime(o.cur, i)
		return false
	}
	return true
}

// reportLate sets row i of the batch being folded aside as late.
func (o *groupBy) reportLate(i, reason int, wm int64) {
	o.lateRows++
	if o.cfg.Late != LateToErrors || o.cfg.Errors == nil {
		return
	}
	b := o.cur
	t := arrowTimes(b.Column(o.timeIdx))[i]
	msg := fmt.Sprintf("window: late row: event time %d is not after its partition's watermark %d (largest event time of the partition minus the allowed lateness)", t, wm)
	if reason == LateBehindFloor {
		msg = fmt.Sprintf("window: late row: event time %d is not after the retention floor %d (its windows fired and their state is gone)", t, wm)
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time:        o.clock(),
		Level:       "WARNING",
		Name:        "LATE",
		Message:     msg,
		DataRowtime: t,
		DataRow:     exec.FormatRow(b, i),
		Pump:        o.cfg.Pump,
	})
}

func (o *groupBy) reportNullTime(b arrow.RecordBatch, row int) {
	if o.cfg.Errors == nil {
		return
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time:    o.clock(),
		Level:   "ERROR",
		Name:    "RUNTIME",
		Message: "window: row with a NULL event time",
		DataRow: exec.FormatRow(b, row),
		Pump:    o.cfg.Pump,
	})
}

// maybePartial emits early results when the emit policy says so.
func (o *groupBy) maybePartial() error {
	every := o.cfg.Emit.Every
	if every <= 0 {
		return nil
	}
	if o.cfg.Emit.ProcessingTime {
		now := o.clock()
		if o.lastPartialTime.IsZero() {
			o.lastPartialTime = now
			return nil
		}
		if now.Sub(o.lastPartialTime) < every {
			return nil
		}
		o.lastPartialTime = now
		return o.state.partial(&o.emit)
	}
	if o.wm == math.MinInt64 {
		return nil
	}
	step := alignDown(o.wm, ms(every), 0)
	if o.lastPartialWM == math.MinInt64 || step > o.lastPartialWM {
		first := o.lastPartialWM == math.MinInt64
		o.lastPartialWM = step
		if !first {
			return o.state.partial(&o.emit)
		}
	}
	return nil
}

func (o *groupBy) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	o.emit.release()
	releaseState(o.state)
	return o.input.Close()
}

// arrowTimes returns the int64 values of a timestamp column.
func arrowTimes(col arrow.Array) []int64 {
	d := col.Data()
	buf := d.Buffers()[1]
	if buf == nil {
		return make([]int64, col.Len())
	}
	return arrow.Int64Traits.CastFromBytes(buf.Bytes())[d.Offset() : d.Offset()+col.Len()]
}

func release(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}
