package window_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// genJoinRows generates n rows of one join side over three partitions:
// rising event times with disorder, rows far behind (late, usually), NULL
// keys now and then, bursts of one partition (skew), over keys keys.
func genJoinRows(rng *rand.Rand, n, keys int, base int64) []jev {
	out := make([]jev, 0, n)
	var clock [3]int64
	for i := range n {
		o := exec.Origin(rng.IntN(3))
		if rng.IntN(8) == 0 { // a burst of one partition
			o = 2
		}
		clock[o] += int64(rng.IntN(12))
		ts := base + clock[o] + int64(rng.IntN(30)) - 15
		if rng.IntN(25) == 0 {
			ts -= 120 + int64(rng.IntN(60))
		}
		k := "k" + strconv.Itoa(rng.IntN(keys))
		if rng.IntN(25) == 0 {
			k = ""
		}
		out = append(out, jev{origin: o, k: k, v: int64(i), ts: ts})
	}
	return out
}

// joinBatchesVaried cuts rows into single-partition batches of random
// sizes up to size (mostly small), each reporting the three partitions
// live, some of them with backlog (which holds the watermark back).
func joinBatchesVaried(rng *rand.Rand, rows []jev, size int) []pbatch {
	var out []pbatch
	parts := []exec.Partition{live(0), live(1), live(2)}
	for i := 0; i < len(rows); {
		n := 1 + rng.IntN(size>>rng.IntN(4)+1)
		j := i
		for j < len(rows) && rows[j].origin == rows[i].origin && j-i < n {
			j++
		}
		var rs []string
		for _, r := range rows[i:j] {
			k := "null"
			if r.k != "" {
				k = strconv.Quote(r.k)
			}
			rs = append(rs, fmt.Sprintf(`{"k":%s,"v":%d,"ROWTIME":%d}`, k, r.v, r.ts))
		}
		for p := range parts {
			if rng.IntN(6) == 0 {
				parts[p].Backlog = !parts[p].Backlog
			}
		}
		if j == len(rows) {
			for p := range parts {
				parts[p].Backlog = false
			}
		}
		out = append(out, pbatch{origin: rows[i].origin, rows: "[" + strings.Join(rs, ",") + "]", parts: slices.Clone(parts)})
		i = j
	}
	return out
}

// sumNotMultiple is the residual (lv + rv) % m <> 0 over the join's output
// columns lv and rv; NULL when either is NULL.
type sumNotMultiple struct {
	lv, rv int
	m      int64
}

func (e sumNotMultiple) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (e sumNotMultiple) String() string           { return fmt.Sprintf("(lv + rv) %% %d <> 0", e.m) }
func (e sumNotMultiple) Eval(ec *exec.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	l, r := b.Column(e.lv).(*array.Int64), b.Column(e.rv).(*array.Int64)
	bb := array.NewBooleanBuilder(ec.Alloc)
	defer bb.Release()
	for i := range int(b.NumRows()) {
		if l.IsNull(i) || r.IsNull(i) {
			bb.AppendNull()
			continue
		}
		bb.Append((l.Value(i)+r.Value(i))%e.m != 0)
	}
	return bb.NewArray(), nil
}

// refJoinWhere is the reference join (plain loops over the on-time rows of
// both sides) with a residual: a pair matches only when keep says so.
// Rows are "lk|lv|rk|rv|rowtime", sorted.
func refJoinWhere(kind window.JoinKind, lower, upper int64, left, right []jev, keep func(l, r *jev) bool) []string {
	str := func(r *jev) string {
		if r == nil {
			return "null|null"
		}
		if r.k == "" {
			return fmt.Sprintf("null|%d", r.v)
		}
		return fmt.Sprintf("%s|%d", r.k, r.v)
	}
	var out []string
	lm := make([]bool, len(left))
	rm := make([]bool, len(right))
	for i := range left {
		for j := range right {
			l, r := &left[i], &right[j]
			if l.k == "" || l.k != r.k || l.ts-r.ts < lower || l.ts-r.ts > upper || !keep(l, r) {
				continue
			}
			lm[i], rm[j] = true, true
			out = append(out, fmt.Sprintf("%s|%s|%d", str(l), str(r), max(l.ts, r.ts)))
		}
	}
	if kind == window.JoinLeft || kind == window.JoinFull {
		for i := range left {
			if !lm[i] {
				out = append(out, fmt.Sprintf("%s|%s|%d", str(&left[i]), str(nil), max(left[i].ts, left[i].ts-lower)))
			}
		}
	}
	if kind == window.JoinRight || kind == window.JoinFull {
		for j := range right {
			if !rm[j] {
				out = append(out, fmt.Sprintf("%s|%s|%d", str(nil), str(&right[j]), max(right[j].ts, right[j].ts+upper)))
			}
		}
	}
	slices.Sort(out)
	return out
}

// joinRun is what a join emitted: its rows in output order, its late rows
// and the late rows reported.
type joinRun struct {
	rows     []string
	late     int64
	reported int
	end      error
}

// runJoinAt runs a join of the batches at workers (0: NewJoin), restoring
// snap first when not nil, to its end (the sources end with end: io.EOF
// when nil). It returns the run and a snapshot taken after Close.
func runJoinAt(t *testing.T, mem memory.Allocator, left, right []pbatch, end error, cfg window.JoinConfig, workers int, snap []byte) (joinRun, []byte) {
	t.Helper()
	var e errs
	cfg.Errors, cfg.Alloc = &e, mem
	cfg.LeftKeys, cfg.RightKeys = []exec.Expr{kCol()}, []exec.Expr{kCol()}
	l := &partSource{mem: mem, batches: left, end: end}
	r := &partSource{mem: mem, batches: right, end: end}
	var op exec.Operator
	var err error
	if workers == 0 {
		op, err = window.NewJoin(l, r, cfg)
	} else {
		op, err = window.NewParallelJoinN(l, r, cfg, workers)
	}
	if err != nil {
		t.Fatal(err)
	}
	if snap != nil {
		if err := op.(exec.Snapshotter).Restore(bytes.NewReader(snap)); err != nil {
			t.Fatalf("restore at %d workers: %v", workers, err)
		}
	}
	var run joinRun
	run.rows, run.end = runJoin(t, op)
	run.late = op.(window.LateCounter).LateRows()
	run.reported = len(e.recs)
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := op.(exec.Snapshotter).Snapshot(&out); err != nil {
		t.Fatalf("snapshot at %d workers: %v", workers, err)
	}
	if sb := op.(exec.StateSizer).StateBytes(); sb != 0 {
		t.Fatalf("%d workers: %d state bytes after Close", workers, sb)
	}
	return run, out.Bytes()
}

var joinKinds = []window.JoinKind{window.JoinInner, window.JoinLeft, window.JoinRight, window.JoinFull}

// The parallel join emits the rows of the reference and, in the same
// order, those of the one-core join, whatever the number of workers, the
// batch sizes and the input.
func TestParallelJoinMatchesOneCore(t *testing.T) {
	t.Parallel()
	bounds := [][2]time.Duration{{-50 * time.Millisecond, 0}, {0, 30 * time.Millisecond}, {-40 * time.Millisecond, 25 * time.Millisecond}, {0, 0}}
	for _, kind := range joinKinds {
		for seed := range uint64(4) {
			t.Run(fmt.Sprintf("%s/seed=%d", kind, seed), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(seed, 100+uint64(kind)))
				keys := []int{5, 12, 40}[rng.IntN(3)]
				left := genJoinRows(rng, 300, keys, 1000)
				right := genJoinRows(rng, 300, keys, 1000)
				bd := bounds[seed]
				lateness := time.Duration(rng.IntN(2)*20) * time.Millisecond
				cfg := window.JoinConfig{Kind: kind, Lower: bd[0], Upper: bd[1], LeftLateness: lateness, RightLateness: lateness}
				keep := func(l, r *jev) bool { return true }
				if seed%2 == 1 {
					cfg.Residual = sumNotMultiple{lv: 1, rv: 3, m: 3}
					keep = func(l, r *jev) bool { return (l.v+r.v)%3 != 0 }
				}
				late := ms(lateness)
				lOn, rOn := onTime(left, late), onTime(right, late)
				want := refJoinWhere(kind, ms(bd[0]), ms(bd[1]), lOn, rOn, keep)
				wantLate := int64(len(left) + len(right) - len(lOn) - len(rOn))
				if len(want) == 0 || wantLate == 0 {
					t.Fatalf("the reference has %d rows and %d late: the generator is broken", len(want), wantLate)
				}
				for _, size := range []int{1, 9, 200} {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					brng := rand.New(rand.NewPCG(seed, uint64(size)))
					lb, rb := joinBatchesVaried(brng, left, size), joinBatchesVaried(brng, right, size)
					one, _ := runJoinAt(t, mem, lb, rb, nil, cfg, 0, nil)
					checkAscending(t, one.rows)
					got := slices.Sorted(slices.Values(one.rows))
					if !slices.Equal(got, want) {
						t.Fatalf("one core, batches up to %d: %d rows, reference %d\n%s", size, len(got), len(want), diffRows(got, want))
					}
					if one.late != wantLate || one.reported != int(wantLate) {
						t.Fatalf("one core: %d late rows (%d reported), want %d", one.late, one.reported, wantLate)
					}
					for _, workers := range []int{1, 2, 8} {
						par, _ := runJoinAt(t, mem, lb, rb, nil, cfg, workers, nil)
						checkAscending(t, par.rows)
						if !slices.Equal(par.rows, one.rows) {
							sorted := slices.Sorted(slices.Values(par.rows))
							t.Fatalf("%d workers, batches up to %d: %d rows, one core %d (same multiset: %v)\n%s",
								workers, size, len(par.rows), len(one.rows), slices.Equal(sorted, want), diffRows(sorted, want))
						}
						if par.late != one.late || par.reported != one.reported {
							t.Fatalf("%d workers: %d late rows (%d reported), one core %d (%d)", workers, par.late, par.reported, one.late, one.reported)
						}
					}
					mem.AssertSize(t, 0)
				}
			})
		}
	}
}

// A snapshot taken mid-stream at one number of workers (0: the one-core
// join) restores at another: the rows of both runs are, in order, those of
// one uninterrupted run.
func TestParallelJoinSnapshotAcrossWorkers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		from, to int
	}{
		{name: "2 to one-core", from: 2, to: 0},
		{name: "one-core to 2", from: 0, to: 2},
		{name: "2 to 8", from: 2, to: 8},
		{name: "8 to 1", from: 8, to: 1},
	} {
		for _, kind := range joinKinds {
			t.Run(fmt.Sprintf("%s/%s", tc.name, kind), func(t *testing.T) {
				t.Parallel()
				for seed := range uint64(3) {
					rng := rand.New(rand.NewPCG(seed, 7+uint64(kind)))
					left := joinBatchesVaried(rng, genJoinRows(rng, 400, 10, 0), 20)
					right := joinBatchesVaried(rng, genJoinRows(rng, 400, 10, 0), 20)
					cfg := window.JoinConfig{Kind: kind, Lower: -40 * time.Millisecond, Upper: 10 * time.Millisecond,
						LeftLateness: 5 * time.Millisecond, RightLateness: 5 * time.Millisecond,
						Residual: sumNotMultiple{lv: 1, rv: 3, m: 4}}
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					want, _ := runJoinAt(t, mem, left, right, nil, cfg, 0, nil)
					lh, rh := len(left)/2, len(right)/3
					first, snap := runJoinAt(t, mem, left[:lh], right[:rh], exec.ErrStopped, cfg, tc.from, nil)
					if !errors.Is(first.end, exec.ErrStopped) {
						t.Fatalf("first run ended with %v, want ErrStopped", first.end)
					}
					if len(first.rows) == 0 {
						t.Fatal("the first run emitted nothing: the cut proves little")
					}
					second, _ := runJoinAt(t, mem, left[lh:], right[rh:], nil, cfg, tc.to, snap)
					got := append(first.rows, second.rows...)
					if !slices.Equal(got, want.rows) {
						gs, ws := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want.rows))
						t.Fatalf("seed %d: with a restart %d rows, without %d (same multiset: %v)\n%s", seed, len(got), len(want.rows), slices.Equal(gs, ws), diffRows(gs, ws))
					}
					if second.late != want.late {
						t.Fatalf("seed %d: %d late rows after the restart, want %d", seed, second.late, want.late)
					}
					mem.AssertSize(t, 0)
				}
			})
		}
	}
}

// A join without equi-join keys is refused on several workers and runs on
// one goroutine at one.
func TestParallelJoinNeedsKeys(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cfg := window.JoinConfig{Kind: window.JoinInner, Upper: time.Second, Alloc: mem}
	if window.JoinParallelizable(cfg) {
		t.Fatal("a join without keys is parallelizable")
	}
	l, r := &partSource{mem: mem}, &partSource{mem: mem}
	if _, err := window.NewParallelJoin(l, r, cfg, 4); !errors.Is(err, window.ErrJoinNotPartitionable) {
		t.Fatalf("4 workers without keys: %v, want ErrJoinNotPartitionable", err)
	}
	op, err := window.NewParallelJoin(l, r, cfg, 1)
	if err != nil {
		t.Fatalf("1 worker without keys: %v", err)
	}
	op.Close()
	cfg.LeftKeys, cfg.RightKeys = []exec.Expr{kCol()}, []exec.Expr{kCol()}
	if !window.JoinParallelizable(cfg) {
		t.Fatal("a join with keys is not parallelizable")
	}
}
