package window

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// overEntry is one on-time row: its event time and where it is (chunk ids
// follow arrival, so (chunk, row) is the arrival order).
type overEntry struct {
	ts    int64
	chunk int64
	row   int32
}

// before orders entries by event time, then arrival.
func (a overEntry) before(b overEntry) bool {
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	if a.chunk != b.chunk {
		return a.chunk < b.chunk
	}
	return a.row < b.row
}

// overChunk is what the operator keeps of one input batch: the batch
// itself while some of its rows wait for the watermark, and each spec's
// argument column while frames hold its rows.
type overChunk struct {
	batch    arrow.RecordBatch // nil once no row waits
	pend     int               // rows waiting
	pids     [][]uint32        // per spec: partition id per batch row (waiting rows)
	defaults []arrow.Array     // per spec: LAG default per batch row, or nil
	args     []arrow.Array     // per spec: argument column, nil for COUNT(*) or once released
	refs     []int             // per spec: frame entries pointing here
	bytes    int
}

// overHeap is a binary min-heap of waiting rows in (event time, arrival)
// order.
type overHeap []overEntry

func (h *overHeap) push(e overEntry) {
	*h = append(*h, e)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].before(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *overHeap) pop() overEntry {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && s[r].before(s[l]) {
			m = r
		}
		if !s[m].before(s[i]) {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// ingest classifies the rows of b with the tracker and buffers the on-time
// ones (b is not released).
func (d *overData) ingest(o *over, b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	tcol := b.Column(o.timeIdx)
	ts := arrowTimes(tcol)
	var valid func(int) bool
	if tcol.NullN() > 0 {
		valid = func(i int) bool {
			if tcol.IsNull(i) {
				o.reportNullTime(b, i)
				return false
			}
			return true
		}
	}
	var accepted []int32
	d.tracker.Observe(exec.OriginOf(o.input), ts, valid,
		func(i int) { accepted = append(accepted, int32(i)) },
		func(i, reason int, wm int64) { o.reportLate(b, i, ts[i], reason, wm) })
	if len(accepted) == 0 {
		return nil
	}
	ns := len(d.states)
	c := &overChunk{batch: b, pend: len(accepted), pids: make([][]uint32, ns),
		defaults: make([]arrow.Array, ns), args: make([]arrow.Array, ns), refs: make([]int, ns)}
	b.Retain()
	c.bytes = batchBytes(b)
	id := d.next
	d.next++
	d.chunks[id] = c
	d.bytes += c.bytes
	for s, st := range d.states {
		sp := st.spec
		keys, args, err := exec.EvalAggInputs(o.ec, sp.Partition,
			[]exec.AggSpec{{Func: sp.Func, Arg: sp.Arg}, {Func: "LAG default", Arg: sp.Default}}, b, o.cfg.Errors)
		if err != nil {
			return fmt.Errorf("window: over %s: %w", sp.Name, err)
		}
		c.args[s], c.defaults[s] = args[0], args[1]
		for _, a := range args {
			if a != nil {
				a.NullN() // computed once here, not racily by NewParallelOver's workers
				c.bytes += arrayBytes(a.Data())
				d.bytes += arrayBytes(a.Data())
			}
		}
		ids, err := st.parts.Groups(keys, n, accepted, st.ids[:0])
		release(keys)
		if err != nil {
			return fmt.Errorf("window: over %s: %w", sp.Name, err)
		}
		st.ids = ids
		st.grow()
		pids := make([]uint32, n)
		for j, r := range accepted {
			pids[r] = ids[j]
			st.pend[ids[j]]++
		}
		c.pids[s] = pids
	}
	for _, r := range accepted {
		d.pending.push(overEntry{ts: ts[r], chunk: id, row: r})
	}
	return nil
}

// emit pops the waiting rows at or below wm and returns them as a batch
// (possibly empty) the caller releases.
func (d *overData) emit(ctx context.Context, o *over, wm int64) (arrow.RecordBatch, error) {
	out := d.scratch[:0]
	for len(d.pending) > 0 && d.pending[0].ts <= wm {
		out = append(out, d.pending.pop())
	}
	d.scratch = out[:0]
	floor := d.tracker.Floor()
	mem := o.cfg.Alloc
	nIn := len(o.schema.Fields()) - len(d.states)
	cols := make([]arrow.Array, 0, len(o.schema.Fields()))
	defer func() { release(cols) }()
	if len(out) == 0 {
		for _, f := range o.schema.Fields() {
			cols = append(cols, array.MakeArrayOfNull(mem, f.Type, 0))
		}
		d.sweep(floor)
		return array.NewRecordBatch(o.schema, cols, 0), nil
	}
	in, err := d.take(ctx, mem, out, nIn, func(c *overChunk, j int) arrow.Array { return c.batch.Column(j) })
	if err != nil {
		return nil, err
	}
	cols = append(cols, in...)
	for _, st := range d.states {
		emit := st.emit
		if o.pool != nil && st.parallel() {
			emit = func(d *overData, out []overEntry, floor int64, mem memory.Allocator) (arrow.Array, error) {
				return st.emitParallel(d, out, floor, mem, o.pool)
			}
		}
		col, err := emit(d, out, floor, mem)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
	}
	for _, e := range out {
		d.unpend(e.chunk)
	}
	if o.rowtimeIdx >= 0 {
		rt := cols[o.rowtimeIdx]
		for i, v := range arrowTimes(rt) {
			if rt.IsValid(i) {
				d.maxOut = max(d.maxOut, v)
			}
		}
	}
	d.sweep(floor)
	return array.NewRecordBatch(o.schema, cols, int64(len(out))), nil
}

// take returns n columns holding, for the rows entries in order, column
// j of col(chunk, j) (which must not be nil); the caller releases them.
func (d *overData) take(ctx context.Context, mem memory.Allocator, entries []overEntry, n int, col func(c *overChunk, j int) arrow.Array) ([]arrow.Array, error) {
	type piece struct {
		c     *overChunk
		rows  []int64
		first int64 // rows are first, first+1, … when run
		run   bool
	}
	var pieces []*piece
	at := map[int64]int{}
	perm := make([]int64, len(entries))
	which := make([]int, len(entries))
	for i, e := range entries {
		p, ok := at[e.chunk]
		if !ok {
			p = len(pieces)
			at[e.chunk] = p
			pieces = append(pieces, &piece{c: d.chunks[e.chunk], first: int64(e.row), run: true})
		}
		pc := pieces[p]
		if pc.run && int64(e.row) != pc.first+int64(len(pc.rows)) {
			pc.run = false
		}
		perm[i] = int64(len(pc.rows))
		which[i] = p
		pc.rows = append(pc.rows, int64(e.row))
	}
	identity := true
	offs := make([]int64, len(pieces))
	var off int64
	for p, pc := range pieces {
		offs[p] = off
		off += int64(len(pc.rows))
	}
	for i := range perm {
		perm[i] += offs[which[i]]
		identity = identity && perm[i] == int64(i)
	}
	cctx := compute.WithAllocator(ctx, mem)
	var idx []arrow.Array
	defer func() { release(idx) }()
	for _, pc := range pieces {
		if pc.run {
			idx = append(idx, nil)
			continue
		}
		idx = append(idx, int64Array(mem, pc.rows))
	}
	var permArr arrow.Array
	if !identity {
		permArr = int64Array(mem, perm)
		defer permArr.Release()
	}
	var cols []arrow.Array
	fail := func(err error) ([]arrow.Array, error) {
		release(cols)
		return nil, fmt.Errorf("window: over: %w", err)
	}
	parts := make([]arrow.Array, len(pieces))
	for j := range n {
		for p, pc := range pieces {
			c := col(pc.c, j)
			if pc.run {
				parts[p] = array.NewSlice(c, pc.first, pc.first+int64(len(pc.rows)))
				continue
			}
			a, err := compute.TakeArray(cctx, c, idx[p])
			if err != nil {
				release(parts[:p])
				return fail(err)
			}
			parts[p] = a
		}
		all := parts[0]
		if len(parts) > 1 {
			c, err := array.Concatenate(parts, mem)
			release(parts)
			if err != nil {
				return fail(err)
			}
			all = c
		}
		if permArr != nil {
			c, err := compute.TakeArray(cctx, all, permArr)
			all.Release()
			if err != nil {
				return fail(err)
			}
			all = c
		}
		cols = append(cols, all)
	}
	return cols, nil
}

// unpend records that a waiting row of chunk id was emitted.
func (d *overData) unpend(id int64) {
	c := d.chunks[id]
	c.pend--
	if c.pend > 0 {
		return
	}
	c.bytes -= batchBytes(c.batch)
	d.bytes -= batchBytes(c.batch)
	c.batch.Release()
	c.batch = nil
	c.pids = nil
	for s, a := range c.defaults {
		if a != nil {
			c.bytes -= arrayBytes(a.Data())
			d.bytes -= arrayBytes(a.Data())
			a.Release()
			c.defaults[s] = nil
		}
	}
	for s := range c.args {
		d.maybeFree(id, c, s)
	}
}

// unref records that a frame of spec s let go of a row of chunk id.
func (d *overData) unref(id int64, s int) {
	c := d.chunks[id]
	c.refs[s]--
	d.maybeFree(id, c, s)
}

// maybeFree releases spec s's argument column of chunk c when nothing
// needs it, and the chunk when nothing is left.
func (d *overData) maybeFree(id int64, c *overChunk, s int) {
	if c.pend > 0 || c.refs[s] > 0 {
		return
	}
	if a := c.args[s]; a != nil {
		c.bytes -= arrayBytes(a.Data())
		d.bytes -= arrayBytes(a.Data())
		a.Release()
		c.args[s] = nil
	}
	for _, r := range c.refs {
		if r > 0 {
			return
		}
	}
	delete(d.chunks, id)
}

// release frees everything.
func (d *overData) release() {
	for id, c := range d.chunks {
		if c.batch != nil {
			c.batch.Release()
		}
		release(c.defaults)
		release(c.args)
		delete(d.chunks, id)
	}
	d.pending = nil
	d.bytes = 0
	for _, st := range d.states {
		st.deques, st.nrows = nil, 0
	}
}

func batchBytes(b arrow.RecordBatch) int {
	n := 0
	for _, c := range b.Columns() {
		n += arrayBytes(c.Data())
	}
	return n
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
