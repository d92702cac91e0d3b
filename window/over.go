package window

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// The analytic functions OverSpec accepts besides the aggregates of
// exec.AggSpec.
const (
	FuncLag      = "LAG"
	FuncNthValue = "NTH_VALUE"
)

// OverSpec is one windowed aggregate of a sliding (OVER) window, KDA's
// `agg(x) OVER (PARTITION BY k RANGE INTERVAL '1' MINUTE PRECEDING)` or
// `… ROWS n PRECEDING`.
type OverSpec struct {
	// Func is an aggregate (COUNT, SUM, AVG, MIN, MAX, STDDEV_POP,
	// STDDEV_SAMP, VAR_POP, VAR_SAMP, FIRST_VALUE, LAST_VALUE) or LAG or
	// NTH_VALUE.
	Func string
	// Arg is the argument; nil means COUNT(*).
	Arg exec.Expr
	// N is LAG's offset (0 means 1) and NTH_VALUE's position (1-based).
	N int
	// IgnoreNulls is FIRST_VALUE's and LAST_VALUE's IGNORE NULLS.
	IgnoreNulls bool
	// Partition are the PARTITION BY expressions.
	Partition []exec.Expr
	// The frame also bounds LAG: LAG(x, N) is NULL when the row N before
	// the current one has left the frame (give ROWS N PRECEDING for a plain
	// LAG).
	//
	// Rows selects a ROWS frame of Preceding rows before the current one;
	// otherwise the frame is RANGE Range PRECEDING: rows whose event time is
	// at or after the current row's minus Range (lower bound inclusive).
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
	// TimeColumn names the event-time column ("" means ROWTIME).
	TimeColumn string
	// Alloc allocates every array the operator makes.
	Alloc memory.Allocator
	// Errors receives expression row errors.
	Errors exec.ErrorSink
	// Start and Clock feed the expressions' EvalContext.
	Start time.Time
	Clock func() time.Time
}

// NewOver returns the sliding-window operator: one output row per input
// row, on arrival, with the input columns followed by one column per spec,
// computed over the frame that ends at the row (rows of the same partition
// in arrival order). Each partition keeps only the rows its frame can still
// reach (RANGE: newer than the latest time minus Range; ROWS: the last
// Preceding rows), and partitions no frame can reach any
// more are dropped, so memory is bounded by the frames. It owns input and
// implements StateCounter, exec.Snapshotter and exec.StateSizer.
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
	fields := append([]arrow.Field(nil), in.Fields()...)
	o := &over{input: input, cfg: cfg, timeIdx: idx[0],
		ec: &exec.EvalContext{Alloc: cfg.Alloc, Start: cfg.Start, Clock: cfg.Clock}}
	for _, sp := range cfg.Specs {
		st, err := newOverState(sp)
		if err != nil {
			return nil, err
		}
		o.states = append(o.states, st)
		fields = append(fields, arrow.Field{Name: sp.Name, Type: st.rt, Nullable: true})
	}
	o.schema = arrow.NewSchema(fields, nil)
	return o, nil
}

type over struct {
	input   exec.Operator
	cfg     OverConfig
	timeIdx int
	schema  *arrow.Schema
	states  []*overState
	ec      *exec.EvalContext
	closed  bool
}

var (
	_ exec.Operator    = (*over)(nil)
	_ StateCounter     = (*over)(nil)
	_ exec.Snapshotter = (*over)(nil)
	_ exec.StateSizer  = (*over)(nil)
)

func (o *over) Schema() *arrow.Schema { return o.schema }

// Next returns the next input batch extended with the windowed columns;
// the caller releases it.
func (o *over) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.closed {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := o.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Release()
	ts := arrowTimes(b.Column(o.timeIdx))
	cols := append([]arrow.Array(nil), b.Columns()...)
	var made []arrow.Array
	defer func() { release(made) }()
	for _, st := range o.states {
		col, err := st.batch(o.ec, o.cfg.Alloc, b, ts, o.cfg.Errors)
		if err != nil {
			return nil, err
		}
		made = append(made, col)
		cols = append(cols, col)
	}
	return array.NewRecordBatch(o.schema, cols, b.NumRows()), nil
}

func (o *over) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	for _, st := range o.states {
		st.release()
	}
	return o.input.Close()
}

// LiveGroups returns the number of rows held in frames over all specs.
func (o *over) LiveGroups() int {
	n := 0
	for _, st := range o.states {
		n += st.nrows
	}
	return n
}

// StateBytes estimates the memory held by the frames: the retained
// argument columns, the frame entries and the partition tables, in
// O(number of specs).
func (o *over) StateBytes() int {
	n := 0
	for _, st := range o.states {
		n += st.chunkBytes + 16*st.nrows + 24*len(st.deques) + st.parts.SizeBytes()
	}
	return n
}

// overEntry is one row held by a partition's frame.
type overEntry struct {
	ts    int64
	chunk int32
	row   int32
}

// overChunk is the argument column of one input batch, kept while frame
// rows point into it.
type overChunk struct {
	arr  arrow.Array
	refs int
}

// overState computes one OverSpec: the frame rows of each partition point
// into retained argument columns, and each output row folds its frame with
// an exec.Accumulator (slot = output row).
type overState struct {
	spec   OverSpec
	fn     string // accumulator function
	rt     arrow.DataType
	parts  *exec.GroupTable
	deques [][]overEntry
	chunks map[int32]*overChunk
	next   int32
	maxTs  int64
	swept  int64

	nrows      int // entries over all deques
	chunkBytes int // buffer bytes of the retained chunks

	pids  []uint32
	rows  []int32
	slots []uint32
}

func newOverState(sp OverSpec) (*overState, error) {
	fn := strings.ToUpper(sp.Func)
	sp.Func = fn
	accFn := fn
	var argType arrow.DataType
	if sp.Arg != nil {
		argType = sp.Arg.DataType()
	}
	switch fn {
	case FuncLag:
		if sp.N == 0 {
			sp.N = 1
		}
		accFn = exec.AggFirstValue
	case FuncNthValue:
		if sp.N < 1 {
			return nil, fmt.Errorf("window: over: NTH_VALUE position %d must be at least 1", sp.N)
		}
		accFn = exec.AggFirstValue
	}
	if (fn == FuncLag || fn == FuncNthValue) && sp.Arg == nil {
		return nil, fmt.Errorf("window: over: %s needs an argument", fn)
	}
	if sp.N < 0 || sp.Preceding < 0 || sp.Range < 0 {
		return nil, fmt.Errorf("window: over %s: negative window or offset", sp.Name)
	}
	rt, err := exec.AggResultType(accFn, argType)
	if err != nil {
		return nil, fmt.Errorf("window: over: %w", err)
	}
	var keyTypes []arrow.DataType
	for _, p := range sp.Partition {
		keyTypes = append(keyTypes, p.DataType())
	}
	t, err := exec.NewGroupTable(keyTypes)
	if err != nil {
		return nil, fmt.Errorf("window: over: %w", err)
	}
	if _, err := exec.NewAccumulator(accFn, argType, false, sp.IgnoreNulls); err != nil {
		return nil, fmt.Errorf("window: over: %w", err)
	}
	return &overState{spec: sp, fn: accFn, rt: rt, parts: t, chunks: make(map[int32]*overChunk)}, nil
}

func (s *overState) batch(ec *exec.EvalContext, mem memory.Allocator, b arrow.RecordBatch, ts []int64, errs exec.ErrorSink) (arrow.Array, error) {
	n := int(b.NumRows())
	var argType arrow.DataType
	if s.spec.Arg != nil {
		argType = s.spec.Arg.DataType()
	}
	acc, err := exec.NewAccumulator(s.fn, argType, false, s.spec.IgnoreNulls)
	if err != nil {
		return nil, err
	}
	acc.Grow(n)
	keys, args, err := exec.EvalAggInputs(ec, s.spec.Partition, []exec.AggSpec{{Func: s.fn, Arg: s.spec.Arg}}, b, errs)
	if err != nil {
		return nil, fmt.Errorf("window: over: %w", err)
	}
	defer release(keys)
	arg := args[0]
	cid := s.next
	s.next++
	chunk := &overChunk{arr: arg}
	s.chunks[cid] = chunk
	if arg != nil {
		s.chunkBytes += arrayBytes(arg.Data())
	}
	if s.pids, err = s.parts.Groups(keys, n, nil, s.pids); err != nil {
		return nil, err
	}
	if len(s.deques) < s.parts.Cap() {
		s.deques = append(s.deques, make([][]overEntry, s.parts.Cap()-len(s.deques))...)
	}
	for i, pid := range s.pids {
		t := ts[i]
		s.maxTs = max(s.maxTs, t)
		dq := append(s.deques[pid], overEntry{ts: t, chunk: cid, row: int32(i)})
		chunk.refs++
		s.nrows++
		dq = s.trim(dq, t)
		s.deques[pid] = dq
		if err := s.fold(acc, dq, uint32(i)); err != nil {
			return nil, err
		}
	}
	if !s.spec.Rows && s.maxTs-s.swept >= max(ms(s.spec.Range), 1000) {
		s.sweep()
	}
	for id, c := range s.chunks {
		if c.refs == 0 {
			if c.arr != nil {
				s.chunkBytes -= arrayBytes(c.arr.Data())
				c.arr.Release()
			}
			delete(s.chunks, id)
		}
	}
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i)
	}
	return acc.Build(mem, ids)
}

// trim drops the rows of dq that left the frame ending at a row at t.
func (s *overState) trim(dq []overEntry, t int64) []overEntry {
	drop := 0
	switch {
	case s.spec.Rows:
		if len(dq) > s.spec.Preceding+1 {
			drop = len(dq) - (s.spec.Preceding + 1)
		}
	default:
		lo := t - ms(s.spec.Range)
		for drop < len(dq)-1 && dq[drop].ts < lo {
			drop++
		}
	}
	for _, e := range dq[:drop] {
		s.chunks[e.chunk].refs--
	}
	s.nrows -= drop
	if drop == 0 {
		return dq
	}
	return append(dq[:0], dq[drop:]...)
}

// fold folds the frame dq (ending at the current row) into slot.
func (s *overState) fold(acc exec.Accumulator, dq []overEntry, slot uint32) error {
	frame := dq
	switch s.spec.Func {
	case FuncLag:
		k := len(dq) - 1 - s.spec.N
		if k < 0 {
			return nil
		}
		frame = dq[k : k+1]
	case FuncNthValue:
		if len(dq) < s.spec.N {
			return nil
		}
		frame = dq[s.spec.N-1 : s.spec.N]
	}
	for len(frame) > 0 {
		c := frame[0].chunk
		s.rows, s.slots = s.rows[:0], s.slots[:0]
		j := 0
		for j < len(frame) && frame[j].chunk == c {
			s.rows = append(s.rows, frame[j].row)
			s.slots = append(s.slots, slot)
			j++
		}
		if err := acc.Update(s.chunks[c].arr, s.rows, s.slots); err != nil {
			return fmt.Errorf("window: over %s: %w", s.spec.Name, err)
		}
		frame = frame[j:]
	}
	return nil
}

// sweep drops the partitions whose newest row is older than any future
// RANGE frame can reach.
func (s *overState) sweep() {
	s.swept = s.maxTs
	lo := s.maxTs - ms(s.spec.Range)
	var gone []uint32
	for pid, dq := range s.deques {
		if len(dq) == 0 || dq[len(dq)-1].ts >= lo {
			continue
		}
		for _, e := range dq {
			s.chunks[e.chunk].refs--
		}
		s.nrows -= len(dq)
		s.deques[pid] = nil
		gone = append(gone, uint32(pid))
	}
	s.parts.Delete(gone)
}

func (s *overState) release() {
	for id, c := range s.chunks {
		if c.arr != nil {
			c.arr.Release()
		}
		delete(s.chunks, id)
	}
	s.deques = nil
	s.nrows, s.chunkBytes = 0, 0
}

func arrayBytes(d arrow.ArrayData) int {
	n := 0
	for _, b := range d.Buffers() {
		if b != nil {
			n += b.Len()
		}
	}
	for _, c := range d.Children() {
		n += arrayBytes(c)
	}
	return n
}
