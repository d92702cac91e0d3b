package window

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// ItemsConfig configures the tumbling item sketches NewTopK and
// NewDistinctItems.
type ItemsConfig struct {
	// Column is the index of the input column whose values are counted.
	Column int
	// Window is the tumbling window size, on ROWTIME, aligned to the epoch.
	Window time.Duration
	// Lateness is the allowed lateness of the input's partitions (see
	// Tracker); Late says what happens to late rows (default: to Errors as
	// "LATE").
	Lateness time.Duration
	Late     LatePolicy
	Errors   exec.ErrorSink
	// Pump names the pump in error records.
	Pump  string
	Alloc memory.Allocator
	// Clock drives the idle advance of the watermark (default time.Now).
	Clock func() time.Time
}

// sketch is one window's summary of the counted values.
type sketch interface {
	add(key string)
	bytes() int
}

// sketchKind builds, emits and checkpoints one kind of sketch.
type sketchKind interface {
	newSketch() sketch
	// emit appends the window's output rows (without ROWTIME) and returns
	// how many.
	emit(s sketch) int
	// build returns the output columns appended so far (not ROWTIME).
	build() []arrow.Array
	release()
	encode(s sketch) ([]byte, error)
	decode(b []byte) (sketch, error)
	snapKind() byte
}

// itemsWindow is one open (or fired and kept) window.
type itemsWindow struct {
	start int64
	s     sketch
	fired bool
	dirty bool // changed since it fired
}

type itemsOp struct {
	input   exec.Operator
	cfg     ItemsConfig
	kind    sketchKind
	schema  *arrow.Schema
	timeIdx int
	key     func(a arrow.Array, i int) string
	size    int64 // window size in ms
	clock   func() time.Time
	tracker *Tracker

	windows  map[int64]*itemsWindow
	wm       int64
	maxEnd   int64
	lateRows int64
	eof      bool
	stopped  bool
	closed   bool
	parts    [1]exec.Partition

	cur   arrow.RecordBatch
	times []int64 // row ends of emitted rows
}

var (
	_ exec.Operator    = (*itemsOp)(nil)
	_ exec.Partitioned = (*itemsOp)(nil)
	_ exec.Watermarker = (*itemsOp)(nil)
	_ exec.Snapshotter = (*itemsOp)(nil)
	_ exec.StateSizer  = (*itemsOp)(nil)
	_ LateCounter      = (*itemsOp)(nil)
)

func newItemsOp(name string, input exec.Operator, cfg ItemsConfig, kind sketchKind, out []arrow.Field) (*itemsOp, error) {
	if input == nil || cfg.Alloc == nil {
		return nil, fmt.Errorf("window: %s: input and allocator are required", name)
	}
	in := input.Schema()
	if cfg.Column < 0 || cfg.Column >= in.NumFields() {
		return nil, fmt.Errorf("window: %s: no column %d", name, cfg.Column)
	}
	key, err := keyReader(in.Field(cfg.Column).Type)
	if err != nil {
		return nil, fmt.Errorf("window: %s: %w", name, err)
	}
	if cfg.Window < time.Millisecond {
		return nil, fmt.Errorf("window: %s: window size %s is below 1ms", name, cfg.Window)
	}
	idx := in.FieldIndices(exec.RowtimeColumn)
	if len(idx) != 1 {
		return nil, fmt.Errorf("window: %s: input has no ROWTIME", name)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	out = append(out, arrow.Field{Name: exec.RowtimeColumn, Type: exec.TimestampType})
	return &itemsOp{
		input: input, cfg: cfg, kind: kind, schema: arrow.NewSchema(out, nil), timeIdx: idx[0], key: key,
		size: cfg.Window.Milliseconds(), clock: clock, tracker: NewTracker(cfg.Lateness, 0, clock),
		windows: map[int64]*itemsWindow{}, wm: math.MinInt64, maxEnd: math.MinInt64,
	}, nil
}

func (o *itemsOp) Schema() *arrow.Schema { return o.schema }

// Watermark returns the emission watermark: windows whose last
// millisecond is at or below it have fired.
func (o *itemsOp) Watermark() int64 { return o.wm }

// Origin returns 0: the output is one partition.
func (o *itemsOp) Origin() exec.Origin { return 0 }

// Partitions returns the output's one partition, whose watermark is the
// emission watermark; it is done after io.EOF.
func (o *itemsOp) Partitions() []exec.Partition {
	o.parts[0] = exec.Partition{Name: o.cfg.Pump, Done: o.eof, Watermark: o.wm, MaxTime: o.maxEnd, Lag: -1}
	return o.parts[:]
}

// LateRows returns the number of late rows set aside.
func (o *itemsOp) LateRows() int64 { return o.lateRows }

// StateBytes estimates the memory of the windows held.
func (o *itemsOp) StateBytes() int {
	n := 0
	for _, w := range o.windows {
		n += 64 + w.s.bytes()
	}
	return n
}

// Next reads one input batch and returns the rows of the windows that
// fired (or changed after firing), possibly none; the caller releases the
// batch.
func (o *itemsOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
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
		o.wm = o.tracker.Emission()
		return o.fire(math.MaxInt64, math.MaxInt64)
	case errors.Is(err, exec.ErrStopped):
		o.stopped = true // the windows stay for the checkpoint
		return nil, err
	case err != nil:
		return nil, err
	}
	o.fold(b)
	b.Release()
	emit, floor := o.tracker.Advance(exec.PartitionsOf(o.input), true)
	o.wm = emit
	return o.fire(emit, floor)
}

// fold counts the on-time rows of b in their windows.
func (o *itemsOp) fold(b arrow.RecordBatch) {
	if b.NumRows() == 0 {
		return
	}
	tcol := b.Column(o.timeIdx)
	ts := itemTimes(tcol)
	kcol := b.Column(o.cfg.Column)
	o.cur = b
	var valid func(int) bool
	if tcol.NullN() > 0 {
		valid = func(i int) bool { return !tcol.IsNull(i) }
	}
	o.tracker.Observe(exec.OriginOf(o.input), ts, valid, func(i int) {
		if kcol.IsNull(i) {
			return // NULLs are not items
		}
		start := ts[i] - ((ts[i]%o.size)+o.size)%o.size
		w := o.windows[start]
		if w == nil {
			w = &itemsWindow{start: start, s: o.kind.newSketch()}
			o.windows[start] = w
		}
		w.s.add(o.key(kcol, i))
		if w.fired {
			w.dirty = true
		}
	}, o.late)
	o.cur = nil
}

func (o *itemsOp) late(i, reason int, wm int64) {
	o.lateRows++
	if o.cfg.Late != LateToErrors || o.cfg.Errors == nil {
		return
	}
	t := itemTimes(o.cur.Column(o.timeIdx))[i]
	msg := fmt.Sprintf("window: late row: event time %d is not after its partition's watermark %d (largest event time of the partition minus the allowed lateness)", t, wm)
	if reason == LateBehindFloor {
		msg = fmt.Sprintf("window: late row: event time %d is not after the retention floor %d (its windows fired and their state is gone)", t, wm)
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time: o.clock(), Level: "WARNING", Name: "LATE", Message: msg,
		DataRowtime: t, DataRow: exec.FormatRow(o.cur, i), Pump: o.cfg.Pump,
	})
}

// fire emits the windows whose last millisecond is at or below emit that
// have not fired or changed since, in window order, and frees those at or
// below floor.
func (o *itemsOp) fire(emit, floor int64) (arrow.RecordBatch, error) {
	var due []int64
	for start, w := range o.windows {
		end := start + o.size
		if end-1 <= emit && (!w.fired || w.dirty) {
			due = append(due, start)
		}
	}
	slices.Sort(due)
	o.times = o.times[:0]
	for _, start := range due {
		w := o.windows[start]
		end := start + o.size
		n := o.kind.emit(w.s)
		for range n {
			o.times = append(o.times, end)
		}
		w.fired, w.dirty = true, false
		o.maxEnd = max(o.maxEnd, end)
	}
	for start := range o.windows {
		if start+o.size-1 <= floor {
			delete(o.windows, start)
		}
	}
	cols := o.kind.build()
	tb := array.NewTimestampBuilder(o.cfg.Alloc, exec.TimestampType.(*arrow.TimestampType))
	defer tb.Release()
	for _, t := range o.times {
		tb.Append(arrow.Timestamp(t))
	}
	cols = append(cols, tb.NewArray())
	rec := array.NewRecordBatch(o.schema, cols, int64(len(o.times)))
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// Close closes the input.
func (o *itemsOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	o.kind.release()
	return o.input.Close()
}

// itemsHeader is the checkpointed scalars; each window's sketch follows in
// its own section, in the order of Starts.
type itemsHeader struct {
	Tracker  trackerState `json:"tracker"`
	Wm       int64        `json:"wm"`
	MaxEnd   int64        `json:"max_end"`
	LateRows int64        `json:"late_rows"`
	Size     int64        `json:"size"`
	Starts   []int64      `json:"starts,omitempty"`
	Fired    []bool       `json:"fired,omitempty"`
	Dirty    []bool       `json:"dirty,omitempty"`
}

// Snapshot writes the tracker and every window held.
func (o *itemsOp) Snapshot(w io.Writer) error {
	h := itemsHeader{Tracker: o.tracker.state(), Wm: o.wm, MaxEnd: o.maxEnd, LateRows: o.lateRows, Size: o.size}
	for start := range o.windows {
		h.Starts = append(h.Starts, start)
	}
	slices.Sort(h.Starts)
	for _, s := range h.Starts {
		h.Fired = append(h.Fired, o.windows[s].fired)
		h.Dirty = append(h.Dirty, o.windows[s].dirty)
	}
	sw := &snapWriter{mem: o.cfg.Alloc}
	if err := sw.header(h); err != nil {
		return err
	}
	for _, s := range h.Starts {
		b, err := o.kind.encode(o.windows[s].s)
		if err != nil {
			return err
		}
		sw.section(b)
	}
	return sw.finish(w, o.kind.snapKind())
}

// Restore loads the state Snapshot wrote for the same plan.
func (o *itemsOp) Restore(r io.Reader) error {
	return restoring(func() error {
		sr, err := openSnapshot(r, o.kind.snapKind(), o.cfg.Alloc)
		if err != nil {
			return err
		}
		var h itemsHeader
		if err := sr.header(&h); err != nil {
			return err
		}
		if h.Size != o.size || len(h.Fired) != len(h.Starts) || len(h.Dirty) != len(h.Starts) ||
			len(h.Tracker.Maxes) != len(h.Tracker.Origins) {
			return fmt.Errorf("%w: window state of another plan", ErrSnapshot)
		}
		windows := map[int64]*itemsWindow{}
		for i, start := range h.Starts {
			b, err := sr.section()
			if err != nil {
				return err
			}
			s, err := o.kind.decode(b)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrSnapshot, err)
			}
			windows[start] = &itemsWindow{start: start, s: s, fired: h.Fired[i], dirty: h.Dirty[i]}
		}
		if err := sr.done(); err != nil {
			return err
		}
		o.tracker.load(h.Tracker)
		o.windows, o.wm, o.maxEnd, o.lateRows = windows, h.Wm, h.MaxEnd, h.LateRows
		return nil
	})
}

// itemTimes returns a timestamp[ms] array's values.
func itemTimes(col arrow.Array) []int64 {
	d := col.Data()
	buf := d.Buffers()[1]
	if buf == nil {
		return make([]int64, col.Len())
	}
	return arrow.Int64Traits.CastFromBytes(buf.Bytes())[d.Offset() : d.Offset()+col.Len()]
}

// keyReader returns how values of type t become item keys: strings as
// they are, fixed-width values as big-endian bytes ordered like the values
// for integers.
func keyReader(t arrow.DataType) (func(a arrow.Array, i int) string, error) {
	be := func(v uint64) string {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], v)
		return string(b[:])
	}
	switch t.ID() {
	case arrow.STRING:
		return func(a arrow.Array, i int) string { return a.(*array.String).Value(i) }, nil
	case arrow.LARGE_STRING:
		return func(a arrow.Array, i int) string { return a.(*array.LargeString).Value(i) }, nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.TIMESTAMP, arrow.DATE32:
		return func(a arrow.Array, i int) string { return be(uint64(intValue(a, i)) ^ 1<<63) }, nil
	case arrow.FLOAT32, arrow.FLOAT64:
		return func(a arrow.Array, i int) string { return be(math.Float64bits(numericGetter(a)(i))) }, nil
	case arrow.BOOL:
		return func(a arrow.Array, i int) string {
			if a.(*array.Boolean).Value(i) {
				return "\x01"
			}
			return "\x00"
		}, nil
	}
	return nil, fmt.Errorf("cannot count items of type %s", t)
}

func intValue(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Date32:
		return int64(a.Value(i))
	}
	panic(fmt.Sprintf("window: intValue: %s", a.DataType()))
}
