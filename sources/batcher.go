package sources

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrNullRowtime is returned by Batcher.Commit when the row's event-time
// column, chosen with option rowtime, is NULL.
var ErrNullRowtime = errors.New("sources: rowtime column is null")

// Batcher builds the output batches of a source, one row at a time.
//
// A decoder stages the declared columns of one row with the Set methods
// (a column not set is NULL) and then calls Commit, which appends the whole
// row to the Arrow builders together with APPROXIMATE_ARRIVAL_TIME and
// ROWTIME; Discard drops a staged row instead. Nothing reaches the builders
// before Commit succeeds, so a record that fails half way never leaves a
// partial row behind.
//
// Flush hands the committed rows over as a batch. A Batcher is not safe for
// concurrent use; Release frees its builders.
type Batcher struct {
	rb      *array.RecordBuilder
	cols    []staged
	arrival *array.TimestampBuilder
	rowtime *array.TimestampBuilder
	// eventCol is the declared column whose value becomes ROWTIME, or -1
	// for the arrival time.
	eventCol  int
	eventName string
	// arrivalCol is the declared column whose value becomes
	// APPROXIMATE_ARRIVAL_TIME (replays of recorded input), or -1.
	arrivalCol int
	rows       int
	reserve    int
	// arrivals and rowtimes collect the system columns of the batch.
	arrivals, rowtimes []int64
	// zeros backs the columns Prune left out (nullColumn); never written.
	zeros []byte
}

// staged is one declared column: its builder and the value of the row
// being decoded.
type staged struct {
	kind  ColumnKind
	set   bool
	i     int64
	f     float64
	b     []byte
	d     decimal128.Num
	build array.Builder
	bin   *array.BinaryBuilder // string and binary columns
	// lastData is the value bytes of the previous batch, reserved up
	// front for the next one.
	lastData int
	// pruned columns are not read (Prune): all NULL, filled at Flush.
	pruned bool
	// A fixed-width column collects the batch's values here (ints for
	// the integer kinds, BOOLEAN, TIMESTAMP, DATE and TIME; floats;
	// decs) with their validity, and appends them to its builder at
	// Flush in one call each: cheaper per row than the builder's Append.
	// The slices are kept from batch to batch.
	ints   []int64
	floats []float64
	decs   []decimal128.Num
	valid  []bool
	nulls  int
}

// NewBatcher returns a Batcher for output schema schema (declared columns,
// then APPROXIMATE_ARRIVAL_TIME and ROWTIME) allocating from alloc. rowtime
// is the value of option rowtime: empty (or APPROXIMATE_ARRIVAL_TIME) makes
// ROWTIME the arrival time; otherwise it names a declared TIMESTAMP column,
// matched case-insensitively. capacity is a hint of the rows per batch.
func NewBatcher(alloc memory.Allocator, schema *arrow.Schema, rowtime string, capacity int) (*Batcher, error) {
	declared, err := DeclaredColumns(schema)
	if err != nil {
		return nil, err
	}
	b := &Batcher{eventCol: -1, arrivalCol: -1, reserve: capacity}
	if rowtime = strings.TrimSpace(rowtime); rowtime != "" && !strings.EqualFold(rowtime, ArrivalColumn) {
		b.eventCol = findColumn(declared, rowtime)
		if b.eventCol < 0 {
			return nil, fmt.Errorf("sources: rowtime %q is not a declared column", rowtime)
		}
		if t := declared.Field(b.eventCol).Type; !arrow.TypeEqual(t, TimestampType) {
			return nil, fmt.Errorf("sources: rowtime column %s is %s, not TIMESTAMP", declared.Field(b.eventCol).Name, t)
		}
		b.eventName = declared.Field(b.eventCol).Name
	}
	b.cols = make([]staged, declared.NumFields())
	for i, f := range declared.Fields() {
		k, ok := ColumnKindOf(f.Type)
		if !ok {
			return nil, fmt.Errorf("sources: column %s has unsupported type %s", f.Name, f.Type)
		}
		b.cols[i].kind = k
	}
	b.rb = array.NewRecordBuilder(alloc, schema)
	for i := range b.cols {
		c := &b.cols[i]
		c.build = b.rb.Field(i)
		switch bb := c.build.(type) {
		case *array.StringBuilder:
			c.bin = bb.BinaryBuilder
		case *array.LargeStringBuilder:
			c.bin = bb.BinaryBuilder
		case *array.BinaryBuilder:
			c.bin = bb
		}
	}
	n := len(b.cols)
	b.arrival = b.rb.Field(n).(*array.TimestampBuilder)
	b.rowtime = b.rb.Field(n + 1).(*array.TimestampBuilder)
	return b, nil
}

// findColumn returns the index of the field named name (exact match first,
// then case-insensitive), or -1.
func findColumn(s *arrow.Schema, name string) int {
	for i, f := range s.Fields() {
		if f.Name == name {
			return i
		}
	}
	for i, f := range s.Fields() {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// Schema returns the output schema of the batches.
func (b *Batcher) Schema() *arrow.Schema { return b.rb.Schema() }

// NumColumns returns the number of declared columns.
func (b *Batcher) NumColumns() int { return len(b.cols) }

// Kind returns how declared column i is staged.
func (b *Batcher) Kind(i int) ColumnKind { return b.cols[i].kind }

// Len returns the number of committed rows not yet flushed.
func (b *Batcher) Len() int { return b.rows }

// SetNull stages NULL in column i (the default for a column not set).
func (b *Batcher) SetNull(i int) { b.cols[i].set = false }

// SetInt stages v in integer, TIMESTAMP (ms), DATE (days) or TIME (ms)
// column i. The decoder has checked that v fits the column.
func (b *Batcher) SetInt(i int, v int64) { c := &b.cols[i]; c.i, c.set = v, true }

// SetFloat stages v in REAL or DOUBLE column i.
func (b *Batcher) SetFloat(i int, v float64) { c := &b.cols[i]; c.f, c.set = v, true }

// SetBool stages v in BOOLEAN column i.
func (b *Batcher) SetBool(i int, v bool) {
	c := &b.cols[i]
	c.i, c.set = 0, true
	if v {
		c.i = 1
	}
}

// SetDecimal stages v, scaled to the column's scale, in DECIMAL column i.
func (b *Batcher) SetDecimal(i int, v decimal128.Num) { c := &b.cols[i]; c.d, c.set = v, true }

// SetBytes stages v in string or binary column i. The Batcher keeps v,
// without copying it, until Commit or Discard: the caller must not change
// it before then.
func (b *Batcher) SetBytes(i int, v []byte) { c := &b.cols[i]; c.b, c.set = v, true }

// Discard drops the staged row.
func (b *Batcher) Discard() {
	for i := range b.cols {
		b.cols[i].set = false
		b.cols[i].b = nil
	}
}

// Commit appends the staged row with APPROXIMATE_ARRIVAL_TIME = arrival
// and ROWTIME = arrival, or the rowtime column's value when option rowtime
// chose one. When that column is NULL the row is discarded and Commit
// returns an error wrapping ErrNullRowtime. Either way the staging area is
// empty afterwards.
func (b *Batcher) Commit(arrival time.Time) error {
	at := arrow.Timestamp(arrival.UnixMilli())
	if b.arrivalCol >= 0 && b.cols[b.arrivalCol].set {
		at = arrow.Timestamp(b.cols[b.arrivalCol].i)
	}
	rt := at
	if b.eventCol >= 0 {
		c := &b.cols[b.eventCol]
		if !c.set {
			b.Discard()
			return fmt.Errorf("%w: %s", ErrNullRowtime, b.eventName)
		}
		rt = arrow.Timestamp(c.i)
	}
	if b.rows == 0 && b.reserve > 0 {
		for i := range b.cols {
			if c := &b.cols[i]; c.bin != nil && !c.pruned {
				c.bin.Reserve(b.reserve)
				if c.lastData > 0 {
					c.bin.ReserveData(c.lastData)
				}
			}
		}
	}
	for i := range b.cols {
		c := &b.cols[i]
		if c.pruned { // filled at Flush
			c.set = false
			if c.b != nil {
				c.b = nil
			}
			continue
		}
		switch c.kind {
		case ColString, ColBinary:
			if c.set {
				c.bin.Append(c.b)
				c.b = nil
			} else {
				c.bin.AppendNull()
			}
		case ColFloat32, ColFloat64:
			c.floats = append(c.floats, c.f)
		case ColDecimal:
			c.decs = append(c.decs, c.d)
		default:
			c.ints = append(c.ints, c.i)
		}
		if c.bin == nil {
			c.valid = append(c.valid, c.set)
			if !c.set { // a NULL's slot holds zero, as builders leave it
				c.nulls++
				c.zeroLast()
			}
		}
		c.set = false
	}
	b.arrivals = append(b.arrivals, int64(at))
	b.rowtimes = append(b.rowtimes, int64(rt))
	b.rows++
	return nil
}

// SetArrivalColumn makes the declared TIMESTAMP column name supply
// APPROXIMATE_ARRIVAL_TIME (and ROWTIME, when ROWTIME is the arrival time)
// instead of the clock: for replaying input recorded with its arrival
// times. A NULL in the column falls back to the clock.
func (b *Batcher) SetArrivalColumn(name string) error {
	declared, err := DeclaredColumns(b.rb.Schema())
	if err != nil {
		return err
	}
	i := findColumn(declared, strings.TrimSpace(name))
	if i < 0 {
		return fmt.Errorf("sources: arrival %q is not a declared column", name)
	}
	if t := declared.Field(i).Type; t.ID() != arrow.TIMESTAMP {
		return fmt.Errorf("sources: arrival column %s is %s, not TIMESTAMP", declared.Field(i).Name, t)
	}
	b.arrivalCol = i
	return nil
}

// Prune tells that the declared columns i for which read[i] is false are
// not read downstream, so the decoder does not set them: they come out
// all NULL, filled in one step per batch at Flush instead of row by row.
// read has one entry per declared column; nil reads all. The rowtime and
// arrival columns must be read. Call it before the first row.
func (b *Batcher) Prune(read []bool) error {
	if read == nil {
		return nil
	}
	if len(read) != len(b.cols) {
		return fmt.Errorf("sources: prune lists %d columns, batcher has %d", len(read), len(b.cols))
	}
	for _, i := range []int{b.eventCol, b.arrivalCol} {
		if i >= 0 && !read[i] {
			return fmt.Errorf("sources: prune leaves out column %d, which sets ROWTIME or the arrival time", i)
		}
	}
	for i := range b.cols {
		b.cols[i].pruned = !read[i]
	}
	return nil
}

// Flush returns the committed rows as a batch, possibly empty, and starts
// the next one. The caller owns the batch and must Release it.
func (b *Batcher) Flush() arrow.RecordBatch {
	n := b.rows
	schema := b.rb.Schema()
	cols := make([]arrow.Array, schema.NumFields())
	for i := range b.cols {
		c := &b.cols[i]
		switch {
		case c.pruned:
			cols[i] = b.nullColumn(schema.Field(i).Type, n)
			continue
		case c.bin != nil:
			c.lastData = c.bin.DataLen()
		default:
			c.build_()
		}
		cols[i] = c.build.NewArray()
	}
	b.arrival.AppendValues(timestamps(b.arrivals), nil)
	b.rowtime.AppendValues(timestamps(b.rowtimes), nil)
	cols[len(b.cols)], cols[len(b.cols)+1] = b.arrival.NewArray(), b.rowtime.NewArray()
	b.arrivals, b.rowtimes = b.arrivals[:0], b.rowtimes[:0]
	b.rows = 0
	rec := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// nullColumn returns n NULLs of type t, a column Prune left out. Its
// buffers are views of one zeroed slice shared by every such column of
// the batcher (arrays are immutable): a pruned column allocates nothing.
func (b *Batcher) nullColumn(t arrow.DataType, n int) arrow.Array {
	bitmap := int(bitutil.BytesForBits(int64(n)))
	var bufs []int // the sizes of the buffers after the validity bitmap
	switch t.ID() {
	case arrow.STRING, arrow.BINARY:
		bufs = []int{4 * (n + 1), 0}
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		bufs = []int{8 * (n + 1), 0}
	default:
		fw, ok := t.(arrow.FixedWidthDataType)
		if !ok { // no such column kind today; built the slow way
			bld := array.NewBuilder(memory.DefaultAllocator, t)
			defer bld.Release()
			bld.AppendNulls(n)
			return bld.NewArray()
		}
		bufs = []int{int(bitutil.BytesForBits(int64(n) * int64(fw.BitWidth())))}
	}
	need := bitmap
	for _, k := range bufs {
		need = max(need, k)
	}
	if len(b.zeros) < need {
		b.zeros = make([]byte, need)
	}
	buffers := []*memory.Buffer{memory.NewBufferBytes(b.zeros[:bitmap])}
	for _, k := range bufs {
		buffers = append(buffers, memory.NewBufferBytes(b.zeros[:k]))
	}
	data := array.NewData(t, n, buffers, nil, n, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// zeroLast zeroes the value just staged for a NULL (the staging field
// keeps the row before's value).
func (c *staged) zeroLast() {
	switch c.kind {
	case ColFloat32, ColFloat64:
		c.floats[len(c.floats)-1] = 0
	case ColDecimal:
		c.decs[len(c.decs)-1] = decimal128.Num{}
	default:
		c.ints[len(c.ints)-1] = 0
	}
}

// build_ appends a fixed-width column's staged values to its builder,
// each kind in one call, and empties the staging slices.
func (c *staged) build_() {
	valid := c.valid
	if c.nulls == 0 {
		valid = nil // all valid
	}
	switch c.kind {
	case ColBool:
		c.build.(*array.BooleanBuilder).AppendValues(convert(c.ints, func(v int64) bool { return v != 0 }), valid)
	case ColInt8:
		c.build.(*array.Int8Builder).AppendValues(convert(c.ints, func(v int64) int8 { return int8(v) }), valid)
	case ColInt16:
		c.build.(*array.Int16Builder).AppendValues(convert(c.ints, func(v int64) int16 { return int16(v) }), valid)
	case ColInt32:
		c.build.(*array.Int32Builder).AppendValues(convert(c.ints, func(v int64) int32 { return int32(v) }), valid)
	case ColInt64:
		c.build.(*array.Int64Builder).AppendValues(c.ints, valid)
	case ColFloat32:
		c.build.(*array.Float32Builder).AppendValues(convert(c.floats, func(v float64) float32 { return float32(v) }), valid)
	case ColFloat64:
		c.build.(*array.Float64Builder).AppendValues(c.floats, valid)
	case ColDecimal:
		c.build.(*array.Decimal128Builder).AppendValues(c.decs, valid)
	case ColTimestamp:
		c.build.(*array.TimestampBuilder).AppendValues(timestamps(c.ints), valid)
	case ColDate:
		c.build.(*array.Date32Builder).AppendValues(convert(c.ints, func(v int64) arrow.Date32 { return arrow.Date32(v) }), valid)
	case ColTime:
		c.build.(*array.Time32Builder).AppendValues(convert(c.ints, func(v int64) arrow.Time32 { return arrow.Time32(v) }), valid)
	}
	c.ints, c.floats, c.decs, c.valid, c.nulls = c.ints[:0], c.floats[:0], c.decs[:0], c.valid[:0], 0
}

// convert returns f applied to each of vs, for the narrower types.
func convert[S, T any](vs []S, f func(S) T) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = f(v)
	}
	return out
}

// timestamps views staged milliseconds as Arrow timestamps (the same
// representation) without copying.
func timestamps(vs []int64) []arrow.Timestamp {
	if len(vs) == 0 {
		return nil
	}
	return unsafe.Slice((*arrow.Timestamp)(unsafe.Pointer(&vs[0])), len(vs))
}

// Release frees the builders and any rows not flushed. It may be called
// more than once.
func (b *Batcher) Release() {
	if b.rb != nil {
		b.rb.Release()
		b.rb = nil
	}
}
