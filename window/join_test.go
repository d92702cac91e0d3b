package window_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// jev is one generated input row of a join test.
type jev struct {
	origin exec.Origin
	k      string // "" is NULL
	v, ts  int64
}

// genJoinSide generates n rows over two partitions: rising event times
// with disorder, a few rows far behind (late), NULL keys now and then, and
// bursts of one partition (skew).
func genJoinSide(rng *rand.Rand, n int, base int64) []jev {
	out := make([]jev, 0, n)
	var clock [2]int64
	for i := range n {
		o := exec.Origin(rng.IntN(2))
		if rng.IntN(10) == 0 { // a burst of one partition
			o = 1
		}
		clock[o] += int64(rng.IntN(15))
		ts := base + clock[o] + int64(rng.IntN(40)) - 20
		if rng.IntN(25) == 0 {
			ts -= 150 // late, usually
		}
		k := string(rune('a' + rng.IntN(5)))
		if rng.IntN(20) == 0 {
			k = ""
		}
		out = append(out, jev{origin: o, k: k, v: int64(i), ts: ts})
	}
	return out
}

// joinBatches cuts rows into single-partition batches of at most size rows
// (size ≤ 0: runs of one partition), each reporting both partitions live.
func joinBatches(rows []jev, size int) []pbatch {
	var out []pbatch
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].origin == rows[i].origin && (size <= 0 || j-i < size) {
			j++
		}
		var parts []string
		for _, r := range rows[i:j] {
			k := "null"
			if r.k != "" {
				k = strconv.Quote(r.k)
			}
			parts = append(parts, fmt.Sprintf(`{"k":%s,"v":%d,"ROWTIME":%d}`, k, r.v, r.ts))
		}
		out = append(out, pbatch{origin: rows[i].origin, rows: "[" + strings.Join(parts, ",") + "]",
			parts: []exec.Partition{live(0), live(1)}})
		i = j
	}
	return out
}

// onTime returns the rows that are not late: a row is late when its event
// time is at or below the largest event time of its partition before it,
// minus lateness, minus 1 ms.
func onTime(rows []jev, lateness int64) []jev {
	var out []jev
	maxes := map[exec.Origin]int64{}
	for _, r := range rows {
		if m, ok := maxes[r.origin]; ok && r.ts <= m-lateness-1 {
			continue
		}
		if m, ok := maxes[r.origin]; !ok || r.ts > m {
			maxes[r.origin] = r.ts
		}
		out = append(out, r)
	}
	return out
}

// refJoin is the reference: plain loops over the on-time rows of both
// sides. Rows are "lk|lv|rk|rv|rowtime".
func refJoin(kind window.JoinKind, lower, upper int64, left, right []jev) []string {
	str := func(r *jev) string {
		if r == nil {
			return "null|null"
		}
		k := r.k
		if k == "" {
			k = "null"
		}
		return fmt.Sprintf("%s|%d", k, r.v)
	}
	var out []string
	lm := make([]bool, len(left))
	rm := make([]bool, len(right))
	for i := range left {
		for j := range right {
			l, r := &left[i], &right[j]
			if l.k == "" || l.k != r.k || l.ts-r.ts < lower || l.ts-r.ts > upper {
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

func kCol() exec.Expr { return col{idx: 0, dt: arrow.BinaryTypes.String, name: "k"} }

func newTestJoin(t *testing.T, mem memory.Allocator, l, r exec.Operator, kind window.JoinKind, lower, upper, lateness time.Duration, e exec.ErrorSink) exec.Operator {
	t.Helper()
	op, err := window.NewJoin(l, r, window.JoinConfig{
		Kind: kind, LeftKeys: []exec.Expr{kCol()}, RightKeys: []exec.Expr{kCol()},
		Lower: lower, Upper: upper, LeftLateness: lateness, RightLateness: lateness,
		Errors: e, Alloc: mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// runJoin reads op until it ends and returns its rows in output order and
// the error that ended it (io.EOF or exec.ErrStopped).
func runJoin(t *testing.T, op exec.Operator) ([]string, error) {
	t.Helper()
	var out []string
	for {
		b, err := op.Next(context.Background())
		if errors.Is(err, io.EOF) || errors.Is(err, exec.ErrStopped) {
			return out, err
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, rowStrings(b)...)
		b.Release()
	}
}

// rowtimeOf returns the last field of a row string.
func checkAscending(t *testing.T, rows []string) {
	t.Helper()
	for i := 1; i < len(rows); i++ {
		if rowtimeOf(t, rows[i]) < rowtimeOf(t, rows[i-1]) {
			t.Fatalf("ROWTIME goes back at row %d: %s after %s", i, rows[i], rows[i-1])
		}
	}
}

func TestJoinAgainstReference(t *testing.T) {
	t.Parallel()
	kinds := []window.JoinKind{window.JoinInner, window.JoinLeft, window.JoinRight, window.JoinFull}
	bounds := []struct {
		name         string
		lower, upper time.Duration
	}{
		{"left_window_50ms", -50 * time.Millisecond, 0},
		{"right_window_30ms", 0, 30 * time.Millisecond},
		{"both_windows", -40 * time.Millisecond, 25 * time.Millisecond},
		{"equal_times", 0, 0},
	}
	for _, kind := range kinds {
		for _, bd := range bounds {
			for _, seed := range []uint64{1, 2, 3} {
				for _, lateness := range []time.Duration{0, 20 * time.Millisecond} {
					name := fmt.Sprintf("%s/%s/seed=%d/lateness=%v", kind, bd.name, seed, lateness)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						rng := rand.New(rand.NewPCG(seed, uint64(kind)))
						left := genJoinSide(rng, 300, 1000)
						right := genJoinSide(rng, 300, 1000)
						late := ms(lateness)
						want := refJoin(kind, ms(bd.lower), ms(bd.upper), onTime(left, late), onTime(right, late))
						wantLate := len(left) + len(right) - len(onTime(left, late)) - len(onTime(right, late))
						if len(want) == 0 {
							t.Fatal("the reference has no rows: the generator is broken")
						}
						for _, size := range []int{1, 7, 0} {
							mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
							var e errs
							l := &partSource{mem: mem, batches: joinBatches(left, size)}
							r := &partSource{mem: mem, batches: joinBatches(right, size)}
							op := newTestJoin(t, mem, l, r, kind, bd.lower, bd.upper, lateness, &e)
							got, _ := runJoin(t, op)
							checkAscending(t, got)
							slices.Sort(got)
							if !slices.Equal(got, want) {
								t.Fatalf("batch size %d: %d rows, want %d\n%s", size, len(got), len(want), diffRows(got, want))
							}
							if n := op.(window.LateCounter).LateRows(); n != int64(wantLate) || len(e.recs) != wantLate {
								t.Fatalf("batch size %d: %d late rows (%d reported), want %d", size, n, len(e.recs), wantLate)
							}
							op.Close()
							mem.AssertSize(t, 0)
						}
					})
				}
			}
		}
	}
}

// TestJoinRestart stops both inputs halfway, snapshots the join, restores
// a new one and feeds it the rest: the rows of both runs are those of one
// run without a stop.
func TestJoinRestart(t *testing.T) {
	t.Parallel()
	for _, kind := range []window.JoinKind{window.JoinInner, window.JoinLeft, window.JoinRight, window.JoinFull} {
		for _, size := range []int{1, 7, 0} {
			t.Run(fmt.Sprintf("%s/batch=%d", kind, size), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(7, uint64(size)))
				left := joinBatches(genJoinSide(rng, 200, 0), size)
				right := joinBatches(genJoinSide(rng, 200, 0), size)
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				lower, upper := -40*time.Millisecond, 10*time.Millisecond
				full := newTestJoin(t, mem, &partSource{mem: mem, batches: left}, &partSource{mem: mem, batches: right}, kind, lower, upper, 0, nil)
				want, _ := runJoin(t, full)
				full.Close()

				lh, rh := len(left)/2, len(right)/3
				first := newTestJoin(t, mem, &partSource{mem: mem, batches: left[:lh], end: exec.ErrStopped},
					&partSource{mem: mem, batches: right[:rh], end: exec.ErrStopped}, kind, lower, upper, 0, nil)
				got, end := runJoin(t, first)
				if !errors.Is(end, exec.ErrStopped) {
					t.Fatalf("first run ended with %v, want ErrStopped", end)
				}
				var snap bytes.Buffer
				if err := first.(exec.Snapshotter).Snapshot(&snap); err != nil {
					t.Fatal(err)
				}
				first.Close()
				second := newTestJoin(t, mem, &partSource{mem: mem, batches: left[lh:]}, &partSource{mem: mem, batches: right[rh:]}, kind, lower, upper, 0, nil)
				if err := second.(exec.Snapshotter).Restore(bytes.NewReader(snap.Bytes())); err != nil {
					t.Fatal(err)
				}
				rest, _ := runJoin(t, second)
				second.Close()
				got = append(got, rest...)
				checkAscending(t, got)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("with a restart: %d rows, without: %d\n%s", len(got), len(want), diffRows(got, want))
				}
			})
		}
	}
}

// TestJoinStateBounded checks that held rows are freed as the watermarks
// pass them: a long input never holds more than the rows of the bounds.
func TestJoinStateBounded(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var lrows, rrows []jev
	for i := range 5000 {
		lrows = append(lrows, jev{origin: exec.Origin(i % 2), k: "a", v: int64(i), ts: int64(i * 10)})
		rrows = append(rrows, jev{origin: exec.Origin(i % 2), k: "a", v: int64(i), ts: int64(i*10 + 5)})
	}
	// the sides deliver in lockstep: the test is about freeing, not
	// about how the scheduler interleaves the readers
	var step lockstep
	step.cond = sync.NewCond(&step.mu)
	l := &stepSource{partSource: &partSource{mem: mem, batches: joinBatches(lrows, 10)}, step: &step}
	r := &stepSource{partSource: &partSource{mem: mem, batches: joinBatches(rrows, 10)}, step: &step, right: true}
	op := newTestJoin(t, mem, l, r, window.JoinFull, -100*time.Millisecond, 0, 0, nil)
	defer op.Close()
	maxHeld, maxBytes, n := 0, 0, 0
	for {
		b, err := op.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n += int(b.NumRows())
		b.Release()
		l, r := op.(interface{ HeldRows() (int, int) }).HeldRows()
		maxHeld = max(maxHeld, l+r)
		maxBytes = max(maxBytes, op.(exec.StateSizer).StateBytes())
	}
	// each right row matches the 10 left rows of the 100 ms before it
	// (11 with the one 5 ms before); rows are freed 100 ms behind
	if maxHeld > 200 {
		t.Errorf("held up to %d rows, want at most 200 (state not freed)", maxHeld)
	}
	if maxBytes == 0 || n == 0 {
		t.Errorf("state bytes %d, rows %d: nothing measured", maxBytes, n)
	}
	if b := op.(exec.StateSizer).StateBytes(); b != 0 {
		t.Errorf("%d state bytes after the end, want 0", b)
	}
}

// lockstep makes two sources deliver alternately.
type lockstep struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    [2]int
}

type stepSource struct {
	*partSource
	step  *lockstep
	right bool
}

func (s *stepSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	me, other := 0, 1
	if s.right {
		me, other = 1, 0
	}
	st := s.step
	st.mu.Lock()
	for st.n[me] > st.n[other] && st.n[other] < len(s.batches) {
		st.cond.Wait()
	}
	st.n[me]++
	st.cond.Broadcast()
	st.mu.Unlock()
	return s.partSource.Next(ctx)
}

func diffRows(got, want []string) string {
	var b strings.Builder
	gm := map[string]int{}
	for _, g := range got {
		gm[g]++
	}
	for _, w := range want {
		gm[w]--
	}
	n := 0
	for k, c := range gm {
		if c != 0 && n < 20 {
			fmt.Fprintf(&b, "%+d %s\n", c, k)
			n++
		}
	}
	return b.String()
}

func ms(d time.Duration) int64 { return d.Milliseconds() }
