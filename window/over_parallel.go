package window

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// OverParallelizable reports whether NewParallelOver folds the frames of
// cfg on several workers: some spec must have PARTITION BY (the
// partitions are dealt out) and fold its frames row by row (COUNT and
// SUM of BIGINT are running sums, too cheap to spread).
func OverParallelizable(cfg OverConfig) bool {
	for _, sp := range cfg.Specs {
		if len(sp.Partition) == 0 {
			continue
		}
		sp.Func = upperASCII(sp.Func)
		if sp.Func == exec.AggCount {
			continue
		}
		if sp.Func == exec.AggSum && sp.Arg != nil && sp.Arg.DataType().ID() == arrow.INT64 {
			continue
		}
		return true
	}
	return false
}

// overPaysFrom is the fewest workers at which NewParallelOver is expected
// to run faster than NewOver: the workers fold the frames (about two thirds
// of the work with MAX over 10-row frames), the rest stays on the
// operator's goroutine and the split costs about a tenth more CPU per
// event. Measured on the shared 2-core machine (BenchmarkParallelOver), 2
// workers were not faster; 4 is an estimate, not measured.
const overPaysFrom = 4

// ParallelOverPaysFrom returns the fewest workers at which NewParallelOver
// is expected to pay for an OVER of cfg (which must be
// OverParallelizable).
func ParallelOverPaysFrom(cfg OverConfig) int { return overPaysFrom }

// upperASCII upper-cases an ASCII function name.
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// NewParallelOver returns the sliding-window operator of NewOver with the
// frames of each spec's partitions folded on workers goroutines, each
// owning the partitions whose ids it is dealt (id modulo workers). When
// workers ≤ 1 or cfg is not OverParallelizable it is NewOver.
//
// Everything else stays on the operator's goroutine: event time (the same
// rows are late, the watermarks are the same), buffering, the order rows
// are released in and the state. Each worker folds, for the rows a Next
// releases, the frames of its own partitions only, and its results go to
// the rows' places: the output is NewOver's, row for row and in the same
// order (ascending event time, then arrival), at any number of workers.
// Snapshots are NewOver's and restore at any number of workers.
func NewParallelOver(input exec.Operator, cfg OverConfig, workers int) (exec.Operator, error) {
	op, err := NewOver(input, cfg)
	if err != nil || workers <= 1 || !OverParallelizable(cfg) {
		return op, err
	}
	o := op.(*over)
	o.pool = newOverPool(min(workers, MaxWorkers))
	return o, nil
}

// overPool is the workers of a parallel OVER: goroutines 1… wait for
// tasks; task 0 of each round runs on the operator's goroutine.
type overPool struct {
	n     int
	tasks chan func()
	wg    sync.WaitGroup // tasks of the current round
	done  sync.WaitGroup // the goroutines
	lanes []overLane     // per worker, reused
}

func newOverPool(n int) *overPool {
	p := &overPool{n: n, tasks: make(chan func(), n), lanes: make([]overLane, n)}
	for i := range p.lanes {
		p.lanes[i].deferred = true
	}
	p.done.Add(n - 1)
	for range n - 1 {
		go func() {
			defer p.done.Done()
			for f := range p.tasks {
				f()
				p.wg.Done()
			}
		}()
	}
	return p
}

// run runs f(0) … f(n-1), f(0) on the caller's goroutine, and waits.
func (p *overPool) run(f func(w int)) {
	p.wg.Add(p.n - 1)
	for w := 1; w < p.n; w++ {
		p.tasks <- func() { f(w) }
	}
	f(0)
	p.wg.Wait()
}

// stop ends the goroutines and waits for them.
func (p *overPool) stop() {
	if p == nil || p.tasks == nil {
		return
	}
	close(p.tasks)
	p.done.Wait()
	p.tasks = nil
}

// emitParallel is emit with the frames folded on the pool's workers: the
// rows out are dealt to the owners of their partitions, each worker runs
// emit's loop over its rows (in order: its partitions see their rows as
// emit would show them), and its results go to the rows' places. The
// bookkeeping shared by partitions (chunk references, the row count) is
// applied after the workers finish.
func (s *overState) emitParallel(d *overData, out []overEntry, floor int64, mem memory.Allocator, p *overPool) (arrow.Array, error) {
	n := p.n
	mine := make([][]int32, n) // global row indexes per worker
	for k, e := range out {
		pid := d.chunks[e.chunk].pids[s.idx][e.row]
		w := int(pid % uint32(n))
		mine[w] = append(mine[w], int32(k))
	}
	// s.parallel(): no running sums.
	var avgs []float64
	var valid []bool
	expAvg := s.spec.Func == FuncExpAvg
	if expAvg {
		avgs, valid = make([]float64, len(out)), make([]bool, len(out))
	}
	folded := !expAvg
	cols := make([]arrow.Array, n)
	errs := make([]error, n)
	p.run(func(w int) {
		l := &p.lanes[w]
		ks := mine[w]
		var acc exec.Accumulator
		if folded {
			a, err := exec.NewAccumulator(s.fn, s.argType, false, s.spec.IgnoreNulls)
			if err != nil {
				errs[w] = err
				return
			}
			a.Grow(len(ks))
			acc = a
		}
		for i := 0; i < len(ks); {
			j := i + 1
			for j < len(ks) && out[ks[j]].ts == out[ks[i]].ts {
				j++
			}
			for _, k := range ks[i:j] {
				e := out[k]
				pid := d.chunks[e.chunk].pids[s.idx][e.row]
				s.pend[pid]--
				s.insert(d, l, pid, e, floor)
				l.refs = append(l.refs, e.chunk)
			}
			for x := i; x < j; x++ {
				k := ks[x]
				if expAvg {
					avgs[k], valid[k] = s.expAvg(d, out[k])
					continue
				}
				if err := s.frame(d, l, acc, out[k], uint32(x)); err != nil {
					errs[w] = err
					return
				}
			}
			i = j
		}
		if folded {
			ids := make([]uint32, len(ks))
			for i := range ids {
				ids[i] = uint32(i)
			}
			cols[w], errs[w] = acc.Build(mem, ids)
		}
	})
	for w := range p.lanes {
		s.apply(d, &p.lanes[w])
	}
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if expAvg {
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(avgs, valid)
		return b.NewArray(), nil
	}
	// Each worker's column holds its rows in its order: put them back.
	order := make([]rowRef, len(out))
	perm := make([]int32, len(out))
	off := int32(0)
	pieces := make([][]arrow.Array, n)
	for w, ks := range mine {
		pieces[w] = []arrow.Array{cols[w]}
		for x, k := range ks {
			order[k] = rowRef{piece: int32(w), row: int32(x)}
			perm[k] = off + int32(x)
		}
		off += int32(len(ks))
	}
	return gatherColumn(mem, pieces, 0, order, perm)
}

// parallel reports whether NewParallelOver folds s's frames on its
// workers: s has partitions and folds its frames row by row.
func (s *overState) parallel() bool {
	return len(s.spec.Partition) > 0 && !s.incr
}

// apply applies and clears the bookkeeping a worker's lane deferred.
func (s *overState) apply(d *overData, l *overLane) {
	s.nrows += l.nrows
	for _, id := range l.refs {
		d.chunks[id].refs[s.idx]++
	}
	for _, id := range l.unrefs {
		d.unref(id, s.idx)
	}
	l.nrows, l.refs, l.unrefs = 0, l.refs[:0], l.unrefs[:0]
}
