package history

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// load reads the segments of one cluster, keeps the rows in range (and not
// skipped by a Seek) and sorts them by ROWTIME into s.cur.
func (s *source) load(ctx context.Context, segs []Segment) error {
	out := s.env.Schema
	nOut := out.NumFields()
	parts := make([][]arrow.Array, nOut)
	defer func() {
		for _, p := range parts {
			for _, a := range p {
				a.Release()
			}
		}
	}()
	for _, sg := range segs {
		if err := s.readSegment(sg, parts); err != nil {
			return err
		}
	}
	if len(parts[0]) == 0 {
		return nil
	}
	cols := make([]arrow.Array, nOut)
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, p := range parts {
		c, err := array.Concatenate(p, s.env.Alloc)
		if err != nil {
			return fmt.Errorf("history: concatenate %s: %w", out.Field(i).Name, err)
		}
		cols[i] = c
	}
	idx := s.order(cols[nOut-1].(*array.Timestamp))
	if len(idx) == 0 {
		return nil
	}
	ib := array.NewInt64Builder(s.env.Alloc)
	ib.AppendValues(idx, nil)
	indices := ib.NewArray()
	ib.Release()
	defer indices.Release()
	cctx := compute.WithAllocator(ctx, s.env.Alloc)
	cur := make([]arrow.Array, 0, nOut)
	for i, c := range cols {
		taken, err := compute.TakeArray(cctx, c, indices)
		if err != nil {
			for _, a := range cur {
				a.Release()
			}
			return fmt.Errorf("history: sort %s: %w", out.Field(i).Name, err)
		}
		cur = append(cur, taken)
	}
	s.cur, s.rows, s.next = cur, len(idx), 0
	return nil
}

// order returns the indices of the rows in range, sorted by ROWTIME (stable,
// so equal ROWTIMEs keep their stored order), without those a Seek skips.
func (s *source) order(rt *array.Timestamp) []int64 {
	idx := make([]int64, 0, rt.Len())
	for i := 0; i < rt.Len(); i++ {
		if v := int64(rt.Value(i)); v >= s.from && v < s.to {
			idx = append(idx, int64(i))
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return rt.Value(int(idx[a])) < rt.Value(int(idx[b])) })
	skip := int64(0)
	for len(idx) > 0 && int64(rt.Value(int(idx[0]))) == s.skip.Rowtime && skip < s.skip.Rows {
		idx = idx[1:]
		skip++
	}
	s.skip.Rows -= skip
	return idx
}

// readSegment appends the columns of every batch of one segment to parts,
// mapped to the output schema by name: declared columns as stored (NULL
// when the segment lacks one), APPROXIMATE_ARRIVAL_TIME and ROWTIME from the
// stored ROWTIME.
func (s *source) readSegment(sg Segment, parts [][]arrow.Array) error {
	f, err := os.Open(sg.Path)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(s.env.Alloc))
	if err != nil {
		return fmt.Errorf("history: read %s: %w", sg.Path, err)
	}
	defer r.Close()
	stored := r.Schema()
	rtIdx := stored.FieldIndices(sources.RowtimeColumn)
	if len(rtIdx) != 1 || !arrow.TypeEqual(stored.Field(rtIdx[0]).Type, sources.TimestampType) {
		return fmt.Errorf("history: %s has no ROWTIME timestamp column", sg.Path)
	}
	out := s.env.Schema
	for i := 0; i < out.NumFields()-2; i++ {
		f := out.Field(i)
		if j := stored.FieldIndices(f.Name); len(j) == 1 && !arrow.TypeEqual(stored.Field(j[0]).Type, f.Type) {
			return fmt.Errorf("history: %s: column %s is stored as %s, the stream declares %s", sg.Path, f.Name, stored.Field(j[0]).Type, f.Type)
		}
	}
	for b := 0; b < r.NumRecords(); b++ {
		batch, err := r.RecordBatchAt(b)
		if err != nil {
			return fmt.Errorf("history: read %s batch %d: %w", sg.Path, b, err)
		}
		appendColumns(s.env.Alloc, out, stored, batch, rtIdx[0], parts)
		batch.Release()
	}
	return nil
}

// appendColumns appends batch's columns, retained, to parts in the order
// of out.
func appendColumns(alloc memory.Allocator, out, stored *arrow.Schema, batch arrow.RecordBatch, rtIdx int, parts [][]arrow.Array) {
	n := out.NumFields()
	for i := 0; i < n; i++ {
		var a arrow.Array
		switch j := stored.FieldIndices(out.Field(i).Name); {
		case i >= n-2:
			a = batch.Column(rtIdx)
			a.Retain()
		case len(j) == 1:
			a = batch.Column(j[0])
			a.Retain()
		default:
			a = array.MakeArrayOfNull(alloc, out.Field(i).Type, int(batch.NumRows()))
		}
		parts[i] = append(parts[i], a)
	}
}
