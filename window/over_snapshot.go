package window

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// overSnapshotVersion is the version of the OVER snapshot contents (its
// header's Version); Restore rejects every other. Version 1 (arrival-order
// frames, no header version) had no tracker and no waiting rows.
const overSnapshotVersion = 2

// overHeader is the JSON header of an OVER snapshot. The sections that
// follow are: the waiting rows (the input columns, in arrival order); then
// for each spec the partition table's free ids, its live partition keys
// (when it has PARTITION BY columns), its frame rows in partition id then
// (event time, arrival) order — partition id, event time and, unless the
// function is COUNT(*), the argument value — and, for each waiting row,
// its partition id, argument value (unless COUNT(*)) and LAG default (when
// the spec has one).
type overHeader struct {
	Version int
	Tracker trackerState
	Late    int64
	MaxOut  int64
	Swept   int64
	Pending int
	Specs   []overSpecHeader
}

type overSpecHeader struct {
	Func, Name      string
	Parts, PartFree int
	Rows            int
}

var overEntryTypes = []arrow.DataType{arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Int64}

// Snapshot writes the tracker, the waiting rows and the frames of every
// spec. It does not change the operator.
func (o *over) Snapshot(w io.Writer) error {
	d := o.d
	h := overHeader{Version: overSnapshotVersion, Tracker: d.tracker.state(),
		Late: d.late, MaxOut: d.maxOut, Swept: d.swept, Pending: len(d.pending)}
	for _, st := range d.states {
		h.Specs = append(h.Specs, overSpecHeader{
			Func: st.spec.Func, Name: st.spec.Name,
			Parts: st.parts.Len(), PartFree: len(st.parts.FreeIDs(nil)), Rows: st.nrows,
		})
	}
	sw := &snapWriter{mem: o.cfg.Alloc}
	if err := sw.header(&h); err != nil {
		return err
	}
	pend := slices.Clone(d.pending)
	slices.SortFunc(pend, func(a, b overEntry) int {
		if a.chunk != b.chunk {
			return cmpInt64(a.chunk, b.chunk)
		}
		return cmpInt64(int64(a.row), int64(b.row))
	})
	var inTypes []arrow.DataType
	for _, f := range o.input.Schema().Fields() {
		inTypes = append(inTypes, f.Type)
	}
	if err := d.writeTaken(sw, pend, inTypes, func(c *overChunk, j int) arrow.Array { return c.batch.Column(j) }, nil); err != nil {
		return fmt.Errorf("window: over snapshot: %w", err)
	}
	for _, st := range d.states {
		if err := st.write(sw, d, pend); err != nil {
			return fmt.Errorf("window: over snapshot %s: %w", st.spec.Name, err)
		}
	}
	return sw.finish(w, snapOver)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeTaken writes one record: the leading columns lead (released), then
// the columns col(chunk, j) of the given types taken at entries.
func (d *overData) writeTaken(w *snapWriter, entries []overEntry, types []arrow.DataType, col func(c *overChunk, j int) arrow.Array, lead []arrow.Array) error {
	cols := lead
	defer func() { release(cols) }()
	if len(entries) == 0 {
		for _, t := range types {
			cols = append(cols, array.MakeArrayOfNull(w.mem, t, 0))
		}
		return w.record(cols, 0)
	}
	if len(types) > 0 {
		taken, err := d.take(context.Background(), w.mem, entries, len(types), col)
		if err != nil {
			return err
		}
		cols = append(cols, taken...)
	}
	return w.record(cols, len(entries))
}

func (s *overState) write(w *snapWriter, d *overData, pend []overEntry) error {
	if err := w.uint32s(s.parts.FreeIDs(nil)); err != nil {
		return err
	}
	if len(s.parts.KeyTypes()) > 0 {
		keys, err := s.parts.KeyArrays(w.mem, s.parts.LiveIDs(nil))
		if err != nil {
			return err
		}
		err = w.record(keys, s.parts.Len())
		release(keys)
		if err != nil {
			return err
		}
	}
	pids := make([]uint32, 0, s.nrows)
	ts := make([]int64, 0, s.nrows)
	entries := make([]overEntry, 0, s.nrows)
	for pid, dq := range s.deques {
		for _, e := range dq {
			pids = append(pids, uint32(pid))
			ts = append(ts, e.ts)
			entries = append(entries, e)
		}
	}
	var types []arrow.DataType
	if s.spec.Arg != nil {
		types = append(types, s.argType)
	}
	arg := func(c *overChunk, _ int) arrow.Array { return c.args[s.idx] }
	if err := d.writeTaken(w, entries, types, arg, []arrow.Array{uint32Array(w.mem, pids), int64Array(w.mem, ts)}); err != nil {
		return err
	}
	ppids := make([]uint32, len(pend))
	for i, e := range pend {
		ppids[i] = d.chunks[e.chunk].pids[s.idx][e.row]
	}
	lead := []arrow.Array{uint32Array(w.mem, ppids)}
	if s.spec.Default == nil {
		return d.writeTaken(w, pend, types, arg, lead)
	}
	return d.writeTaken(w, pend, []arrow.DataType{s.argType, s.argType}, func(c *overChunk, j int) arrow.Array {
		if j == 0 {
			return c.args[s.idx]
		}
		return c.defaults[s.idx]
	}, lead)
}

// Restore replaces the operator's state with the one in r, written by
// Snapshot of an OVER operator built from the same configuration. On error,
// which wraps ErrSnapshot, the operator is unchanged.
func (o *over) Restore(r io.Reader) error {
	return restoring(func() error {
		sr, err := openSnapshot(r, snapOver, o.cfg.Alloc)
		if err != nil {
			return err
		}
		var h overHeader
		if err := sr.header(&h); err != nil {
			return err
		}
		if h.Version != overSnapshotVersion {
			return fmt.Errorf("%w: OVER snapshot version %d, want %d", ErrSnapshot, h.Version, overSnapshotVersion)
		}
		d, err := o.newData()
		if err != nil {
			return err
		}
		installed := false
		defer func() {
			if !installed {
				d.release()
			}
		}()
		if err := o.load(d, sr, &h); err != nil {
			return err
		}
		if err := sr.done(); err != nil {
			return err
		}
		o.d.release()
		o.d = d
		installed = true
		return nil
	})
}

func (o *over) load(d *overData, sr *snapReader, h *overHeader) error {
	if len(h.Specs) != len(d.states) {
		return fmt.Errorf("%w: snapshot has %d windowed columns, operator %d", ErrSnapshot, len(h.Specs), len(d.states))
	}
	for i, st := range d.states {
		if sh := h.Specs[i]; sh.Func != st.spec.Func || sh.Name != st.spec.Name {
			return fmt.Errorf("%w: snapshot column %d is %s %s, operator has %s %s",
				ErrSnapshot, i, sh.Func, sh.Name, st.spec.Func, st.spec.Name)
		}
	}
	if h.Pending < 0 || h.Pending > math.MaxInt32 {
		return fmt.Errorf("%w: bad count of waiting rows", ErrSnapshot)
	}
	nIn := len(o.schema.Fields()) - len(d.states)
	types := make([]arrow.DataType, nIn)
	for j := range nIn {
		types[j] = o.schema.Field(j).Type
	}
	rec, err := sr.record(types, h.Pending)
	if err != nil {
		return err
	}
	defer rec.Release()
	ns := len(d.states)
	// Chunks 0 … ns-1 hold each spec's frame rows, chunk ns the waiting rows.
	pc := &overChunk{pend: h.Pending, pids: make([][]uint32, ns), defaults: make([]arrow.Array, ns),
		args: make([]arrow.Array, ns), refs: make([]int, ns)}
	if h.Pending > 0 {
		tcol := rec.Column(o.timeIdx)
		if tcol.NullN() > 0 {
			return fmt.Errorf("%w: waiting row with a NULL event time", ErrSnapshot)
		}
		cols := make([]arrow.Array, nIn)
		for j := range nIn {
			if cols[j], err = d.own(rec.Column(j), sr); err != nil {
				release(cols[:j])
				return err
			}
		}
		pc.batch = array.NewRecordBatch(o.input.Schema(), cols, int64(h.Pending))
		release(cols)
		pc.bytes = batchBytes(pc.batch)
		d.bytes += pc.bytes
		d.chunks[int64(ns)] = pc
		for i, t := range arrowTimes(tcol) {
			d.pending.push(overEntry{ts: t, chunk: int64(ns), row: int32(i)})
		}
	}
	d.next = int64(ns) + 1
	for i, st := range d.states {
		if err := st.load(d, sr, h.Specs[i], pc); err != nil {
			return fmt.Errorf("over %s: %w", st.spec.Name, err)
		}
	}
	if h.Pending == 0 {
		d.unpendAll(pc)
	}
	d.tracker.load(h.Tracker)
	d.late, d.maxOut, d.swept = h.Late, h.MaxOut, h.Swept
	return nil
}

// own copies a restored column into the operator's allocator (so the
// snapshot's other buffers are not kept alive).
func (d *overData) own(a arrow.Array, sr *snapReader) (arrow.Array, error) {
	return array.Concatenate([]arrow.Array{a}, sr.mem)
}

// unpendAll drops the empty waiting chunk's spec columns.
func (d *overData) unpendAll(pc *overChunk) {
	release(pc.args)
	release(pc.defaults)
}

func (s *overState) load(d *overData, r *snapReader, h overSpecHeader, pc *overChunk) error {
	if h.Parts < 0 || h.PartFree < 0 || h.Rows < 0 {
		return fmt.Errorf("%w: negative count", ErrSnapshot)
	}
	free, err := r.uint32s(h.PartFree)
	if err != nil {
		return err
	}
	var keyCols []arrow.Array
	if types := s.parts.KeyTypes(); len(types) > 0 {
		rec, err := r.record(types, h.Parts)
		if err != nil {
			return err
		}
		defer rec.Release()
		keyCols = rec.Columns()
	}
	if err := s.parts.Load(keyCols, h.Parts, free); err != nil {
		return err
	}
	s.grow()
	live := make([]bool, s.parts.Cap())
	for _, id := range s.parts.LiveIDs(nil) {
		live[id] = true
	}
	types := overEntryTypes
	if s.spec.Arg != nil {
		types = append(slices.Clip(types), s.argType)
	}
	rec, err := r.record(types, h.Rows)
	if err != nil {
		return err
	}
	defer rec.Release()
	pids := rec.Column(0).(*array.Uint32).Uint32Values()
	ts := rec.Column(1).(*array.Int64).Int64Values()
	id := int64(s.idx)
	for i, pid := range pids {
		if int(pid) >= len(live) || !live[pid] {
			return fmt.Errorf("%w: frame row of unknown partition %d", ErrSnapshot, pid)
		}
		if i > 0 && (pid < pids[i-1] || (pid == pids[i-1] && ts[i] < ts[i-1])) {
			return fmt.Errorf("%w: frame rows out of order", ErrSnapshot)
		}
		s.deques[pid] = append(s.deques[pid], overEntry{ts: ts[i], chunk: id, row: int32(i)})
	}
	s.nrows = h.Rows
	if h.Rows > 0 {
		c := &overChunk{pids: make([][]uint32, len(d.states)), defaults: make([]arrow.Array, len(d.states)),
			args: make([]arrow.Array, len(d.states)), refs: make([]int, len(d.states))}
		c.refs[s.idx] = h.Rows
		d.chunks[id] = c
		if s.spec.Arg != nil {
			arr, err := d.own(rec.Column(2), r)
			if err != nil {
				return err
			}
			c.args[s.idx] = arr
			c.bytes = arrayBytes(arr.Data())
			d.bytes += c.bytes
		}
	}
	if s.incr {
		for pid := range s.deques {
			s.recum(d, uint32(pid))
		}
	}
	// The waiting rows' partition ids and argument values.
	ptypes := []arrow.DataType{arrow.PrimitiveTypes.Uint32}
	if s.spec.Arg != nil {
		ptypes = append(ptypes, s.argType)
	}
	if s.spec.Default != nil {
		ptypes = append(ptypes, s.argType)
	}
	prec, err := r.record(ptypes, pc.pend)
	if err != nil {
		return err
	}
	defer prec.Release()
	ppids := slices.Clone(prec.Column(0).(*array.Uint32).Uint32Values())
	for _, pid := range ppids {
		if int(pid) >= len(live) || !live[pid] {
			return fmt.Errorf("%w: waiting row of unknown partition %d", ErrSnapshot, pid)
		}
		s.pend[pid]++
	}
	pc.pids[s.idx] = ppids
	for j := 1; j < len(ptypes); j++ {
		arr, err := d.own(prec.Column(j), r)
		if err != nil {
			return err
		}
		if j == 1 && s.spec.Arg != nil {
			pc.args[s.idx] = arr
		} else {
			pc.defaults[s.idx] = arr
		}
		pc.bytes += arrayBytes(arr.Data())
		d.bytes += arrayBytes(arr.Data())
	}
	return nil
}
