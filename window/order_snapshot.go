package window

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
)

// snapOrder is the snapshot kind of streaming ORDER BY.
const snapOrder byte = 21

// orderHeader is the JSON header of an ORDER BY snapshot; a record of the
// rows held (the input's columns, then each row's bucket and arrival
// number), Held rows, follows.
type orderHeader struct {
	Cols    int
	Tracker trackerState
	Held    int
	Seq     int64
	Late    int64
	MaxOut  int64
	EOF     bool
}

var _ exec.Snapshotter = (*order)(nil)

// Snapshot writes the operator's state: the event-time tracker and every
// row held for a bucket that has not closed, with its bucket and arrival
// number, so that a restored operator emits them, in the same order, when
// their bucket closes: the source resumes after them.
func (o *order) Snapshot(w io.Writer) error {
	h := orderHeader{Cols: len(o.input.Schema().Fields()), Tracker: o.tracker.state(), Held: o.held,
		Seq: o.seq, Late: o.late, MaxOut: o.maxOut, EOF: o.eof}
	sw := &snapWriter{mem: o.cfg.Alloc}
	if err := sw.header(&h); err != nil {
		return err
	}
	held, err := o.heldRows()
	if err != nil {
		return fmt.Errorf("window: order snapshot: %w", err)
	}
	defer held.Release()
	if err := sw.record(held.Columns(), o.held); err != nil {
		return err
	}
	return sw.finish(w, snapOrder)
}

// heldRows returns every row held, with its bucket and arrival number, as
// one batch; the caller releases it.
func (o *order) heldRows() (arrow.RecordBatch, error) {
	ext := o.extSchema()
	if len(o.chunks) == 0 {
		return emptyBatch(o.cfg.Alloc, ext), nil
	}
	parts := make([]arrow.RecordBatch, 0, len(o.chunks))
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	for _, c := range o.chunks {
		p, err := o.take(context.Background(), ext, c, c.rows)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return concatRecords(o.cfg.Alloc, ext, parts)
}

// extSchema is the input's schema with a row's bucket and arrival number.
func (o *order) extSchema() *arrow.Schema {
	return arrow.NewSchema(append(append([]arrow.Field(nil), o.input.Schema().Fields()...),
		arrow.Field{Name: "$bucket", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "$seq", Type: arrow.PrimitiveTypes.Int64}), nil)
}

// Restore replaces the operator's state with the one in r, written by
// Snapshot of an ORDER BY over the same input columns. On error, which
// wraps ErrSnapshot, the operator is unchanged.
func (o *order) Restore(r io.Reader) error {
	return restoring(func() error {
		sr, err := openSnapshot(r, snapOrder, o.cfg.Alloc)
		if err != nil {
			return err
		}
		var h orderHeader
		if err := sr.header(&h); err != nil {
			return err
		}
		ext := o.extSchema()
		nIn := len(ext.Fields()) - 2
		if h.Cols != nIn || h.Held < 0 {
			return fmt.Errorf("%w: snapshot has %d columns, operator %d", ErrSnapshot, h.Cols, nIn)
		}
		if len(h.Tracker.Origins) != len(h.Tracker.Maxes) {
			return fmt.Errorf("%w: %d partitions with %d event times", ErrSnapshot, len(h.Tracker.Origins), len(h.Tracker.Maxes))
		}
		types := make([]arrow.DataType, len(ext.Fields()))
		for i, f := range ext.Fields() {
			types[i] = f.Type
		}
		rec, err := sr.record(types, h.Held)
		if err != nil {
			return err
		}
		defer rec.Release()
		if err := sr.done(); err != nil {
			return err
		}
		var chunk *orderChunk
		if h.Held > 0 {
			if chunk, err = o.restoredChunk(rec, nIn); err != nil {
				return err
			}
		}
		for _, c := range o.chunks {
			c.batch.Release()
		}
		o.chunks, o.held, o.bytes, o.minHeld = nil, 0, 0, math.MaxInt64
		if chunk != nil {
			o.chunks = []*orderChunk{chunk}
			o.held, o.bytes, o.minHeld = len(chunk.rows), batchBytes(chunk.batch), chunk.minTs
		}
		tr := NewTracker(o.cfg.Lateness, o.cfg.Retention, o.clock)
		tr.load(h.Tracker)
		o.tracker = tr
		o.seq, o.late, o.maxOut, o.eof, o.stopped = h.Seq, h.Late, h.MaxOut, h.EOF, false
		return nil
	})
}

// restoredChunk holds the rows of a snapshot's record (the input's nIn
// columns, bucket, arrival number) as one chunk, copied into the
// operator's allocator.
func (o *order) restoredChunk(rec arrow.RecordBatch, nIn int) (*orderChunk, error) {
	n := int(rec.NumRows())
	if rec.Column(nIn).NullN() > 0 || rec.Column(nIn+1).NullN() > 0 || rec.Column(o.timeIdx).NullN() > 0 {
		return nil, fmt.Errorf("%w: a held row without a ROWTIME, bucket or arrival number", ErrSnapshot)
	}
	cols := make([]arrow.Array, nIn)
	defer func() { release(cols) }()
	for i := range nIn {
		c, err := array.Concatenate([]arrow.Array{rec.Column(i)}, o.cfg.Alloc)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		cols[i] = c
	}
	c := &orderChunk{
		batch:  array.NewRecordBatch(o.input.Schema(), cols, int64(n)),
		rows:   make([]int32, n),
		bucket: append([]int64(nil), rec.Column(nIn).(*array.Int64).Int64Values()...),
		seqs:   append([]int64(nil), rec.Column(nIn+1).(*array.Int64).Int64Values()...),
	}
	for i := range c.rows {
		c.rows[i] = int32(i)
	}
	c.summarize(arrowTimes(c.batch.Column(o.timeIdx)))
	return c, nil
}
