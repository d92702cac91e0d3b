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

// OrderConfig configures NewOrder.
type OrderConfig struct {
	// Bucket is the leading ORDER BY key, a monotonic expression of
	// ROWTIME (FLOOR(ROWTIME TO MINUTE), STEP(…), ROWTIME itself).
	Bucket Bucket
	// Keys are the following ORDER BY keys, columns of the input. Within a
	// bucket rows are sorted by them (NULLs last), then by ROWTIME, then in
	// arrival order.
	Keys []exec.SortKey
	// Lateness, Retention and Late are as for OverConfig.
	Lateness  time.Duration
	Retention time.Duration
	Late      LatePolicy
	// Drain makes Next, when the input stops (exec.ErrStopped), emit the
	// rows still held, sorted, before returning exec.ErrStopped.
	Drain bool
	// Errors receives late rows and rows with a NULL ROWTIME.
	Errors exec.ErrorSink
	// Pump names the pump in error records.
	Pump string
	// Alloc allocates every array the operator makes.
	Alloc memory.Allocator
	// Clock is the tracker's idle clock (default time.Now).
	Clock func() time.Time
}

// NewOrder returns KDA's streaming ORDER BY: it gathers the on-time rows
// of each bucket of the leading monotonic key and emits them, sorted by
// the other keys, once the emission watermark has passed every time of
// the bucket (the key "changes"). Buckets come out in order. A row on time
// in its partition whose bucket was already emitted (the emission
// watermark ran ahead of an idle partition) is emitted with the next
// buckets; late rows go to cfg.Late. At io.EOF every row held is emitted;
// at exec.ErrStopped they stay held unless cfg.Drain.
//
// It owns input, returns one batch (possibly empty) per input batch, and
// implements exec.Partitioned (one partition; its watermark is below every
// row still held), exec.Watermarker, LateCounter, StateCounter and
// exec.StateSizer (so max_state applies).
func NewOrder(input exec.Operator, cfg OrderConfig) (exec.Operator, error) {
	if input == nil || cfg.Alloc == nil || cfg.Bucket == nil {
		return nil, errors.New("window: order: input, bucket and allocator are required")
	}
	in := input.Schema()
	idx := in.FieldIndices(exec.RowtimeColumn)
	if len(idx) != 1 || !arrow.TypeEqual(in.Field(idx[0]).Type, exec.TimestampType) {
		return nil, errors.New("window: order: the input needs one ROWTIME column of type timestamp[ms]")
	}
	for _, k := range cfg.Keys {
		if k.Column < 0 || k.Column >= len(in.Fields()) {
			return nil, fmt.Errorf("window: order: no column %d", k.Column)
		}
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	return &order{input: input, cfg: cfg, timeIdx: idx[0], clock: clock,
		tracker: NewTracker(cfg.Lateness, cfg.Retention, clock), maxOut: math.MinInt64}, nil
}

type order struct {
	input   exec.Operator
	cfg     OrderConfig
	timeIdx int
	clock   func() time.Time
	tracker *Tracker

	chunks  []*orderChunk
	held    int   // rows held
	minHeld int64 // smallest ROWTIME held
	bytes   int   // buffer bytes of the held batches
	seq     int64 // arrival number of the next row
	late    int64
	maxOut  int64
	idle    bool
	backlog bool

	accepted []int32
	parts    [1]exec.Partition
	eof      bool
	stopped  bool
	closed   bool
}

// orderChunk is an input batch with rows still held.
type orderChunk struct {
	batch  arrow.RecordBatch
	rows   []int32 // held rows, in arrival order
	bucket []int64 // bucket of each batch row
	seq    int64   // arrival number of the batch's row 0
	seqs   []int64 // arrival number of each row, when not seq+row (a restored chunk)
	low    int64   // smallest bucket held
	minTs  int64   // smallest ROWTIME held
}

// arrival returns the arrival number of row r.
func (c *orderChunk) arrival(r int32) int64 {
	if c.seqs != nil {
		return c.seqs[r]
	}
	return c.seq + int64(r)
}

// summarize sets c.low and c.minTs from the rows held.
func (c *orderChunk) summarize(ts []int64) {
	c.low, c.minTs = math.MaxInt64, math.MaxInt64
	for _, r := range c.rows {
		c.low = min(c.low, c.bucket[r])
		c.minTs = min(c.minTs, ts[r])
	}
}

var (
	_ exec.Operator    = (*order)(nil)
	_ exec.Partitioned = (*order)(nil)
	_ exec.Watermarker = (*order)(nil)
	_ LateCounter      = (*order)(nil)
	_ StateCounter     = (*order)(nil)
	_ exec.StateSizer  = (*order)(nil)
)

func (o *order) Schema() *arrow.Schema { return o.input.Schema() }

// Watermark returns a time below every row still held and every row to
// come.
func (o *order) Watermark() int64 {
	wm := o.tracker.Emission()
	if o.held > 0 {
		wm = min(wm, o.minHeld-1)
	}
	return wm
}

// LateRows returns the number of late rows set aside.
func (o *order) LateRows() int64 { return o.late }

// LiveGroups returns the number of rows held.
func (o *order) LiveGroups() int { return o.held }

// StateBytes estimates the memory of the held batches.
func (o *order) StateBytes() int { return o.bytes + 12*o.held }

// Origin returns 0: the output is one partition.
func (o *order) Origin() exec.Origin { return 0 }

// Partitions returns the output's partition.
func (o *order) Partitions() []exec.Partition {
	o.parts[0] = exec.Partition{
		Watermark: o.Watermark(), MaxTime: o.maxOut, Lag: -1,
		Backlog: o.backlog, Idle: o.idle && !o.backlog && o.held == 0, Done: o.eof,
	}
	return o.parts[:]
}

// Next reads one input batch and returns the rows of the buckets that
// closed, sorted; the caller releases the batch.
func (o *order) Next(ctx context.Context) (arrow.RecordBatch, error) {
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
		o.tracker.Finish()
		if o.held == 0 {
			return nil, io.EOF
		}
		return o.fire(ctx, math.MaxInt64)
	case errors.Is(err, exec.ErrStopped):
		o.stopped = true
		if !o.cfg.Drain || o.held == 0 {
			return nil, err
		}
		return o.fire(ctx, math.MaxInt64)
	case err != nil:
		return nil, err
	}
	o.ingest(b)
	b.Release()
	parts := exec.PartitionsOf(o.input)
	o.idle, o.backlog = true, false
	for _, p := range parts {
		o.idle = o.idle && (p.Idle || p.Done)
		o.backlog = o.backlog || p.Backlog
	}
	emit, _ := o.tracker.Advance(parts, true)
	limit := int64(math.MinInt64)
	if emit != math.MinInt64 {
		limit = o.cfg.Bucket(satAdd(emit, 1))
	}
	return o.fire(ctx, limit)
}

// ingest holds the on-time rows of b (b is not released).
func (o *order) ingest(b arrow.RecordBatch) {
	n := int(b.NumRows())
	if n == 0 {
		return
	}
	tcol := b.Column(o.timeIdx)
	ts := arrowTimes(tcol)
	var valid func(int) bool
	if tcol.NullN() > 0 {
		valid = func(i int) bool {
			if tcol.IsNull(i) {
				o.report(b, i, "ERROR", "RUNTIME", "window: order: row with a NULL ROWTIME", 0)
				return false
			}
			return true
		}
	}
	o.accepted = o.tracker.Select(exec.OriginOf(o.input), ts, valid, o.accepted[:0], func(i, reason int, wm int64) {
		o.late++
		if o.cfg.Late != LateToErrors {
			return
		}
		what := "its partition's watermark"
		if reason == LateBehindFloor {
			what = "the retention floor"
		}
		o.report(b, i, "WARNING", "LATE", fmt.Sprintf("window: order: late row: event time %d is not after %s %d", ts[i], what, wm), ts[i])
	})
	seq := o.seq
	o.seq += int64(n)
	if len(o.accepted) == 0 {
		return
	}
	c := &orderChunk{batch: b, rows: append([]int32(nil), o.accepted...), bucket: make([]int64, n), seq: seq}
	if o.held == 0 {
		o.minHeld = math.MaxInt64
	}
	for _, r := range c.rows {
		c.bucket[r] = o.cfg.Bucket(ts[r])
	}
	c.summarize(ts)
	o.minHeld = min(o.minHeld, c.minTs)
	b.Retain()
	o.chunks = append(o.chunks, c)
	o.held += len(c.rows)
	o.bytes += batchBytes(b)
}

// fire emits the held rows whose bucket is below limit, sorted; the caller
// releases the batch.
func (o *order) fire(ctx context.Context, limit int64) (arrow.RecordBatch, error) {
	mem := o.cfg.Alloc
	schema := o.input.Schema()
	var parts []arrow.RecordBatch // fired rows of each chunk, with bucket and seq columns
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	ext := o.extSchema()
	low := int64(math.MaxInt64)
	for _, c := range o.chunks {
		low = min(low, c.low)
	}
	if low >= limit {
		return emptyBatch(mem, schema), nil
	}
	kept := o.chunks[:0]
	for _, c := range o.chunks {
		if c.low >= limit {
			kept = append(kept, c)
			continue
		}
		var fired, rest []int32
		for _, r := range c.rows {
			if c.bucket[r] < limit {
				fired = append(fired, r)
			} else {
				rest = append(rest, r)
			}
		}
		if len(fired) > 0 {
			p, err := o.take(ctx, ext, c, fired)
			if err != nil {
				return nil, err
			}
			parts = append(parts, p)
			o.held -= len(fired)
		}
		if len(rest) > 0 {
			c.rows = rest
			c.summarize(arrowTimes(c.batch.Column(o.timeIdx)))
			kept = append(kept, c)
			continue
		}
		o.bytes -= batchBytes(c.batch)
		c.batch.Release()
	}
	clear(o.chunks[len(kept):])
	o.chunks = kept
	o.minHeld = math.MaxInt64
	for _, c := range o.chunks {
		o.minHeld = min(o.minHeld, c.minTs)
	}
	if len(parts) == 0 {
		return emptyBatch(mem, schema), nil
	}
	all, err := concatRecords(mem, ext, parts)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	nIn := len(schema.Fields())
	idx, err := o.sortIndices(ctx, all, nIn)
	if err != nil {
		return nil, err
	}
	defer idx.Release()
	cctx := compute.WithAllocator(ctx, mem)
	cols := make([]arrow.Array, 0, nIn)
	defer func() { release(cols) }()
	for i := range nIn {
		c, err := compute.TakeArray(cctx, all.Column(i), idx)
		if err != nil {
			return nil, fmt.Errorf("window: order: %w", err)
		}
		cols = append(cols, c)
	}
	for i, v := range arrowTimes(cols[o.timeIdx]) {
		if cols[o.timeIdx].IsValid(i) {
			o.maxOut = max(o.maxOut, v)
		}
	}
	return array.NewRecordBatch(schema, cols, all.NumRows()), nil
}

// sortIndices returns the order of the rows of all (input columns, then
// bucket and arrival number): bucket, the keys, ROWTIME, arrival. The
// caller releases it.
func (o *order) sortIndices(ctx context.Context, all arrow.RecordBatch, nIn int) (arrow.Array, error) {
	cols := []arrow.Array{all.Column(nIn)}
	desc := []bool{false}
	for _, k := range o.cfg.Keys {
		cols = append(cols, all.Column(k.Column))
		desc = append(desc, k.Desc)
	}
	cols = append(cols, all.Column(o.timeIdx), all.Column(nIn+1))
	desc = append(desc, false, false)
	if perm, ok := sortPerm(int(all.NumRows()), cols, desc); ok {
		b := array.NewInt32Builder(o.cfg.Alloc)
		defer b.Release()
		b.AppendValues(perm, nil)
		return b.NewArray(), nil
	}
	keys := make([]compute.SortKey, len(cols))
	for i := range cols {
		ci := nIn
		switch {
		case i == 0:
		case i <= len(o.cfg.Keys):
			ci = o.cfg.Keys[i-1].Column
		case i == len(o.cfg.Keys)+1:
			ci = o.timeIdx
		default:
			ci = nIn + 1
		}
		keys[i] = compute.SortKey{ColumnIndex: ci, Order: compute.SortOrderAscending, NullPlacement: compute.SortNullsAtEnd}
		if desc[i] {
			keys[i].Order = compute.SortOrderDescending
		}
	}
	// As in exec.NewSort: arrow-go's SortIndicesRecordBatch leaks a scratch
	// buffer, so the indices come from Go's allocator.
	idx, err := compute.SortIndicesRecordBatch(compute.WithAllocator(ctx, memory.NewGoAllocator()), all, keys)
	if err != nil {
		return nil, fmt.Errorf("window: order: %w", err)
	}
	return idx, nil
}

// take returns rows of chunk c with their bucket and arrival number, as a
// batch of schema ext; the caller releases it.
func (o *order) take(ctx context.Context, ext *arrow.Schema, c *orderChunk, rows []int32) (arrow.RecordBatch, error) {
	mem := o.cfg.Alloc
	ib := array.NewInt32Builder(mem)
	ib.AppendValues(rows, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	cctx := compute.WithAllocator(ctx, mem)
	cols := make([]arrow.Array, 0, len(ext.Fields()))
	defer func() { release(cols) }()
	for _, col := range c.batch.Columns() {
		a, err := compute.TakeArray(cctx, col, idx)
		if err != nil {
			return nil, fmt.Errorf("window: order: %w", err)
		}
		cols = append(cols, a)
	}
	bk, sq := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
	for _, r := range rows {
		bk.Append(c.bucket[r])
		sq.Append(c.arrival(r))
	}
	cols = append(cols, bk.NewArray(), sq.NewArray())
	bk.Release()
	sq.Release()
	return array.NewRecordBatch(ext, cols, int64(len(rows))), nil
}

func (o *order) report(b arrow.RecordBatch, i int, level, name, msg string, t int64) {
	if o.cfg.Errors == nil {
		return
	}
	o.cfg.Errors.ReportError(exec.ErrorRecord{
		Time: o.clock(), Level: level, Name: name, Message: msg,
		DataRowtime: t, DataRow: exec.FormatRow(b, i), Pump: o.cfg.Pump,
	})
}

func (o *order) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	for _, c := range o.chunks {
		c.batch.Release()
	}
	o.chunks, o.held, o.bytes = nil, 0, 0
	return o.input.Close()
}

// concatRecords joins batches of one schema into one; the caller releases
// it.
func concatRecords(mem memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(batches) == 1 {
		batches[0].Retain()
		return batches[0], nil
	}
	cols := make([]arrow.Array, 0, len(schema.Fields()))
	defer func() { release(cols) }()
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	parts := make([]arrow.Array, len(batches))
	for i := range schema.Fields() {
		for j, b := range batches {
			parts[j] = b.Column(i)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, fmt.Errorf("window: order: %w", err)
		}
		cols = append(cols, c)
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}
