package window

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// snapJoin is the snapshot kind of the stream–stream join.
const snapJoin byte = 8

// joinHeader is the JSON header of a join snapshot. The sections that
// follow are, for the left then the right side, the held rows (the input's
// columns, then the arrival number and the matched flag) in event-time
// order; then the output waiting for the watermark (the output's columns,
// then the left and right arrival numbers).
type joinHeader struct {
	Kind         JoinKind
	Lower, Upper int64
	Keys         int
	Sides        [2]joinSideHeader
	WM, MaxOut   int64
	LateRows     int64
	EOF          bool
	Pending      int
}

type joinSideHeader struct {
	Tracker     trackerState
	Emit, Floor int64
	EOF         bool
	NextSeq     int64
	Cols, Rows  int
}

// Snapshot writes both sides' trackers and held rows and the waiting
// output. It does not change the operator. The inputs' own state is not
// included.
func (o *join) Snapshot(w io.Writer) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closedSnap != nil {
		if _, err := w.Write(o.closedSnap); err != nil {
			return fmt.Errorf("window: join snapshot: %w", err)
		}
		return nil
	}
	return o.snapshot(w)
}

// snapshot writes the state; the caller holds mu.
func (o *join) snapshot(w io.Writer) error {
	h := joinHeader{Kind: o.cfg.Kind, Lower: o.lower, Upper: o.upper, Keys: o.nkeys,
		WM: o.wm, MaxOut: o.maxOut, LateRows: o.lateRows, EOF: o.eof, Pending: o.pend.rows}
	held := [2][]int32{}
	for i, s := range o.sides {
		order := slices.Clone(s.order)
		slices.SortFunc(order, func(a, b slotTime) int {
			if a.ts != b.ts {
				return cmpInt(a.ts, b.ts)
			}
			return cmpInt(a.seq, b.seq)
		})
		for _, e := range order {
			held[i] = append(held[i], e.slot)
		}
		h.Sides[i] = joinSideHeader{Tracker: s.tracker.state(), Emit: s.emit, Floor: s.floor, EOF: s.eof,
			NextSeq: s.nextSeq, Cols: len(s.in.Schema().Fields()), Rows: len(held[i])}
	}
	sw := &snapWriter{mem: o.cfg.Alloc}
	if err := sw.header(&h); err != nil {
		return err
	}
	ctx := context.Background()
	for i, s := range o.sides {
		cols, err := s.gather(ctx, o, held[i])
		if err != nil {
			return err
		}
		seq := make([]int64, len(held[i]))
		mb := array.NewBooleanBuilder(o.cfg.Alloc)
		for k, slot := range held[i] {
			seq[k] = s.seq[slot]
			mb.Append(s.matched[slot])
		}
		cols = append(cols, int64Array(o.cfg.Alloc, seq), mb.NewArray())
		mb.Release()
		err = sw.record(cols, len(held[i]))
		release(cols)
		if err != nil {
			return err
		}
	}
	if o.pend.rows > 0 {
		one, err := o.pend.all()
		if err != nil {
			return err
		}
		cols := append(slices.Clone(one.cols), int64Array(o.cfg.Alloc, one.ls), int64Array(o.cfg.Alloc, one.rs))
		err = sw.record(cols, len(one.rt))
		cols[len(cols)-1].Release()
		cols[len(cols)-2].Release()
		if err != nil {
			return err
		}
	}
	return sw.finish(w, snapJoin)
}

// gather returns all the input columns of held slots, in order.
func (s *joinSide) gather(ctx context.Context, o *join, slots []int32) ([]arrow.Array, error) {
	all := make([]int, len(s.in.Schema().Fields()))
	for i := range all {
		all[i] = i
	}
	if len(slots) == 0 {
		out := make([]arrow.Array, len(all))
		for i, f := range s.in.Schema().Fields() {
			out[i] = array.MakeArrayOfNull(o.cfg.Alloc, f.Type, 0)
		}
		return out, nil
	}
	var pieces [][]arrow.Array
	defer func() {
		for _, p := range pieces {
			release(p)
		}
	}()
	for start := 0; start < len(slots); {
		c := s.chunk[slots[start]]
		end := start
		var rows []int32
		for end < len(slots) && s.chunk[slots[end]] == c {
			rows = append(rows, s.row[slots[end]])
			end++
		}
		p, err := takeCols(ctx, o.cfg.Alloc, s.chunks[c].b, all, rows)
		if err != nil {
			return nil, err
		}
		pieces = append(pieces, p)
		start = end
	}
	return concatPieces(pieces, len(all), o.cfg.Alloc)
}

// concatPieces returns each of the ncols columns of pieces (each piece a
// set of columns) concatenated in order; the pieces stay the caller's.
func concatPieces(pieces [][]arrow.Array, ncols int, mem memory.Allocator) ([]arrow.Array, error) {
	out := make([]arrow.Array, ncols)
	for j := range out {
		parts := make([]arrow.Array, len(pieces))
		for i, p := range pieces {
			parts[i] = p[j]
		}
		if len(parts) == 1 {
			parts[0].Retain()
			out[j] = parts[0]
			continue
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			release(out)
			return nil, fmt.Errorf("window: join snapshot: %w", err)
		}
		out[j] = c
	}
	return out, nil
}

// Restore replaces the operator's state with the one in r, written by
// Snapshot of a join built from the same configuration. On error, which
// wraps ErrSnapshot, the operator is unchanged. It must be called before
// the first Next.
func (o *join) Restore(r io.Reader) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return restoring(func() error {
		sr, err := openSnapshot(r, snapJoin, o.cfg.Alloc)
		if err != nil {
			return err
		}
		var h joinHeader
		if err := sr.header(&h); err != nil {
			return err
		}
		if h.Kind != o.cfg.Kind || h.Lower != o.lower || h.Upper != o.upper || h.Keys != o.nkeys {
			return fmt.Errorf("%w: snapshot of a %s join of bounds [%d, %d] on %d keys, operator is %s [%d, %d] on %d",
				ErrSnapshot, h.Kind, h.Lower, h.Upper, h.Keys, o.cfg.Kind, o.lower, o.upper, o.nkeys)
		}
		keys, err := exec.NewGroupTable(o.keys.KeyTypes())
		if err != nil {
			return err
		}
		tmp := &join{cfg: o.cfg, keys: keys, nkeys: o.nkeys, ec: o.ec}
		var fresh [2]*joinSide
		var recs []arrow.RecordBatch
		defer func() {
			for _, b := range recs {
				b.Release()
			}
		}()
		for i, old := range o.sides {
			sh := h.Sides[i]
			if sh.Cols != len(old.in.Schema().Fields()) || sh.Rows < 0 {
				return fmt.Errorf("%w: %s side has %d columns, operator's input %d", ErrSnapshot, sideName(i == 1), sh.Cols, len(old.in.Schema().Fields()))
			}
			if len(sh.Tracker.Origins) != len(sh.Tracker.Maxes) {
				return fmt.Errorf("%w: %d partitions with %d event times", ErrSnapshot, len(sh.Tracker.Origins), len(sh.Tracker.Maxes))
			}
			s := &joinSide{in: old.in, keys: old.keys, timeIdx: old.timeIdx, explicit: old.explicit, right: old.right,
				outer: old.outer, cols: old.cols, emit: sh.Emit, floor: sh.Floor, eof: sh.EOF, nextSeq: sh.NextSeq}
			s.tracker = NewTracker(time.Duration(old.tracker.lateness)*time.Millisecond, time.Duration(old.tracker.retention)*time.Millisecond, o.clock)
			s.tracker.load(sh.Tracker)
			fresh[i] = s
			tmp.sides[i] = s
			types := make([]arrow.DataType, 0, sh.Cols+2)
			for _, f := range old.in.Schema().Fields() {
				types = append(types, f.Type)
			}
			types = append(types, arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Boolean)
			rec, err := sr.record(types, sh.Rows)
			if err != nil {
				return err
			}
			recs = append(recs, rec)
			if err := tmp.load(s, rec); err != nil {
				for _, f := range fresh {
					if f != nil {
						f.reset()
					}
				}
				return err
			}
		}
		pend := newJoinPending(o.schema, o.cfg.Alloc)
		if h.Pending > 0 {
			types := make([]arrow.DataType, 0, len(o.schema.Fields())+2)
			for _, f := range o.schema.Fields() {
				types = append(types, f.Type)
			}
			types = append(types, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64)
			rec, err := sr.record(types, h.Pending)
			if err != nil {
				fresh[0].reset()
				fresh[1].reset()
				return err
			}
			recs = append(recs, rec)
			n := len(o.schema.Fields())
			p := &joinPiece{}
			for j := range n {
				c := rec.Column(j)
				c.Retain()
				p.cols = append(p.cols, c)
			}
			p.rt = slices.Clone(arrowTimes(rec.Column(n - 1)))
			p.ls = slices.Clone(rec.Column(n).(*array.Int64).Int64Values())
			p.rs = slices.Clone(rec.Column(n + 1).(*array.Int64).Int64Values())
			pend.add(p)
		}
		if err := sr.done(); err != nil {
			fresh[0].reset()
			fresh[1].reset()
			pend.reset()
			return err
		}
		for i := range o.sides {
			o.sides[i].reset()
		}
		o.pend.reset()
		o.sides, o.keys, o.pend = fresh, keys, pend
		o.wm, o.maxOut, o.lateRows, o.eof = h.WM, h.MaxOut, h.LateRows, h.EOF
		return nil
	})
}

// load holds the rows of rec (the side's input columns, then arrival
// numbers and matched flags) in side s.
func (o *join) load(s *joinSide, rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	nc := len(s.in.Schema().Fields())
	cols := make([]arrow.Array, nc)
	for j := range nc {
		cols[j] = rec.Column(j)
	}
	b := array.NewRecordBatch(s.in.Schema(), cols, int64(n))
	defer b.Release()
	seq, ok := rec.Column(nc).(*array.Int64)
	matched, ok2 := rec.Column(nc + 1).(*array.Boolean)
	if !ok || !ok2 {
		return fmt.Errorf("%w: held rows without arrival numbers", ErrSnapshot)
	}
	keyArrs := make([]arrow.Array, len(s.keys))
	defer release(keyArrs)
	for i, k := range s.keys {
		a, err := k.Eval(o.ec, b)
		if err != nil {
			return fmt.Errorf("%w: key: %v", ErrSnapshot, err)
		}
		keyArrs[i] = a
	}
	ids, err := o.keys.Groups(keyArrs, n, nil, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	ts := arrowTimes(b.Column(s.timeIdx))
	chunk := s.addChunk(b)
	for i := range n {
		key := int32(ids[i])
		for _, a := range keyArrs {
			if a.IsNull(i) {
				key = -1
				break
			}
		}
		slot := s.hold(chunk, int32(i), ts[i], key, seq.Value(i))
		s.matched[slot] = matched.Value(i)
	}
	return nil
}
