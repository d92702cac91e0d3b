package window

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// overHeader is the JSON header of an OVER snapshot. Each spec's state
// follows in three sections: the partition table's free ids, its live
// partition keys (when it has PARTITION BY columns), and the frame rows of
// every partition in partition id then arrival order — partition id, event
// time and, unless the function is COUNT(*), the argument value. Only the
// rows frames can still reach are written, not whole input batches.
type overHeader struct {
	Specs []overSpecHeader
}

type overSpecHeader struct {
	Func, Name      string
	MaxTs, Swept    int64
	Parts, PartFree int
	Rows            int
}

var overEntryTypes = []arrow.DataType{arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Int64}

// Snapshot writes the frames of every spec: the rows each partition's
// frame holds, with their argument values. It does not change the
// operator.
func (o *over) Snapshot(w io.Writer) error {
	var h overHeader
	for _, st := range o.states {
		h.Specs = append(h.Specs, overSpecHeader{
			Func: st.spec.Func, Name: st.spec.Name,
			MaxTs: st.maxTs, Swept: st.swept,
			Parts: st.parts.Len(), PartFree: len(st.parts.FreeIDs(nil)),
			Rows: st.nrows,
		})
	}
	sw := &snapWriter{mem: o.cfg.Alloc}
	if err := sw.header(&h); err != nil {
		return err
	}
	for _, st := range o.states {
		if err := st.write(sw); err != nil {
			return fmt.Errorf("window: over snapshot %s: %w", st.spec.Name, err)
		}
	}
	return sw.finish(w, snapOver)
}

func (s *overState) write(w *snapWriter) error {
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
	for pid, dq := range s.deques {
		for _, e := range dq {
			pids = append(pids, uint32(pid))
			ts = append(ts, e.ts)
		}
	}
	cols := []arrow.Array{uint32Array(w.mem, pids), int64Array(w.mem, ts)}
	defer func() { release(cols) }()
	if s.spec.Arg != nil {
		vals, err := s.frameValues(w)
		if err != nil {
			return err
		}
		cols = append(cols, vals)
	}
	return w.record(cols, len(pids))
}

// frameValues gathers the argument value of every frame row, in the order
// write lists them, into one array the caller releases.
func (s *overState) frameValues(w *snapWriter) (arrow.Array, error) {
	ids := make([]int32, 0, len(s.chunks))
	for id, c := range s.chunks {
		if c.refs > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	base := make(map[int32]int64, len(ids))
	parts := make([]arrow.Array, 0, len(ids))
	var off int64
	for _, id := range ids {
		base[id] = off
		parts = append(parts, s.chunks[id].arr)
		off += int64(s.chunks[id].arr.Len())
	}
	if len(parts) == 0 {
		return array.MakeArrayOfNull(w.mem, s.spec.Arg.DataType(), 0), nil
	}
	all, err := array.Concatenate(parts, w.mem)
	if err != nil {
		return nil, err
	}
	defer all.Release()
	ib := array.NewInt64Builder(w.mem)
	defer ib.Release()
	ib.Reserve(s.nrows)
	for _, dq := range s.deques {
		for _, e := range dq {
			ib.UnsafeAppend(base[e.chunk] + int64(e.row))
		}
	}
	idx := ib.NewArray()
	defer idx.Release()
	return compute.TakeArray(compute.WithAllocator(context.Background(), w.mem), all, idx)
}

// Restore replaces the operator's frames with the ones in r, written by
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
		if len(h.Specs) != len(o.states) {
			return fmt.Errorf("%w: snapshot has %d windowed columns, operator %d", ErrSnapshot, len(h.Specs), len(o.states))
		}
		var fresh []*overState
		defer func() {
			// Release the new states unless they were installed.
			for _, st := range fresh {
				if st != nil {
					st.release()
				}
			}
		}()
		for i, old := range o.states {
			sh := h.Specs[i]
			if sh.Func != old.spec.Func || sh.Name != old.spec.Name {
				return fmt.Errorf("%w: snapshot column %d is %s %s, operator has %s %s",
					ErrSnapshot, i, sh.Func, sh.Name, old.spec.Func, old.spec.Name)
			}
			st, err := newOverState(o.cfg.Specs[i])
			if err != nil {
				return err
			}
			fresh = append(fresh, st)
			if err := st.load(sr, sh); err != nil {
				return fmt.Errorf("over %s: %w", sh.Name, err)
			}
		}
		if err := sr.done(); err != nil {
			return err
		}
		for i, st := range o.states {
			st.release()
			o.states[i] = fresh[i]
		}
		fresh = nil
		return nil
	})
}

func (s *overState) load(r *snapReader, h overSpecHeader) error {
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
	live := make([]bool, s.parts.Cap())
	for _, id := range s.parts.LiveIDs(nil) {
		live[id] = true
	}
	types := overEntryTypes
	if s.spec.Arg != nil {
		types = append(slices.Clip(types), s.spec.Arg.DataType())
	}
	rec, err := r.record(types, h.Rows)
	if err != nil {
		return err
	}
	defer rec.Release()
	pids := rec.Column(0).(*array.Uint32).Uint32Values()
	ts := rec.Column(1).(*array.Int64).Int64Values()
	s.deques = make([][]overEntry, s.parts.Cap())
	for i, pid := range pids {
		if int(pid) >= len(live) || !live[pid] {
			return fmt.Errorf("%w: frame row of unknown partition %d", ErrSnapshot, pid)
		}
		if i > 0 && pid < pids[i-1] {
			return fmt.Errorf("%w: frame rows not grouped by partition", ErrSnapshot)
		}
		s.deques[pid] = append(s.deques[pid], overEntry{ts: ts[i], chunk: 0, row: int32(i)})
	}
	for pid, ok := range live {
		if ok && len(s.deques[pid]) == 0 {
			return fmt.Errorf("%w: partition %d has no frame rows", ErrSnapshot, pid)
		}
	}
	if h.Rows > 0 {
		c := &overChunk{refs: h.Rows}
		if s.spec.Arg != nil {
			// A copy, so the snapshot's other buffers are not kept alive.
			arr, err := array.Concatenate([]arrow.Array{rec.Column(2)}, r.mem)
			if err != nil {
				return err
			}
			c.arr = arr
			s.chunkBytes = arrayBytes(arr.Data())
		}
		s.chunks[0] = c
	}
	s.next = 1
	s.nrows = h.Rows
	s.maxTs, s.swept = h.MaxTs, h.Swept
	return nil
}
