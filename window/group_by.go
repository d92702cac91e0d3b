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
	// Lateness is subtracted from the largest event time seen to give the
	// watermark when the input has none of its own (is no exec.Watermarker).
	Lateness time.Duration
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
	// close emits and frees every window whose end-1 is at or below wm, or
	// every window when final.
	close(wm int64, final bool, e *emitter) error
	// partial emits the current results of open windows without closing them.
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
// A window closes, and its rows are emitted, once the watermark reaches its
// last millisecond (end-1). The watermark is the input's when the input is an
// exec.Watermarker, otherwise the largest event time seen minus Lateness,
// minus 1ms (so that rows at the largest time are still accepted). Rows at or
// below the watermark on arrival are late and are handled by cfg.Late;
// rows with a NULL event time are reported to cfg.Errors as RUNTIME errors.
// At the input's io.EOF every open window is flushed in one last batch, then
// Next returns io.EOF. Every Next returns one batch (possibly empty) per
// input batch. The operator owns input, implements exec.Watermarker (the
// watermark it closed windows up to), LateCounter, StateCounter,
// exec.Snapshotter and exec.StateSizer.
func NewGroupBy(input exec.Operator, cfg Config) (exec.Operator, error) {
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

	st, err := newWindowState(cfg, keyTypes)
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
		schema:   schema,
		state:    st,
		clock:    clock,
		ec:       &exec.EvalContext{Alloc: cfg.Alloc, Start: cfg.Start, Clock: cfg.Clock},
		maxTs:    math.MinInt64,
		wm:       math.MinInt64,
	}
	o.inWM, _ = input.(exec.Watermarker)
	o.emit = emitter{mem: cfg.Alloc, schema: schema, partial: cfg.Emit.Every > 0}
	o.lastPartialWM = math.MinInt64
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
	inWM     exec.Watermarker
	cfg      Config
	timeIdx  int
	schema   *arrow.Schema
	state    windowState
	clock    func() time.Time
	ec       *exec.EvalContext
	emit     emitter

	maxTs    int64
	wm       int64
	lateRows int64
	eof      bool
	closed   bool

	lastPartialWM   int64
	lastPartialTime time.Time
	accepted        []int32
}

var (
	_ exec.Operator    = (*groupBy)(nil)
	_ exec.Watermarker = (*groupBy)(nil)
	_ LateCounter      = (*groupBy)(nil)
	_ StateCounter     = (*groupBy)(nil)
	_ exec.Snapshotter = (*groupBy)(nil)
	_ exec.StateSizer  = (*groupBy)(nil)
)

func (o *groupBy) Schema() *arrow.Schema { return o.schema }

// Watermark returns the watermark windows have been closed up to.
func (o *groupBy) Watermark() int64 { return o.wm }

// LateRows returns the number of late rows set aside.
func (o *groupBy) LateRows() int64 { return o.lateRows }

// LiveGroups returns the number of open (window, key) groups.
func (o *groupBy) LiveGroups() int { return o.state.live() }

// StateBytes estimates the memory of the open windows.
func (o *groupBy) StateBytes() int { return o.state.bytes() }

// Next returns the rows of the windows that closed while reading the next
// input batch; the caller releases the batch.
func (o *groupBy) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.eof || o.closed {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := o.input.Next(ctx)
	if errors.Is(err, io.EOF) {
		o.eof = true
		if err := o.state.close(math.MaxInt64, true, &o.emit); err != nil {
			o.emit.release()
			return nil, err
		}
		o.wm = math.MaxInt64
		return o.emit.batch()
	}
	if err != nil {
		return nil, err
	}
	err = o.fold(b)
	b.Release()
	if err != nil {
		return nil, err
	}
	if o.inWM != nil {
		o.wm = max(o.wm, o.inWM.Watermark())
	} else if o.maxTs != math.MinInt64 {
		o.wm = max(o.wm, o.maxTs-ms(o.cfg.Lateness)-1)
	}
	if err := o.state.close(o.wm, false, &o.emit); err != nil {
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
	wm := o.wm
	o.accepted = o.accepted[:0]
	for i := range n {
		if col.IsNull(i) {
			o.reportNullTime(b, i)
			continue
		}
		t := ts[i]
		if t <= wm {
			o.reportLate(b, i, t)
			continue
		}
		if t > o.maxTs {
			o.maxTs = t
		}
		o.accepted = append(o.accepted, int32(i))
	}
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

func (o *groupBy) reportLate(b arrow.RecordBatch, row int, t int64) {
	o.lateRows++
	if o.cfg.Late != LateToErrors || o.cfg.Errors == nil {
		return
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time:        o.clock(),
		Level:       "WARNING",
		Name:        "LATE",
		Message:     fmt.Sprintf("window: late row: event time %d is not after the watermark %d", t, o.wm),
		DataRowtime: t,
		DataRow:     exec.FormatRow(b, row),
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
