package window

import (
	"context"
	"fmt"
	"io"
	"math/bits"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
)

// Snapshot writes the join's state in NewJoin's format: the front's
// trackers and the workers' held rows and waiting output, as one join
// would hold them. It does not change the operator.
func (p *parallelJoin) Snapshot(w io.Writer) error {
	o := p.join
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closedSnap != nil {
		if _, err := w.Write(o.closedSnap); err != nil {
			return fmt.Errorf("window: join snapshot: %w", err)
		}
		return nil
	}
	return p.snapshot(w)
}

// heldRef is a held row of a worker.
type heldRef struct {
	ts, seq int64
	w       int
	slot    int32
}

// snapshot writes the state; the caller holds mu, so the workers are
// between steps (or stopped).
func (p *parallelJoin) snapshot(w io.Writer) error {
	o := p.join
	pending := 0
	for _, wk := range p.workers {
		pending += wk.j.pend.rows
	}
	h := joinHeader{Kind: o.cfg.Kind, Lower: o.lower, Upper: o.upper, Keys: o.nkeys,
		WM: o.wm, MaxOut: o.maxOut, LateRows: o.lateRows, EOF: o.eof, Pending: pending}
	held := [2][]heldRef{}
	for i, s := range o.sides {
		for wi, wk := range p.workers {
			ws := wk.j.sides[i]
			for _, e := range ws.order {
				held[i] = append(held[i], heldRef{ts: e.ts, seq: e.seq, w: wi, slot: e.slot})
			}
		}
		// By worker, then event time: gatherHeld takes runs of a
		// worker's chunk, then puts the rows in event-time order.
		slices.SortFunc(held[i], func(a, b heldRef) int {
			if a.w != b.w {
				return a.w - b.w
			}
			if a.ts != b.ts {
				return cmpInt(a.ts, b.ts)
			}
			return cmpInt(a.seq, b.seq)
		})
		h.Sides[i] = joinSideHeader{Tracker: s.tracker.state(), Emit: s.emit, Floor: s.floor, EOF: s.eof,
			NextSeq: s.nextSeq, Cols: len(s.in.Schema().Fields()), Rows: len(held[i])}
	}
	sw := &snapWriter{mem: o.cfg.Alloc}
	if err := sw.header(&h); err != nil {
		return err
	}
	for i, s := range o.sides {
		cols, perm, err := p.gatherHeld(i, s.in.Schema(), held[i])
		if err != nil {
			return err
		}
		seq := make([]int64, len(held[i]))
		mb := array.NewBooleanBuilder(o.cfg.Alloc)
		for k, at := range perm {
			ref := held[i][at]
			seq[k] = ref.seq
			mb.Append(p.workers[ref.w].j.sides[i].matched[ref.slot])
		}
		cols = append(cols, int64Array(o.cfg.Alloc, seq), mb.NewArray())
		mb.Release()
		err = sw.record(cols, len(held[i]))
		release(cols)
		if err != nil {
			return err
		}
	}
	if pending > 0 {
		var pieces []*joinPiece
		for _, wk := range p.workers {
			if wk.j.pend.rows == 0 {
				continue
			}
			one, err := wk.j.pend.all()
			if err != nil {
				return err
			}
			pieces = append(pieces, one)
		}
		var cols []arrow.Array
		var ls, rs []int64
		for c := range o.schema.Fields() {
			parts := make([]arrow.Array, len(pieces))
			for i, pc := range pieces {
				parts[i] = pc.cols[c]
			}
			a, err := array.Concatenate(parts, o.cfg.Alloc)
			if err != nil {
				release(cols)
				return fmt.Errorf("window: join snapshot: %w", err)
			}
			cols = append(cols, a)
		}
		for _, pc := range pieces {
			ls, rs = append(ls, pc.ls...), append(rs, pc.rs...)
		}
		cols = append(cols, int64Array(o.cfg.Alloc, ls), int64Array(o.cfg.Alloc, rs))
		err := sw.record(cols, pending)
		release(cols)
		if err != nil {
			return err
		}
	}
	return sw.finish(w, snapJoin)
}

// gatherHeld returns all the input columns (of schema sc) of the held rows
// refs of side (by worker, then event time), taken from the workers'
// chunks, in event-time then arrival order: row k is refs[perm[k]].
func (p *parallelJoin) gatherHeld(side int, sc *arrow.Schema, refs []heldRef) (cols []arrow.Array, perm []int32, err error) {
	perm = make([]int32, len(refs))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		x, y := &refs[a], &refs[b]
		if x.ts != y.ts {
			return cmpInt(x.ts, y.ts)
		}
		return cmpInt(x.seq, y.seq)
	})
	byWorker, err := p.gatherRuns(side, sc, refs)
	if err != nil || slices.IsSorted(perm) {
		return byWorker, perm, err
	}
	defer release(byWorker)
	all := make([]int, len(byWorker))
	for i := range all {
		all[i] = i
	}
	src := array.NewRecordBatch(piecesSchema(byWorker), byWorker, int64(len(refs)))
	defer src.Release()
	cols, err = takeCols(context.Background(), p.cfg.Alloc, src, all, perm)
	return cols, perm, err
}

// gatherRuns returns the input columns of the held rows refs of side, in
// the order of refs, taking each run of one worker's chunk at once.
func (p *parallelJoin) gatherRuns(side int, sc *arrow.Schema, refs []heldRef) ([]arrow.Array, error) {
	mem := p.cfg.Alloc
	all := make([]int, len(sc.Fields()))
	for i := range all {
		all[i] = i
	}
	if len(refs) == 0 {
		out := make([]arrow.Array, len(all))
		for i, f := range sc.Fields() {
			out[i] = array.MakeArrayOfNull(mem, f.Type, 0)
		}
		return out, nil
	}
	var pieces [][]arrow.Array
	defer func() {
		for _, pc := range pieces {
			release(pc)
		}
	}()
	for start := 0; start < len(refs); {
		s := p.workers[refs[start].w].j.sides[side]
		c := s.chunk[refs[start].slot]
		end := start
		var rows []int32
		for end < len(refs) && refs[end].w == refs[start].w && s.chunk[refs[end].slot] == c {
			rows = append(rows, s.row[refs[end].slot])
			end++
		}
		pc, err := takeCols(context.Background(), mem, s.chunks[c].b, all, rows)
		if err != nil {
			return nil, err
		}
		pieces = append(pieces, pc)
		start = end
	}
	return concatPieces(pieces, len(all), mem)
}

// Restore replaces the operator's state with the one in r, written by
// Snapshot of a join (of one worker or several) built from the same
// configuration: the front takes it as NewJoin's would, then deals the
// held rows to the workers by key hash. On error, which wraps ErrSnapshot,
// the operator is unchanged when the snapshot could not be read, and holds
// no rows when they could not be dealt out. It must be called before the
// first Next.
func (p *parallelJoin) Restore(r io.Reader) error {
	o := p.join
	if p.running {
		return fmt.Errorf("%w: restore after the join started", ErrSnapshot)
	}
	if err := o.Restore(r); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return restoring(func() error {
		if err := p.deal(); err != nil {
			for _, w := range p.workers {
				w.j.pend.reset()
				w.j.sides[0].reset()
				w.j.sides[1].reset()
				w.report()
			}
			return fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		return nil
	})
}

// deal moves the rows the front restored into the workers: held rows by
// key hash, waiting output to the first worker (the merge orders it). The
// workers have not started: the front may fill their state.
func (p *parallelJoin) deal() error {
	o := p.join
	n := uint64(len(p.workers))
	for _, w := range p.workers {
		w.j.pend.reset()
		w.j.sides[0].reset()
		w.j.sides[1].reset()
	}
	for side, s := range o.sides {
		byChunk := map[int32][]int32{}
		for _, e := range s.order {
			c := s.chunk[e.slot]
			byChunk[c] = append(byChunk[c], e.slot)
		}
		chunks := make([]int32, 0, len(byChunk))
		for c := range byChunk {
			chunks = append(chunks, c)
		}
		slices.Sort(chunks)
		for _, c := range chunks {
			b := s.chunks[c].b
			for _, a := range b.Columns() {
				a.NullN()
			}
			slots := byChunk[c]
			keyArrs := make([]arrow.Array, len(s.keys))
			for i, k := range s.keys {
				a, err := k.Eval(o.ec, b)
				if err != nil {
					release(keyArrs)
					return fmt.Errorf("key: %v", err)
				}
				a.NullN()
				keyArrs[i] = a
			}
			hashes, err := exec.HashKeys(keyArrs, nil)
			if err != nil {
				release(keyArrs)
				return err
			}
			mine := make([][]int32, len(p.workers))
			for _, slot := range slots {
				w, _ := bits.Mul64(hashes[s.row[slot]], n)
				mine[w] = append(mine[w], slot)
			}
			for wi, own := range mine {
				if len(own) == 0 {
					continue
				}
				if err := p.workers[wi].hold(side, b, keyArrs, s, own); err != nil {
					release(keyArrs)
					return err
				}
			}
			release(keyArrs)
		}
	}
	for side := range o.sides {
		o.sides[side].reset()
	}
	if keys, err := exec.NewGroupTable(o.keys.KeyTypes()); err == nil {
		o.keys = keys
	}
	// The waiting output goes to the first worker, as it is.
	w0 := p.workers[0].j.pend
	for _, pc := range o.pend.pieces {
		w0.add(pc)
	}
	o.pend.pieces = nil
	o.pend.reset()
	for _, w := range p.workers {
		w.report()
	}
	return nil
}

// hold holds in the worker's side the front's held slots own, rows of
// batch b with keys keyArrs, with their arrival numbers and matched flags.
func (w *joinWorker) hold(side int, b arrow.RecordBatch, keyArrs []arrow.Array, from *joinSide, own []int32) error {
	s := w.j.sides[side]
	rows := make([]int32, len(own))
	for k, slot := range own {
		rows[k] = from.row[slot]
	}
	ids, err := w.j.keys.Groups(keyArrs, int(b.NumRows()), rows, nil)
	if err != nil {
		return err
	}
	chunk := s.addChunk(b)
	for k, slot := range own {
		key := int32(ids[k])
		for _, a := range keyArrs {
			if a.IsNull(int(rows[k])) {
				key = -1
				break
			}
		}
		ns := s.hold(chunk, rows[k], from.ts[slot], key, from.seq[slot])
		s.matched[ns] = from.matched[slot]
	}
	return nil
}
