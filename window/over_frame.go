package window

import (
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// overState computes one OverSpec. Each partition key has a deque of the
// emitted on-time rows its future frames can still reach, in (event time,
// arrival) order; each emitted row folds its frame, a slice of that deque,
// with an exec.Accumulator (slot = output row).
type overState struct {
	idx     int // index of the spec (and of its columns in a chunk)
	spec    OverSpec
	fn      string // accumulator function
	argType arrow.DataType
	rng     int64 // RANGE in ms
	parts   *exec.GroupTable
	deques  [][]overEntry
	pend    []int32 // waiting rows per partition id: such ids are never dropped
	nrows   int     // entries over all deques

	// incr: COUNT and SUM of BIGINT are computed from running sums kept
	// beside each deque (cums[pid][i] for deques[pid][i]), in O(log frame)
	// per row instead of folding the frame.
	incr bool
	cums [][]overCum

	ids  []uint32
	lane overLane // the operator goroutine's lane
}

// overLane is what one goroutine folding a spec's frames keeps to itself:
// scratch, and, when deferred (a worker of NewParallelOver), the
// bookkeeping the operator's goroutine applies once the workers are done
// (see apply).
type overLane struct {
	rows  []int32
	slots []uint32

	deferred bool
	nrows    int     // change to the spec's frame rows
	refs     []int64 // chunks that gained a frame row
	unrefs   []int64 // chunks that lost one
}

// unref records that a frame of s let go of a row of chunk id.
func (l *overLane) unref(d *overData, s *overState, id int64) {
	if l.deferred {
		l.unrefs = append(l.unrefs, id)
		return
	}
	d.unref(id, s.idx)
}

// addRows changes s's frame row count by n.
func (l *overLane) addRows(s *overState, n int) {
	if l.deferred {
		l.nrows += n
		return
	}
	s.nrows += n
}

func newOverState(sp OverSpec) (*overState, error) {
	var keyTypes []arrow.DataType
	for _, p := range sp.Partition {
		keyTypes = append(keyTypes, p.DataType())
	}
	t, err := exec.NewGroupTable(keyTypes)
	if err != nil {
		return nil, fmt.Errorf("window: over: %w", err)
	}
	var argType arrow.DataType
	if sp.Arg != nil {
		argType = sp.Arg.DataType()
	}
	incr := sp.Func == exec.AggCount || (sp.Func == exec.AggSum && argType.ID() == arrow.INT64)
	return &overState{spec: sp, fn: overAccFunc(sp.Func), argType: argType, rng: ms(sp.Range), parts: t, incr: incr}, nil
}

// overCum is the running sum before a frame row (pre: of the argument,
// preN: of the rows counted) and the row's own contribution. Sums wrap
// like int64 arithmetic; differences are exact when the frame's sum fits.
type overCum struct {
	pre, preN int64
	v, n      int64
}

// own returns what the row e adds to the running sums.
func (s *overState) own(d *overData, e overEntry) (v, n int64) {
	arg := d.chunks[e.chunk].args[s.idx]
	if arg == nil {
		return 0, 1
	}
	if arg.IsNull(int(e.row)) {
		return 0, 0
	}
	if a, ok := arg.(*array.Int64); ok {
		return a.Value(int(e.row)), 1
	}
	return 0, 1
}

// recum recomputes partition pid's running sums.
func (s *overState) recum(d *overData, pid uint32) {
	dq := s.deques[pid]
	cs := s.cums[pid][:0]
	var pre, preN int64
	for _, e := range dq {
		v, n := s.own(d, e)
		cs = append(cs, overCum{pre: pre, preN: preN, v: v, n: n})
		pre, preN = pre+v, preN+n
	}
	s.cums[pid] = cs
}

// grow sizes the per-partition slices to the partition table.
func (s *overState) grow() {
	if n := s.parts.Cap(); len(s.deques) < n {
		s.deques = append(s.deques, make([][]overEntry, n-len(s.deques))...)
		s.pend = append(s.pend, make([]int32, n-len(s.pend))...)
		if s.incr {
			s.cums = append(s.cums, make([][]overCum, n-len(s.cums))...)
		}
	}
}

// emit adds the rows out (in (event time, arrival) order, all at or below
// the emission watermark) to their partitions' deques and returns the
// spec's column for them, which the caller releases. Rows of equal event
// time enter together, so a RANGE frame holds all its peers.
func (s *overState) emit(d *overData, out []overEntry, floor int64, mem memory.Allocator) (arrow.Array, error) {
	acc, err := exec.NewAccumulator(s.fn, s.argType, false, s.spec.IgnoreNulls)
	if err != nil {
		return nil, err
	}
	acc.Grow(len(out))
	var vals []int64
	var valid []bool
	if s.incr {
		vals, valid = make([]int64, len(out)), make([]bool, len(out))
	}
	var avgs []float64
	expAvg := s.spec.Func == FuncExpAvg
	if expAvg {
		avgs, valid = make([]float64, len(out)), make([]bool, len(out))
	}
	for i := 0; i < len(out); {
		j := i + 1
		for j < len(out) && out[j].ts == out[i].ts {
			j++
		}
		for _, e := range out[i:j] {
			c := d.chunks[e.chunk]
			pid := c.pids[s.idx][e.row]
			s.pend[pid]--
			s.insert(d, &s.lane, pid, e, floor)
			c.refs[s.idx]++
		}
		for k := i; k < j; k++ {
			if s.incr {
				vals[k], valid[k] = s.sum(d, out[k])
				continue
			}
			if expAvg {
				avgs[k], valid[k] = s.expAvg(d, out[k])
				continue
			}
			if err := s.frame(d, &s.lane, acc, out[k], uint32(k)); err != nil {
				return nil, err
			}
		}
		i = j
	}
	if s.incr {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		return b.NewArray(), nil
	}
	if expAvg {
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(avgs, valid)
		return b.NewArray(), nil
	}
	ids := make([]uint32, len(out))
	for i := range ids {
		ids[i] = uint32(i)
	}
	return acc.Build(mem, ids)
}

// insert adds e to partition pid's deque, first dropping the rows no
// frame can reach any more: rows still to come are at or after e (this
// Next) or after floor (later ones).
func (s *overState) insert(d *overData, l *overLane, pid uint32, e overEntry, floor int64) {
	s.trim(d, l, pid, min(e.ts, floor))
	dq := s.deques[pid]
	if n := len(dq); n == 0 || !e.before(dq[n-1]) {
		dq = append(dq, e)
		if s.incr {
			s.deques[pid] = dq
			v, cnt := s.own(d, e)
			c := overCum{v: v, n: cnt}
			if cs := s.cums[pid]; len(cs) > 0 {
				last := cs[len(cs)-1]
				c.pre, c.preN = last.pre+last.v, last.preN+last.n
			}
			s.cums[pid] = append(s.cums[pid], c)
		}
	} else {
		at := sort.Search(n, func(i int) bool { return e.before(dq[i]) })
		dq = append(dq, overEntry{})
		copy(dq[at+1:], dq[at:])
		dq[at] = e
		s.deques[pid] = dq
		if s.incr {
			s.recum(d, pid)
		}
	}
	s.deques[pid] = dq
	l.addRows(s, 1)
}

// trim drops from partition pid's deque the rows that no frame of a row at
// or after event time b can reach.
func (s *overState) trim(d *overData, l *overLane, pid uint32, b int64) {
	dq := s.deques[pid]
	if len(dq) == 0 {
		return
	}
	var drop int
	if s.spec.Rows {
		// Keep the last Preceding rows before b.
		drop = lowerTs(dq, b) - s.spec.Preceding
	} else {
		drop = lowerTs(dq, satSub(b, s.rng))
	}
	if drop <= 0 {
		return
	}
	for _, x := range dq[:drop] {
		l.unref(d, s, x.chunk)
	}
	l.addRows(s, -drop)
	if drop == len(dq) {
		s.deques[pid] = dq[:0]
	} else {
		s.deques[pid] = dq[drop:]
	}
	if s.incr {
		if cs := s.cums[pid]; drop == len(cs) {
			s.cums[pid] = cs[:0]
		} else {
			s.cums[pid] = cs[drop:]
		}
	}
}

// lowerTs returns the index of the first row of dq at or after t.
func lowerTs(dq []overEntry, t int64) int {
	// Usually few rows leave at a time: scan a little before searching.
	for i := range min(len(dq), 8) {
		if dq[i].ts >= t {
			return i
		}
	}
	return sort.Search(len(dq), func(i int) bool { return dq[i].ts >= t })
}

// sum returns COUNT or SUM over e's frame from the running sums.
func (s *overState) sum(d *overData, e overEntry) (int64, bool) {
	pid := d.chunks[e.chunk].pids[s.idx][e.row]
	_, start, end := s.bounds(s.deques[pid], e)
	cs := s.cums[pid]
	first, last := cs[start], cs[end-1]
	n := last.preN + last.n - first.preN
	if s.spec.Func == exec.AggCount {
		return n, true
	}
	return last.pre + last.v - first.pre, n > 0
}

// bounds returns e's position p in dq and its frame dq[start:end].
func (s *overState) bounds(dq []overEntry, e overEntry) (p, start, end int) {
	// p: e's position (near the end, usually).
	p = len(dq) - 1
	for p >= 0 && dq[p] != e {
		if dq[p].before(e) {
			p = -1
			break
		}
		p--
	}
	if p < 0 {
		p = sort.Search(len(dq), func(i int) bool { return !dq[i].before(e) })
	}
	if s.spec.Rows {
		return p, max(0, p-s.spec.Preceding), p + 1
	}
	start = lowerTs(dq, satSub(e.ts, s.rng))
	end = p + 1
	for end < len(dq) && dq[end].ts == e.ts {
		end++
	}
	return p, start, end
}

// frame folds the frame of e into slot.
func (s *overState) frame(d *overData, l *overLane, acc exec.Accumulator, e overEntry, slot uint32) error {
	c := d.chunks[e.chunk]
	dq := s.deques[c.pids[s.idx][e.row]]
	p, start, end := s.bounds(dq, e)
	switch s.spec.Func {
	case FuncLag:
		k := p - s.spec.N
		if s.spec.IgnoreNulls {
			k = s.nonNull(d, dq, p-1, start, -1, s.spec.N)
		}
		if k >= start {
			return s.fold(d, l, acc, dq[k:k+1], slot)
		}
		if def := c.defaults[s.idx]; def != nil {
			l.rows = append(l.rows[:0], e.row)
			l.slots = append(l.slots[:0], slot)
			return acc.Update(def, l.rows, l.slots)
		}
		return nil
	case FuncNthValue:
		k := start + s.spec.N - 1
		if s.spec.IgnoreNulls {
			k = s.nonNull(d, dq, start, end-1, 1, s.spec.N)
		}
		if k >= start && k < end {
			return s.fold(d, l, acc, dq[k:k+1], slot)
		}
		return nil
	}
	return s.fold(d, l, acc, dq[start:end], slot)
}

// nonNull returns the index of the nth row of dq, counting from `from`
// towards `to` (both included) by step ±1, whose argument is not NULL; -1
// when there are fewer.
func (s *overState) nonNull(d *overData, dq []overEntry, from, to, step, n int) int {
	for k := from; (step > 0 && k <= to) || (step < 0 && k >= to); k += step {
		if arg := d.chunks[dq[k].chunk].args[s.idx]; arg != nil && arg.IsNull(int(dq[k].row)) {
			continue
		}
		if n--; n == 0 {
			return k
		}
	}
	return -1
}

// expAvg returns EXP_AVG over e's frame: its non-NULL values weighted by
// 2^(−age/half-life), age being how much older than e the row is.
func (s *overState) expAvg(d *overData, e overEntry) (float64, bool) {
	dq := s.deques[d.chunks[e.chunk].pids[s.idx][e.row]]
	_, start, end := s.bounds(dq, e)
	half := float64(ms(s.spec.HalfLife))
	var num, den float64
	for _, x := range dq[start:end] {
		a := d.chunks[x.chunk].args[s.idx].(*array.Float64)
		if a.IsNull(int(x.row)) {
			continue
		}
		w := math.Exp2(-float64(e.ts-x.ts) / half)
		num += w * a.Value(int(x.row))
		den += w
	}
	if den == 0 {
		return 0, false
	}
	return num / den, true
}

// fold folds the frame rows into slot, a run of rows of one chunk at a
// time.
func (s *overState) fold(d *overData, l *overLane, acc exec.Accumulator, frame []overEntry, slot uint32) error {
	for len(frame) > 0 {
		id := frame[0].chunk
		l.rows, l.slots = l.rows[:0], l.slots[:0]
		j := 0
		for j < len(frame) && frame[j].chunk == id {
			l.rows = append(l.rows, frame[j].row)
			l.slots = append(l.slots, slot)
			j++
		}
		if err := acc.Update(d.chunks[id].args[s.idx], l.rows, l.slots); err != nil {
			return fmt.Errorf("window: over %s: %w", s.spec.Name, err)
		}
		frame = frame[j:]
	}
	return nil
}

// sweep trims every partition to what rows after floor can reach, and
// drops the RANGE partitions left empty with no waiting row, once the floor
// has moved on by the largest range (at least a second) since the last
// sweep.
func (d *overData) sweep(floor int64) {
	if floor == math.MinInt64 || (d.swept != math.MinInt64 && floor-d.swept < max(d.maxRng, 1000)) {
		return
	}
	d.swept = floor
	var gone []uint32
	for _, st := range d.states {
		gone = gone[:0]
		for pid := range st.deques {
			st.trim(d, &st.lane, uint32(pid), floor)
			if !st.spec.Rows && len(st.deques[pid]) == 0 && st.pend[pid] == 0 {
				st.deques[pid] = nil
				if st.incr {
					st.cums[pid] = nil
				}
				gone = append(gone, uint32(pid))
			}
		}
		st.parts.Delete(gone)
	}
}

// dropFrames empties every partition.
func (d *overData) dropFrames() {
	for _, st := range d.states {
		for pid, dq := range st.deques {
			for _, x := range dq {
				d.unref(x.chunk, st.idx)
			}
			st.deques[pid] = nil
			if st.incr {
				st.cums[pid] = nil
			}
		}
		st.nrows = 0
	}
}
