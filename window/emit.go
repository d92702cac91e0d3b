package window

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// emitter gathers the output rows of the windows that close (or are
// reported early) during one Next, one piece per window, and turns them into
// one batch of the operator's schema.
type emitter struct {
	mem     memory.Allocator
	schema  *arrow.Schema
	partial bool // the schema has the is_partial column
	pieces  [][]arrow.Array
	rows    int
	// updates counts the rows emitted again for windows that had fired
	// (kept across batches).
	updates int64
	// maxEnd is the largest window end (ROWTIME) emitted so far.
	maxEnd int64
}

// add appends the rows of one piece: keys and aggs (owned by the emitter
// from now on), with window bounds per row.
func (e *emitter) add(keys, aggs []arrow.Array, starts, ends []int64, partial bool) {
	n := len(starts)
	cols := make([]arrow.Array, 0, len(e.schema.Fields()))
	cols = append(cols, keys...)
	cols = append(cols, tsArray(e.mem, starts), tsArray(e.mem, ends))
	cols = append(cols, aggs...)
	if e.partial {
		b := array.NewBooleanBuilder(e.mem)
		for range n {
			b.Append(partial)
		}
		cols = append(cols, b.NewArray())
		b.Release()
	}
	cols = append(cols, tsArray(e.mem, ends))
	for _, t := range ends {
		e.maxEnd = max(e.maxEnd, t)
	}
	e.pieces = append(e.pieces, cols)
	e.rows += n
}

// addPiece appends a piece another emitter of the same schema made
// (owned by this one from now on).
func (e *emitter) addPiece(cols []arrow.Array) {
	rt := cols[len(cols)-1]
	for _, t := range arrowTimes(rt) {
		e.maxEnd = max(e.maxEnd, t)
	}
	e.pieces = append(e.pieces, cols)
	e.rows += rt.Len()
}

// batch returns the gathered rows as one batch (possibly empty), which the
// caller releases, and forgets the pieces.
func (e *emitter) batch() (arrow.RecordBatch, error) {
	defer e.release()
	nf := len(e.schema.Fields())
	cols := make([]arrow.Array, nf)
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for j := range nf {
		switch len(e.pieces) {
		case 0:
			cols[j] = array.MakeArrayOfNull(e.mem, e.schema.Field(j).Type, 0)
		case 1:
			cols[j] = e.pieces[0][j]
			cols[j].Retain()
		default:
			parts := make([]arrow.Array, len(e.pieces))
			for i, p := range e.pieces {
				parts[i] = p[j]
			}
			c, err := array.Concatenate(parts, e.mem)
			if err != nil {
				return nil, fmt.Errorf("window: emit: %w", err)
			}
			cols[j] = c
		}
	}
	return array.NewRecordBatch(e.schema, cols, int64(e.rows)), nil
}

func (e *emitter) release() {
	for _, p := range e.pieces {
		for _, c := range p {
			c.Release()
		}
	}
	e.pieces = e.pieces[:0]
	e.rows = 0
}

// tsArray builds a non-NULL millisecond timestamp column.
func tsArray(mem memory.Allocator, vals []int64) arrow.Array {
	b := array.NewTimestampBuilder(mem, exec.TimestampType.(*arrow.TimestampType))
	defer b.Release()
	b.Reserve(len(vals))
	for _, v := range vals {
		b.UnsafeAppend(arrow.Timestamp(v))
	}
	return b.NewArray()
}

// repeat returns n copies of v.
func repeat(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
