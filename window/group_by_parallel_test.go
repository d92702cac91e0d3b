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
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// rstep is one input batch of a randSource: its rows, origin, the
// partitions after it and how far the clock moves before it.
type rstep struct {
	origin exec.Origin
	keys   []string // "" is NULL
	vals   []int64
	ts     []int64
	parts  []exec.Partition
	clock  time.Duration
}

// randSource replays rsteps as batches of bidSchema; it ends with end
// (io.EOF when nil).
type randSource struct {
	mem   memory.Allocator
	steps []rstep
	i     int
	end   error
	now   time.Time
}

func (s *randSource) Schema() *arrow.Schema { return bidSchema }
func (s *randSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.i >= len(s.steps) {
		if s.end != nil {
			return nil, s.end
		}
		return nil, io.EOF
	}
	st := &s.steps[s.i]
	s.i++
	s.now = s.now.Add(st.clock)
	kb := array.NewStringBuilder(s.mem)
	vb := array.NewInt64Builder(s.mem)
	tb := array.NewTimestampBuilder(s.mem, exec.TimestampType.(*arrow.TimestampType))
	defer kb.Release()
	defer vb.Release()
	defer tb.Release()
	for i, k := range st.keys {
		if k == "" {
			kb.AppendNull()
		} else {
			kb.Append(k)
		}
		if st.vals[i] < 0 {
			vb.AppendNull()
		} else {
			vb.Append(st.vals[i])
		}
		tb.Append(arrow.Timestamp(st.ts[i]))
	}
	k, v, t := kb.NewArray(), vb.NewArray(), tb.NewArray()
	defer k.Release()
	defer v.Release()
	defer t.Release()
	return array.NewRecordBatch(bidSchema, []arrow.Array{k, v, t}, int64(len(st.keys))), nil
}
func (s *randSource) Close() error                 { return nil }
func (s *randSource) Origin() exec.Origin          { return s.steps[s.i-1].origin }
func (s *randSource) Partitions() []exec.Partition { return s.steps[s.i-1].parts }
func (s *randSource) clock() time.Time             { return s.now }

// hostileSteps generates seeded hostile input: up to three origins with
// their own disorder, late rows, NULL keys and values, empty batches,
// backlog and idle partitions, and a clock that jumps, in batches of
// size rows (or random sizes up to size, mostly small, when vary).
func hostileSteps(seed uint64, rows, size int, vary bool) []rstep {
	r := rand.New(rand.NewPCG(seed, 7))
	origins := 1 + r.IntN(3)
	keys := 1 + r.IntN(40)
	clock := make([]int64, origins)
	state := make([]exec.Partition, origins)
	for o := range state {
		state[o] = exec.Partition{Origin: exec.Origin(o + 1), Watermark: exec.NoWatermark, MaxTime: -1, Lag: -1}
	}
	var steps []rstep
	for left := rows; left > 0; {
		o := r.IntN(origins)
		n := size
		if vary {
			n = 1 + r.IntN(size>>r.IntN(12)+1) // log-uniform: many small, some large
		}
		if r.IntN(10) == 0 {
			n = 0
		}
		n = min(n, left)
		left -= n
		st := rstep{origin: exec.Origin(o + 1)}
		for range n {
			clock[o] += int64(r.IntN(3))
			t := clock[o] - int64(r.IntN(8)) // disorder
			if r.IntN(40) == 0 {
				t = clock[o] - 30 - int64(r.IntN(40)) // late, or in a fired window
			}
			k := "k" + strconv.Itoa(r.IntN(keys))
			if r.IntN(50) == 0 {
				k = ""
			}
			v := int64(r.IntN(1000))
			if r.IntN(30) == 0 {
				v = -1
			}
			st.keys, st.vals, st.ts = append(st.keys, k), append(st.vals, v), append(st.ts, t)
		}
		if r.IntN(4) == 0 {
			st.clock = time.Duration(r.IntN(40)) * time.Millisecond
		}
		for i := range state {
			switch r.IntN(8) {
			case 0:
				state[i].Idle, state[i].Backlog = true, false
			case 1:
				state[i].Idle, state[i].Backlog = false, true
			case 2, 3:
				state[i].Idle, state[i].Backlog = false, false
			}
		}
		if n > 0 {
			state[o].Idle = false
		}
		st.parts = slices.Clone(state)
		steps = append(steps, st)
	}
	return steps
}

// groupByRun runs a group-by over a randSource of steps to its end and
// returns the rows of each Next, sorted (a multiset), with the ROWTIME
// order of each output checked.
type groupByRun struct {
	out     [][]string
	late    int64
	updates int64
	live    int // LiveGroups after Close: the workers' total
}

func runSteps(t *testing.T, mem memory.Allocator, steps []rstep, end error, cfg window.Config, workers int, restore []byte) (groupByRun, []byte) {
	t.Helper()
	src := &randSource{mem: mem, steps: steps, end: end}
	cfg.Keys = []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
	cfg.KeyNames = []string{"k"}
	cfg.Aggs = countSum()
	cfg.Alloc = mem
	cfg.Clock = src.clock
	var op exec.Operator
	var err error
	if workers == 0 {
		op, err = window.NewGroupBy(src, cfg)
	} else {
		op, err = window.NewParallelGroupByN(src, cfg, workers)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if restore != nil {
		if err := op.(exec.Snapshotter).Restore(bytes.NewReader(restore)); err != nil {
			t.Fatalf("restore at %d workers: %v", workers, err)
		}
	}
	var run groupByRun
	for {
		b, err := op.Next(context.Background())
		if errors.Is(err, io.EOF) || errors.Is(err, exec.ErrStopped) {
			break
		}
		if err != nil {
			t.Fatalf("Next at %d workers: %v", workers, err)
		}
		rt := b.Column(int(b.NumCols()) - 1).(*array.Timestamp)
		for i := 1; i < rt.Len(); i++ {
			if rt.Value(i) < rt.Value(i-1) {
				t.Fatalf("%d workers: output not in ascending ROWTIME: %v", workers, rowStrings(b))
			}
		}
		rows := rowStrings(b)
		slices.Sort(rows)
		run.out = append(run.out, rows)
		b.Release()
	}
	run.late = op.(window.LateCounter).LateRows()
	run.updates = op.(window.UpdateCounter).Updates()
	// The job's last checkpoint may come after Close: the windows stay.
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	run.live = op.(window.StateCounter).LiveGroups()
	if sz := op.(exec.StateSizer).StateBytes(); run.live > 0 && sz <= 0 {
		t.Fatalf("%d workers: %d live groups in %d bytes", workers, run.live, sz)
	}
	var snap bytes.Buffer
	if err := op.(exec.Snapshotter).Snapshot(&snap); err != nil {
		t.Fatalf("snapshot at %d workers: %v", workers, err)
	}
	return run, snap.Bytes()
}

func parallelAssigners(t *testing.T) map[string]window.Assigner {
	m := assigners(t)
	delete(m, "stagger")
	return m
}

// The parallel group-by emits, at every Next, the rows the one-core
// group-by emits, whatever the number of workers, batch size and input.
func TestParallelGroupByMatchesOneCore(t *testing.T) {
	t.Parallel()
	for name, a := range parallelAssigners(t) {
		for _, size := range []int{1, 7, 4096} {
			t.Run(fmt.Sprintf("%s/batch=%d", name, size), func(t *testing.T) {
				t.Parallel()
				var stats struct {
					rows          int
					late, updates int64
				}
				defer func() {
					// The input must exercise what it claims to.
					if stats.rows == 0 || stats.late == 0 || stats.updates == 0 {
						t.Errorf("hostile input too tame: %+v", stats)
					}
				}()
				for seed := range uint64(4) {
					rows := 1500
					if size == 4096 {
						rows = 12000
					}
					steps := hostileSteps(seed, rows, size, size == 4096)
					r := rand.New(rand.NewPCG(seed, 11))
					cfg := window.Config{
						Assigner:  a,
						Lateness:  time.Duration(r.IntN(20)) * time.Millisecond,
						Retention: time.Duration(20+r.IntN(60)) * time.Millisecond,
					}
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					want, _ := runSteps(t, mem, steps, nil, cfg, 0, nil)
					stats.rows += len(flat(want.out))
					stats.late += want.late
					stats.updates += want.updates
					for _, workers := range []int{1, 2, 8} {
						got, _ := runSteps(t, mem, steps, nil, cfg, workers, nil)
						compareRuns(t, fmt.Sprintf("seed %d, %d workers", seed, workers), want, got)
					}
					mem.AssertSize(t, 0)
				}
			})
		}
	}
}

func compareRuns(t *testing.T, what string, want, got groupByRun) {
	t.Helper()
	if len(got.out) != len(want.out) {
		t.Fatalf("%s: %d outputs, want %d", what, len(got.out), len(want.out))
	}
	for i := range want.out {
		if !slices.Equal(got.out[i], want.out[i]) {
			t.Fatalf("%s: output %d:\n got %v\nwant %v", what, i, got.out[i], want.out[i])
		}
	}
	if got.live != want.live {
		t.Fatalf("%s: %d live groups after Close, want %d", what, got.live, want.live)
	}
	if got.late != want.late || got.updates != want.updates {
		t.Fatalf("%s: %d late rows and %d updates, want %d and %d", what, got.late, got.updates, want.late, want.updates)
	}
}

// A snapshot taken at one number of workers restores at another (one-core
// included): the run continues with the rows an uninterrupted one-core run
// emits.
func TestParallelGroupBySnapshotAcrossWorkers(t *testing.T) {
	t.Parallel()
	a := parallelAssigners(t)
	for _, tc := range []struct {
		name     string
		from, to int // workers; 0 is the one-core group-by
		assigner string
	}{
		{name: "2 to one-core", from: 2, to: 0, assigner: "tumbling"},
		{name: "one-core to 2", from: 0, to: 2, assigner: "tumbling"},
		{name: "2 to 8 hopping", from: 2, to: 8, assigner: "hopping"},
		{name: "8 to 1 cumulate", from: 8, to: 1, assigner: "cumulate"},
		{name: "2 to one-core session", from: 2, to: 0, assigner: "session"},
		{name: "one-core to 8 session", from: 0, to: 8, assigner: "session"},
		{name: "8 to 2 session", from: 8, to: 2, assigner: "session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(4) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				steps := hostileSteps(100+seed, 6000, 50, true)
				for i := range steps {
					// A restore restarts the idle clock: keep it still.
					steps[i].clock = 0
				}
				cfg := window.Config{Assigner: a[tc.assigner], Lateness: 5 * time.Millisecond, Retention: 40 * time.Millisecond}
				want, _ := runSteps(t, mem, steps, nil, cfg, 0, nil)
				cut := len(steps) / 2
				first, snap := runSteps(t, mem, steps[:cut], exec.ErrStopped, cfg, tc.from, nil)
				second, _ := runSteps(t, mem, steps[cut:], nil, cfg, tc.to, snap)
				got := groupByRun{out: append(first.out, second.out...), late: second.late, updates: second.updates, live: second.live}
				compareRuns(t, fmt.Sprintf("seed %d", seed), want, got)
				mem.AssertSize(t, 0)
			}
		})
	}
}

// A group-by without keys or with stagger windows stays on one goroutine.
func TestParallelizable(t *testing.T) {
	t.Parallel()
	a := assigners(t)
	key := []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
	for _, tc := range []struct {
		name string
		cfg  window.Config
		want bool
	}{
		{name: "keyed tumbling", cfg: window.Config{Assigner: a["tumbling"], Keys: key}, want: true},
		{name: "keyed hopping", cfg: window.Config{Assigner: a["hopping"], Keys: key}, want: true},
		{name: "global tumbling", cfg: window.Config{Assigner: a["tumbling"]}},
		{name: "keyed session", cfg: window.Config{Assigner: a["session"], Keys: key}, want: true},
		{name: "keyed session early results", cfg: window.Config{Assigner: a["session"], Keys: key, Emit: window.EmitPolicy{Every: time.Second}}, want: true},
		{name: "global session", cfg: window.Config{Assigner: a["session"]}},
		{name: "keyed stagger", cfg: window.Config{Assigner: a["stagger"], Keys: key}},
		{name: "keyed tumbling early results", cfg: window.Config{Assigner: a["tumbling"], Keys: key, Emit: window.EmitPolicy{Every: time.Second}}, want: true},
		{name: "global tumbling early results", cfg: window.Config{Assigner: a["tumbling"], Emit: window.EmitPolicy{Every: time.Second}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := window.Parallelizable(tc.cfg); got != tc.want {
				t.Fatalf("Parallelizable = %v, want %v", got, tc.want)
			}
		})
	}
}

// With Drain, a stopping job emits the open windows of every worker, as
// the one-core group-by does.
func TestParallelGroupByDrain(t *testing.T) {
	t.Parallel()
	// Windows long beside the input's pace: the rows of the last batches
	// are still with the front (no output due) when the input stops.
	tumbling, err1 := window.Tumbling(time.Second, 0)
	hopping, err2 := window.Hopping(time.Second, 500*time.Millisecond, 0)
	cumulate, err3 := window.Cumulate(250*time.Millisecond, time.Second)
	session, err4 := window.Session(300 * time.Millisecond)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]window.Assigner{"tumbling": tumbling, "hopping": hopping, "cumulate": cumulate, "session": session} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			steps := hostileSteps(7, 2000, 40, true)
			cfg := window.Config{Assigner: a, Lateness: 5 * time.Millisecond, Drain: true}
			want, _ := runSteps(t, mem, steps, exec.ErrStopped, cfg, 0, nil)
			if last := want.out[len(want.out)-1]; len(last) == 0 {
				t.Fatal("the one-core drain emitted nothing: the test proves nothing")
			}
			for _, workers := range []int{2, 8} {
				got, _ := runSteps(t, mem, steps, exec.ErrStopped, cfg, workers, nil)
				compareRuns(t, fmt.Sprintf("%d workers", workers), want, got)
			}
			mem.AssertSize(t, 0)
		})
	}
}

// Keyed windows with early results (EMIT … EVERY, in event time or in
// processing time) run on several workers: every Next gives the partial
// and final rows the one-core group-by gives.
func TestParallelEarlyResults(t *testing.T) {
	t.Parallel()
	a := assigners(t)
	for _, tc := range []struct {
		name, assigner string
		emit           window.EmitPolicy
	}{
		{name: "session event time", assigner: "session", emit: window.EmitPolicy{Every: 10 * time.Millisecond}},
		{name: "session processing time", assigner: "session", emit: window.EmitPolicy{Every: 20 * time.Millisecond, ProcessingTime: true}},
		{name: "tumbling event time", assigner: "tumbling", emit: window.EmitPolicy{Every: 3 * time.Millisecond}},
		{name: "hopping processing time", assigner: "hopping", emit: window.EmitPolicy{Every: 20 * time.Millisecond, ProcessingTime: true}},
		{name: "cumulate event time", assigner: "cumulate", emit: window.EmitPolicy{Every: 2 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			partial := 0
			for seed := range uint64(4) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				steps := hostileSteps(200+seed, 3000, 30, true)
				cfg := window.Config{Assigner: a[tc.assigner], Lateness: 5 * time.Millisecond, Retention: 30 * time.Millisecond, Emit: tc.emit}
				want, _ := runSteps(t, mem, steps, nil, cfg, 0, nil)
				for _, row := range flat(want.out) {
					if strings.Contains(row, "|true|") {
						partial++
					}
				}
				for _, workers := range []int{1, 2, 8} {
					got, _ := runSteps(t, mem, steps, nil, cfg, workers, nil)
					compareRuns(t, fmt.Sprintf("seed %d, %d workers", seed, workers), want, got)
				}
				mem.AssertSize(t, 0)
			}
			if partial == 0 {
				t.Fatal("no early results: the test proves nothing")
			}
		})
	}
}
