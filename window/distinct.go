package window

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// Bucket maps an event time (ms) to the value of a monotonic expression of
// it, such as FLOOR(ROWTIME TO MINUTE) or STEP(ROWTIME BY INTERVAL '10'
// SECOND): it must never decrease as the time grows. Streaming DISTINCT and
// ORDER BY keep their state per bucket and close a bucket once no on-time
// row can map to it any more.
type Bucket func(t int64) int64

// DistinctConfig configures NewDistinct.
type DistinctConfig struct {
	// Keys are the input columns rows are deduplicated on (ROWTIME is not
	// among them: KDA ignores it for duplicate elimination). NULLs equal
	// each other.
	Keys []int
	// Bucket is the monotonic expression of ROWTIME among the select list.
	// Duplicates are only looked for among rows of the same bucket, which is
	// what lets the state of a bucket go once it closes. Its value must be
	// determined by the keys (the planner keys on the expression's column).
	Bucket Bucket
	// Lateness, Retention and Late are as for OverConfig.
	Lateness  time.Duration
	Retention time.Duration
	Late      LatePolicy
	// Errors receives late rows and rows with a NULL ROWTIME.
	Errors exec.ErrorSink
	// Pump names the pump in error records.
	Pump string
	// Alloc allocates every array the operator makes.
	Alloc memory.Allocator
	// Clock is the tracker's idle clock (default time.Now).
	Clock func() time.Time
}

// NewDistinct returns KDA's streaming SELECT DISTINCT: the first on-time
// row of each distinct key within its bucket is emitted at once, as it
// arrives ("as soon as it is ready": nothing later can change it), and
// later rows with the same key and bucket are dropped. Its ROWTIME is the
// first such row's. A bucket's keys are forgotten once the Tracker's
// retention floor has passed every time that maps to it; rows at or below
// the floor, or behind their own partition's watermark, are late and go to
// cfg.Late, so a forgotten key is never emitted twice.
//
// It owns input, returns one batch (possibly empty) per input batch, and
// implements exec.Partitioned (one partition whose watermark is the
// emission watermark), exec.Watermarker, LateCounter, StateCounter and
// exec.StateSizer (so max_state applies).
func NewDistinct(input exec.Operator, cfg DistinctConfig) (exec.Operator, error) {
	if input == nil || cfg.Alloc == nil || cfg.Bucket == nil {
		return nil, errors.New("window: distinct: input, bucket and allocator are required")
	}
	in := input.Schema()
	idx := in.FieldIndices(exec.RowtimeColumn)
	if len(idx) != 1 || !arrow.TypeEqual(in.Field(idx[0]).Type, exec.TimestampType) {
		return nil, errors.New("window: distinct: the input needs one ROWTIME column of type timestamp[ms]")
	}
	types := []arrow.DataType{arrow.PrimitiveTypes.Int64}
	for _, k := range cfg.Keys {
		if k < 0 || k >= len(in.Fields()) || k == idx[0] {
			return nil, fmt.Errorf("window: distinct: bad key column %d", k)
		}
		types = append(types, in.Field(k).Type)
	}
	table, err := exec.NewGroupTable(types)
	if err != nil {
		return nil, fmt.Errorf("window: distinct: %w", err)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	return &distinct{
		input: input, cfg: cfg, timeIdx: idx[0], clock: clock, table: table,
		tracker: NewTracker(cfg.Lateness, cfg.Retention, clock),
		buckets: map[int64][]uint32{}, maxOut: math.MinInt64,
	}, nil
}

type distinct struct {
	input   exec.Operator
	cfg     DistinctConfig
	timeIdx int
	clock   func() time.Time
	tracker *Tracker

	table   *exec.GroupTable
	seen    []bool             // by group id: the key was emitted (ids are reused after Delete)
	buckets map[int64][]uint32 // group ids per open bucket
	late    int64
	maxOut  int64
	idle    bool
	backlog bool

	accepted []int32
	ids      []uint32
	parts    [1]exec.Partition
	eof      bool
	stopped  bool
	closed   bool
}

var (
	_ exec.Operator    = (*distinct)(nil)
	_ exec.Partitioned = (*distinct)(nil)
	_ exec.Watermarker = (*distinct)(nil)
	_ LateCounter      = (*distinct)(nil)
	_ StateCounter     = (*distinct)(nil)
	_ exec.StateSizer  = (*distinct)(nil)
)

func (d *distinct) Schema() *arrow.Schema { return d.input.Schema() }

// Watermark returns the emission watermark.
func (d *distinct) Watermark() int64 { return d.tracker.Emission() }

// LateRows returns the number of late rows set aside.
func (d *distinct) LateRows() int64 { return d.late }

// LiveGroups returns the number of keys remembered.
func (d *distinct) LiveGroups() int { return d.table.Len() }

// StateBytes estimates the memory of the remembered keys.
func (d *distinct) StateBytes() int { return d.table.SizeBytes() + len(d.seen) + 16*len(d.buckets) }

// Origin returns 0: the output is one partition.
func (d *distinct) Origin() exec.Origin { return 0 }

// Partitions returns the output's partition: its watermark is the
// emission watermark (every later row is after it).
func (d *distinct) Partitions() []exec.Partition {
	d.parts[0] = exec.Partition{
		Watermark: d.tracker.Emission(), MaxTime: d.maxOut, Lag: -1,
		Backlog: d.backlog, Idle: d.idle && !d.backlog, Done: d.eof,
	}
	return d.parts[:]
}

// Next reads one input batch and returns its rows whose key is new in
// their bucket; the caller releases the batch.
func (d *distinct) Next(ctx context.Context) (arrow.RecordBatch, error) {
	switch {
	case d.closed || d.eof:
		return nil, io.EOF
	case d.stopped:
		return nil, exec.ErrStopped
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := d.input.Next(ctx)
	switch {
	case errors.Is(err, io.EOF):
		d.eof = true
		d.tracker.Finish()
		d.forget(math.MaxInt64)
		return nil, io.EOF
	case errors.Is(err, exec.ErrStopped):
		d.stopped = true
		return nil, err
	case err != nil:
		return nil, err
	}
	defer b.Release()
	out, err := d.apply(ctx, b)
	if err != nil {
		return nil, err
	}
	parts := exec.PartitionsOf(d.input)
	d.idle, d.backlog = true, false
	for _, p := range parts {
		d.idle = d.idle && (p.Idle || p.Done)
		d.backlog = d.backlog || p.Backlog
	}
	_, floor := d.tracker.Advance(parts, true)
	if floor != math.MinInt64 {
		d.forget(d.cfg.Bucket(satAdd(floor, 1)))
	}
	return out, nil
}

// apply classifies the rows of b and returns those to emit.
func (d *distinct) apply(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	n := int(b.NumRows())
	mem := d.cfg.Alloc
	if n == 0 {
		b.Retain()
		return b, nil
	}
	tcol := b.Column(d.timeIdx)
	ts := arrowTimes(tcol)
	var valid func(int) bool
	if tcol.NullN() > 0 {
		valid = func(i int) bool {
			if tcol.IsNull(i) {
				d.report(b, i, "ERROR", "RUNTIME", "window: distinct: row with a NULL ROWTIME", 0)
				return false
			}
			return true
		}
	}
	d.accepted = d.tracker.Select(exec.OriginOf(d.input), ts, valid, d.accepted[:0], func(i, reason int, wm int64) {
		d.late++
		if d.cfg.Late != LateToErrors {
			return
		}
		what := "its partition's watermark"
		if reason == LateBehindFloor {
			what = "the retention floor"
		}
		d.report(b, i, "WARNING", "LATE", fmt.Sprintf("window: distinct: late row: event time %d is not after %s %d", ts[i], what, wm), ts[i])
	})
	if len(d.accepted) == 0 {
		return emptyBatch(mem, b.Schema()), nil
	}
	// Key every row on (bucket, keys…).
	bb := array.NewInt64Builder(mem)
	bb.Resize(n)
	for i, t := range ts {
		if tcol.IsValid(i) {
			bb.UnsafeAppend(d.cfg.Bucket(t))
		} else {
			bb.UnsafeAppend(0)
		}
	}
	bucket := bb.NewArray()
	bb.Release()
	defer bucket.Release()
	keys := make([]arrow.Array, 0, len(d.cfg.Keys)+1)
	keys = append(keys, bucket)
	for _, k := range d.cfg.Keys {
		keys = append(keys, b.Column(k))
	}
	ids, err := d.table.Groups(keys, n, d.accepted, d.ids[:0])
	if err != nil {
		return nil, fmt.Errorf("window: distinct: %w", err)
	}
	d.ids = ids
	if c := d.table.Cap(); len(d.seen) < c {
		d.seen = append(d.seen, make([]bool, c-len(d.seen))...)
	}
	bv := bucket.(*array.Int64)
	mask := make([]bool, n)
	emitted := 0
	for j, r := range d.accepted {
		id := ids[j]
		if d.seen[id] {
			continue
		}
		d.seen[id] = true
		bk := bv.Value(int(r))
		d.buckets[bk] = append(d.buckets[bk], id)
		mask[r] = true
		emitted++
		d.maxOut = max(d.maxOut, ts[r])
	}
	if emitted == n {
		b.Retain()
		return b, nil
	}
	return filterRows(ctx, mem, b, mask)
}

// forget drops the keys of the buckets below limit.
func (d *distinct) forget(limit int64) {
	var gone []uint32
	for bk, ids := range d.buckets {
		if bk < limit {
			gone = append(gone, ids...)
			delete(d.buckets, bk)
		}
	}
	if len(gone) == 0 {
		return
	}
	for _, id := range gone {
		d.seen[id] = false
	}
	d.table.Delete(gone)
}

func (d *distinct) report(b arrow.RecordBatch, i int, level, name, msg string, t int64) {
	if d.cfg.Errors == nil {
		return
	}
	d.cfg.Errors.ReportError(exec.ErrorRecord{
		Time: d.clock(), Level: level, Name: name, Message: msg,
		DataRowtime: t, DataRow: exec.FormatRow(b, i), Pump: d.cfg.Pump,
	})
}

func (d *distinct) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.table.Reset()
	d.buckets = nil
	return d.input.Close()
}

// emptyBatch returns a batch of schema with no rows; the caller releases it.
func emptyBatch(mem memory.Allocator, schema *arrow.Schema) arrow.RecordBatch {
	cols := make([]arrow.Array, len(schema.Fields()))
	for i, f := range schema.Fields() {
		cols[i] = array.MakeArrayOfNull(mem, f.Type, 0)
	}
	defer release(cols)
	return array.NewRecordBatch(schema, cols, 0)
}

// filterRows returns the rows of b whose mask entry is set, in order; the
// caller releases the batch.
func filterRows(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, mask []bool) (arrow.RecordBatch, error) {
	mb := array.NewBooleanBuilder(mem)
	mb.AppendValues(mask, nil)
	m := mb.NewArray()
	mb.Release()
	defer m.Release()
	out, err := compute.FilterRecordBatch(compute.WithAllocator(ctx, mem), b, m, compute.DefaultFilterOptions())
	if err != nil {
		return nil, fmt.Errorf("window: %w", err)
	}
	return out, nil
}

// satAdd is a + b without wrapping past math.MaxInt64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
