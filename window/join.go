package window

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// JoinKind is the kind of a stream–stream join.
type JoinKind uint8

// Join kinds.
const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
)

// String returns the SQL words of the kind.
func (k JoinKind) String() string {
	switch k {
	case JoinLeft:
		return "LEFT"
	case JoinRight:
		return "RIGHT"
	case JoinFull:
		return "FULL"
	}
	return "INNER"
}

// JoinConfig configures NewJoin.
type JoinConfig struct {
	Kind JoinKind
	// LeftKeys and RightKeys are the equi-join keys, evaluated over each
	// side's input; pairs have the same types. No keys: every pair within
	// the time bounds matches. A row with a NULL key matches nothing.
	LeftKeys, RightKeys []exec.Expr
	// Residual, when not nil, is the rest of the ON condition, a BOOLEAN
	// over the output schema: a pair matches only when it is TRUE.
	Residual exec.Expr
	// LeftTime and RightTime name the sides' event-time columns
	// (timestamp[ms]); "" means ROWTIME.
	LeftTime, RightTime string
	// Lower and Upper bound the pairs that match: Lower ≤ l − r ≤ Upper,
	// where l and r are the left and right rows' event times. Every join
	// is bounded in time, which is what bounds its state: a row is freed
	// once the other side's watermark shows no row within bounds can come.
	Lower, Upper time.Duration
	// LeftLateness and RightLateness are the allowed lateness of each side
	// (see Tracker); Retention bounds state kept for idle partitions.
	LeftLateness, RightLateness time.Duration
	Retention                   time.Duration
	// Late says what happens to late rows of either side (default: to
	// Errors).
	Late   LatePolicy
	Errors exec.ErrorSink
	// Pump names the pump in error records.
	Pump  string
	Alloc memory.Allocator
	// Start and Clock feed the expressions' EvalContext; Clock is also the
	// trackers' idle clock (default time.Now).
	Start time.Time
	Clock func() time.Time
}

// NewJoin returns the stream–stream join of left and right. Its output has
// the left input's columns, then the right's (each without its ROWTIME),
// then ROWTIME.
//
// A left row l and a right row r match when their keys are equal, Lower ≤
// l − r ≤ Upper on their event times, and Residual holds; the output row's
// ROWTIME is the later of the two. A row of the preserved side of an outer
// join (LEFT: left, RIGHT: right, FULL: both) that matched nothing is
// emitted, padded with NULLs, once the other side's retention floor shows
// no row can match it any more (left: the right floor reaches l − Lower;
// right: the left floor reaches r + Upper), stamped with the later of its
// event time and that bound. This is KDA's rule for windowed joins: a
// RANGE window of w on the left side (the left rows of the w before the
// right row) is Lower = −w, Upper = 0.
//
// Each side follows its own Tracker (row-exact lateness per origin of its
// input); late rows of either side go to cfg.Late. Rows are emitted in
// ascending ROWTIME, when the join's emission watermark — the smaller of
// the two sides' — reaches them; the output is one partition whose
// watermark is that. A row is freed when the other side's floor passes its
// bound, so state is bounded by the time bounds and the watermarks.
//
// The join reads both inputs concurrently (one goroutine each, owned and
// waited for by Close); a batch is acknowledged, and its input asked for
// the next, only on the following Next, so a quiescent pipeline has every
// row reflected in the join's state. When both inputs end (io.EOF) every
// row still held is settled and emitted; when they stop (exec.ErrStopped)
// the state stays, for a checkpoint, and Next returns ErrStopped. The
// operator owns both inputs and implements exec.Partitioned,
// exec.Watermarker, LateCounter, exec.Snapshotter and exec.StateSizer.
func NewJoin(left, right exec.Operator, cfg JoinConfig) (exec.Operator, error) {
	if left == nil || right == nil || cfg.Alloc == nil {
		return nil, errors.New("window: join: both inputs and an allocator are required")
	}
	if len(cfg.LeftKeys) != len(cfg.RightKeys) {
		return nil, fmt.Errorf("window: join: %d left keys but %d right keys", len(cfg.LeftKeys), len(cfg.RightKeys))
	}
	if cfg.Lower > cfg.Upper {
		return nil, fmt.Errorf("window: join: lower bound %v above upper bound %v", cfg.Lower, cfg.Upper)
	}
	var keyTypes []arrow.DataType
	for i, k := range cfg.LeftKeys {
		if !arrow.TypeEqual(k.DataType(), cfg.RightKeys[i].DataType()) {
			return nil, fmt.Errorf("window: join: key %d is %s on the left, %s on the right", i, k.DataType(), cfg.RightKeys[i].DataType())
		}
		keyTypes = append(keyTypes, k.DataType())
	}
	keys, err := exec.NewGroupTable(keyTypes)
	if err != nil {
		return nil, fmt.Errorf("window: join: %w", err)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	o := &join{cfg: cfg, clock: clock, keys: keys, nkeys: len(keyTypes),
		lower: ms(cfg.Lower), upper: ms(cfg.Upper), wm: math.MinInt64, maxOut: math.MinInt64,
		ec: &exec.EvalContext{Alloc: cfg.Alloc, Start: cfg.Start, Clock: cfg.Clock}}
	var fields []arrow.Field
	for i, spec := range []struct {
		in    exec.Operator
		col   string
		keys  []exec.Expr
		late  time.Duration
		outer bool
	}{
		{left, cfg.LeftTime, cfg.LeftKeys, cfg.LeftLateness, cfg.Kind == JoinLeft || cfg.Kind == JoinFull},
		{right, cfg.RightTime, cfg.RightKeys, cfg.RightLateness, cfg.Kind == JoinRight || cfg.Kind == JoinFull},
	} {
		s, err := newJoinSide(spec.in, spec.col, spec.keys, i == 1, spec.outer)
		if err != nil {
			return nil, err
		}
		s.tracker = NewTracker(spec.late, cfg.Retention, clock)
		for _, c := range s.cols {
			f := spec.in.Schema().Field(c)
			f.Nullable = true
			fields = append(fields, f)
		}
		o.sides[i] = s
	}
	fields = append(fields, arrow.Field{Name: exec.RowtimeColumn, Type: exec.TimestampType})
	o.schema = arrow.NewSchema(fields, nil)
	if cfg.Residual != nil && cfg.Residual.DataType().ID() != arrow.BOOL {
		return nil, fmt.Errorf("window: join: residual condition is %s, want boolean", cfg.Residual.DataType())
	}
	o.pend = newJoinPending(o.schema, cfg.Alloc)
	return o, nil
}

type join struct {
	cfg    JoinConfig
	clock  func() time.Time
	schema *arrow.Schema
	sides  [2]*joinSide
	keys   *exec.GroupTable // key tuples of both sides → key ids
	nkeys  int
	lower  int64 // ms
	upper  int64 // ms
	ec     *exec.EvalContext
	pend   *joinPending

	wm       int64 // emission watermark: rows up to it are emitted
	maxOut   int64
	lateRows int64
	eof      bool
	closed   bool
	parts    [1]exec.Partition

	// mu guards the state against Snapshot and Close from another
	// goroutine (the checkpoint coordinator).
	mu sync.Mutex
	// closedSnap is the snapshot taken when the operator was closed with
	// state held (the job stopping): a checkpoint after Close writes it.
	closedSnap []byte

	// the reading goroutines
	started bool
	cancel  context.CancelFunc
	quit    chan struct{}
	wg      sync.WaitGroup
	ackSide int // side whose batch the last Next processed, -1: none
	cur     arrow.RecordBatch
	curSide int
	lateFn  func(i, reason int, wm int64)
	ids     []uint32
}

var (
	_ exec.Operator    = (*join)(nil)
	_ exec.Watermarker = (*join)(nil)
	_ exec.Partitioned = (*join)(nil)
	_ LateCounter      = (*join)(nil)
	_ exec.Snapshotter = (*join)(nil)
	_ exec.StateSizer  = (*join)(nil)
)

func (o *join) Schema() *arrow.Schema { return o.schema }

// Watermark returns the emission watermark: every row with a ROWTIME at
// or below it has been emitted.
func (o *join) Watermark() int64 { return o.wm }

// Origin returns 0: the output is one partition.
func (o *join) Origin() exec.Origin { return 0 }

// Partitions returns the output's one partition, whose watermark is the
// emission watermark; it is done after io.EOF. The slice is valid until
// the next Next.
func (o *join) Partitions() []exec.Partition {
	o.parts[0] = exec.Partition{Name: o.cfg.Pump, Done: o.eof, Watermark: o.wm, MaxTime: o.maxOut, Lag: -1}
	return o.parts[:]
}

// LateRows returns the number of late rows set aside, of both sides.
func (o *join) LateRows() int64 { return o.lateRows }

// StateBytes estimates the memory held: the rows of both sides kept for
// matching (the batches they are in) and the output waiting for the
// watermark.
func (o *join) StateBytes() int {
	return o.sides[0].bytes() + o.sides[1].bytes() + o.pend.bytes()
}

// HeldRows returns the number of input rows held for matching, per side.
func (o *join) HeldRows() (left, right int) { return o.sides[0].live, o.sides[1].live }

type sideMsg struct {
	b      arrow.RecordBatch
	err    error
	origin exec.Origin
	parts  []exec.Partition
}

// start launches the reading goroutines.
func (o *join) start(ctx context.Context) {
	o.started = true
	o.ackSide = -1
	rctx, cancel := context.WithCancel(ctx)
	o.cancel = cancel
	o.quit = make(chan struct{})
	for _, s := range o.sides {
		if s.ended {
			continue
		}
		s.ch, s.ack = make(chan sideMsg), make(chan struct{})
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			s.read(rctx, o.quit)
		}()
	}
}

// read pulls batches from the side's input until it ends, handing each
// over and waiting for its acknowledgement before the next Next; the end
// too is acknowledged before it is finished.
func (s *joinSide) read(ctx context.Context, quit chan struct{}) {
	for {
		b, err := s.in.Next(ctx)
		m := sideMsg{b: b, err: err}
		if err == nil {
			m.origin, m.parts = exec.OriginOf(s.in), exec.PartitionsOf(s.in)
		}
		select {
		case s.ch <- m:
		case <-quit:
			if b != nil {
				b.Release()
			}
			return
		}
		end := errors.Is(err, io.EOF) || errors.Is(err, exec.ErrStopped)
		if err != nil && !end {
			return
		}
		select {
		case <-s.ack:
		case <-quit:
			return
		}
		if end {
			// The join has taken the end in: asking once more finishes
			// it (a stream counts its end in flight until then, and a
			// checkpoint waits for nothing in flight).
			if b, _ := s.in.Next(ctx); b != nil {
				b.Release()
			}
			return
		}
	}
}

// Next returns the join rows whose ROWTIME the emission watermark reached
// while processing the next batch of either input; the caller releases the
// batch.
func (o *join) Next(ctx context.Context) (arrow.RecordBatch, error) {
	return o.step(ctx, joinSteps{add: o.add, settle: o.settle})
}

// joinSteps are what a two-input operator built on join does with a batch
// of one side (add) and after it, or after both inputs ended (settle);
// step does the rest.
type joinSteps struct {
	add    func(ctx context.Context, side int, b arrow.RecordBatch, origin exec.Origin) error
	settle func() (arrow.RecordBatch, error)
}

// step takes the next message of either input — from the side behind in
// event time when it is ready — and hands it to do, under mu.
func (o *join) step(ctx context.Context, do joinSteps) (arrow.RecordBatch, error) {
	if o.eof || o.closed {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !o.started {
		o.start(ctx)
	}
	if o.ackSide >= 0 {
		o.sides[o.ackSide].ack <- struct{}{}
		o.ackSide = -1
	}
	l, r := o.sides[0], o.sides[1]
	if l.ended && r.ended {
		if l.stopped || r.stopped {
			return nil, exec.ErrStopped
		}
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.finish(do.settle)
	}
	// Take the side that is behind in event time when it is ready, so
	// that neither side runs far ahead of the other (which would hold the
	// ahead side's rows until the other catches up).
	behind := 0
	if r.tracker.maxAll < l.tracker.maxAll {
		behind = 1
	}
	var m sideMsg
	side := -1
	for try := 0; try < 4 && side < 0; try++ {
		select {
		case m = <-o.sides[behind].recv():
			side = behind
		default:
			if try < 3 {
				// Its reader may just have been woken by the ack: let it run.
				runtime.Gosched()
			}
		}
	}
	if side < 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case m = <-l.recv():
			side = 0
		case m = <-r.recv():
			side = 1
		}
	}
	// The state changes under mu: an input's end is not a batch in flight,
	// so a checkpoint may snapshot while it is being taken in.
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sides[side]
	if m.err == nil || errors.Is(m.err, io.EOF) || errors.Is(m.err, exec.ErrStopped) {
		// Acknowledged on the next Next, when it has been taken in.
		o.ackSide = side
	}
	switch {
	case errors.Is(m.err, io.EOF):
		// The end of one input is not a batch in flight, so a checkpoint
		// may be taken while it is taken in: it changes no output here.
		// The other input's next batch (or the end of both) settles what
		// it frees.
		s.ended, s.eof = true, true
		s.tracker.Finish()
		s.emit, s.floor = s.tracker.Emission(), s.tracker.Floor()
		return o.pend.empty(), nil
	case errors.Is(m.err, exec.ErrStopped):
		s.ended, s.stopped = true, true
		if l.ended && r.ended {
			return nil, exec.ErrStopped
		}
		return o.pend.empty(), nil
	case m.err != nil:
		return nil, m.err
	}
	err := do.add(ctx, side, m.b, m.origin)
	m.b.Release()
	if err != nil {
		return nil, err
	}
	s.emit, s.floor = s.tracker.Advance(m.parts, s.explicit)
	return do.settle()
}

// recv returns the side's channel, nil (never ready) once it ended.
func (s *joinSide) recv() chan sideMsg {
	if s.ended {
		return nil
	}
	return s.ch
}

// finish settles every held row (both inputs ended) and returns the last
// batch; the next Next returns io.EOF.
func (o *join) finish(settle func() (arrow.RecordBatch, error)) (arrow.RecordBatch, error) {
	o.eof = true
	for _, s := range o.sides {
		s.tracker.Finish()
		s.emit, s.floor = s.tracker.Emission(), s.tracker.Floor()
	}
	return settle()
}

// settle frees the rows that can no longer match (emitting the unmatched
// ones of outer sides) and returns the waiting output that the emission
// watermark reached, in ROWTIME order.
func (o *join) settle() (arrow.RecordBatch, error) {
	l, r := o.sides[0], o.sides[1]
	// A left row l can match right rows up to l − Lower; a right row r
	// left rows up to r + Upper.
	if err := o.expire(0, shiftTime(r.floor, o.lower)); err != nil {
		return nil, err
	}
	if err := o.expire(1, shiftTime(l.floor, -o.upper)); err != nil {
		return nil, err
	}
	o.wm = max(o.wm, min(l.emit, r.emit))
	b, err := o.pend.release(o.wm)
	if err != nil {
		return nil, err
	}
	if n := b.NumRows(); n > 0 {
		ts := arrowTimes(b.Column(int(b.NumCols()) - 1))
		o.maxOut = max(o.maxOut, ts[n-1])
	}
	return b, nil
}

// Close stops the reading goroutines, waits for them and closes both
// inputs. It may be called twice.
func (o *join) Close() error {
	if !o.stopReading() {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.eof && o.sides[0].live+o.sides[1].live+o.pend.rows > 0 {
		var buf bytes.Buffer
		if err := o.snapshot(&buf); err == nil {
			o.closedSnap = buf.Bytes()
		}
	}
	o.pend.reset()
	var errs []error
	for _, s := range o.sides {
		s.reset()
		errs = append(errs, s.in.Close())
	}
	return errors.Join(errs...)
}

// stopReading stops the reading goroutines and waits for them, the first
// time; it tells whether this was the first (Close's work is left to do).
func (o *join) stopReading() bool {
	if o.closed {
		return false
	}
	o.closed = true
	if o.started {
		o.cancel()
		close(o.quit)
		o.wg.Wait()
	}
	return true
}

// reportLate sets row i of the batch being added aside as late.
func (o *join) reportLate(i, reason int, wm int64) {
	o.lateRows++
	if o.cfg.Late != LateToErrors || o.cfg.Errors == nil {
		return
	}
	s := o.sides[o.curSide]
	b := o.cur
	t := arrowTimes(b.Column(s.timeIdx))[i]
	side := "left"
	if o.curSide == 1 {
		side = "right"
	}
	msg := fmt.Sprintf("window: join: late %s row: event time %d is not after its partition's watermark %d (largest event time of the partition minus the allowed lateness)", side, t, wm)
	if reason == LateBehindFloor {
		msg = fmt.Sprintf("window: join: late %s row: event time %d is not after the retention floor %d (the rows it could match are gone)", side, t, wm)
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time: o.clock(), Level: "WARNING", Name: "LATE", Message: msg,
		DataRowtime: t, DataRow: exec.FormatRow(b, i), Pump: o.cfg.Pump,
	})
}

// reportNullTime reports row i of b, whose event time is NULL.
func (o *join) reportNullTime(b arrow.RecordBatch, i int) {
	if o.cfg.Errors == nil {
		return
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time: o.clock(), Level: "ERROR", Name: "RUNTIME",
		Message: "window: join: row with a NULL event time", DataRow: exec.FormatRow(b, i), Pump: o.cfg.Pump,
	})
}

// shiftTime is t + d, where t may be the start or end of time (which
// stay), saturating instead of wrapping.
func shiftTime(t, d int64) int64 {
	switch {
	case t == math.MinInt64 || t == math.MaxInt64:
		return t
	case d > 0 && t > math.MaxInt64-d:
		return math.MaxInt64 - 1
	case d < 0 && t < math.MinInt64+1-d:
		return math.MinInt64 + 1
	}
	return t + d
}
