package window_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// backlogSrc is an overSrc whose partitions report backlog at every
// third batch and two origins: the watermark is held back at times, so
// rows wait over several batches.
type backlogSrc struct{ *overSrc }

func (s backlogSrc) Partitions() []exec.Partition {
	ps := s.overSrc.Partitions()
	if s.i%3 == 0 {
		for i := range ps {
			ps[i].Backlog = true
		}
	}
	return ps
}

// parallelOverOp builds the differential test's operator over src on
// workers (0: NewOver).
func parallelOverOp(t testing.TB, mem memory.Allocator, src exec.Operator, cfg window.OverConfig, workers int) exec.Operator {
	t.Helper()
	specs, _ := overCase(t)
	cfg.Specs, cfg.Alloc = specs, mem
	var op exec.Operator
	var err error
	if workers == 0 {
		op, err = window.NewOver(src, cfg)
	} else {
		op, err = window.NewParallelOver(src, cfg, workers)
	}
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// The parallel OVER emits the reference's rows in NewOver's order, whatever
// the number of workers and batch size, with disorder, late rows and
// partitions with backlog.
func TestParallelOverMatchesReference(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		seed      uint64
		keys      int
		lateEvery int
		backlog   bool
	}{
		{"shuffled within 2s, three keys", 11, 3, 0, false},
		{"shuffled within 2s, many keys", 12, 40, 0, false},
		{"with rows 10s late", 13, 7, 17, false},
		{"late rows and backlog", 14, 25, 13, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows := genShuffled(tc.seed, 900, tc.keys, 2000, tc.lateEvery, 0, 1_000_000)
			onTime, late := refSplit(batchOf(rows, 0), 5000)
			_, refs := overCase(t)
			want := refOutput(onTime, refs)
			for _, size := range []int{1, 7, 0} {
				for _, workers := range []int{1, 2, 8} {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					var src exec.Operator = newOverSrc(mem, batchOf(rows, size))
					if tc.backlog {
						src = backlogSrc{newOverSrc(mem, batchOf(rows, size), 0, 1)}
					}
					op := parallelOverOp(t, mem, src, window.OverConfig{Lateness: 5 * time.Second, Late: window.LateCount}, workers)
					got, _ := runOver(t, op)
					what := fmt.Sprintf("batch size %d, %d workers", size, workers)
					sameRows(t, what, got, want)
					if n := op.(window.LateCounter).LateRows(); n != int64(len(late)) {
						t.Errorf("%s: LateRows = %d, want %d", what, n, len(late))
					}
					if n := op.(window.StateCounter).LiveGroups(); n != 0 {
						t.Errorf("%s: %d rows held after the end", what, n)
					}
					op.Close()
					mem.AssertSize(t, 0)
				}
			}
		})
	}
}

// A parallel OVER stopped and snapshot restores at another number of
// workers (one-core included) and goes on with NewOver's rows.
func TestParallelOverSnapshotAcrossWorkers(t *testing.T) {
	t.Parallel()
	rows := genShuffled(17, 900, 9, 2000, 23, 0, 1_000_000)
	for _, tc := range []struct {
		name     string
		from, to int // workers; 0 is NewOver
		size     int
		cut      int
	}{
		{name: "8 to one-core", from: 8, to: 0, size: 7, cut: 40},
		{name: "one-core to 2", from: 0, to: 2, size: 1, cut: 300},
		{name: "2 to 8", from: 2, to: 8, size: 50, cut: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			bs := batchOf(rows, tc.size)
			cfg := window.OverConfig{Lateness: 5 * time.Second, Late: window.LateCount}
			full := parallelOverOp(t, mem, newOverSrc(mem, bs), cfg, 0)
			want, _ := runOver(t, full)
			wantLate := full.(window.LateCounter).LateRows()
			full.Close()

			src := newOverSrc(mem, bs)
			src.stopAt = tc.cut
			first := parallelOverOp(t, mem, src, cfg, tc.from)
			got, stopped := runOver(t, first)
			if !stopped {
				t.Fatal("the first run did not end with exec.ErrStopped")
			}
			held := first.(window.StateCounter).LiveGroups()
			if held == 0 {
				t.Fatal("nothing held at the stop: the test proves nothing")
			}
			var buf bytes.Buffer
			if err := first.(exec.Snapshotter).Snapshot(&buf); err != nil {
				t.Fatal(err)
			}
			first.Close()

			rest := newOverSrc(mem, bs)
			rest.i = tc.cut
			second := parallelOverOp(t, mem, rest, cfg, tc.to)
			defer second.Close()
			if err := second.(exec.Snapshotter).Restore(&buf); err != nil {
				t.Fatal(err)
			}
			if n := second.(window.StateCounter).LiveGroups(); n != held {
				t.Fatalf("restored %d rows, %d were held", n, held)
			}
			more, _ := runOver(t, second)
			sameRows(t, "stopped, restored and continued", append(got, more...), want)
			if n := second.(window.LateCounter).LateRows(); n != wantLate {
				t.Errorf("LateRows = %d, want %d", n, wantLate)
			}
		})
	}
}

// EXP_AVG and string-valued frames (FIRST_VALUE, LAST_VALUE, LAG of the
// key) give NewOver's rows, in its order, on 2 and 8 workers.
func TestParallelOverExpAvgAndStrings(t *testing.T) {
	t.Parallel()
	k := []exec.Expr{oK}
	specs := []window.OverSpec{
		{Func: "EXP_AVG", Arg: oV, HalfLife: 200 * time.Millisecond, Partition: k, Range: time.Second, Name: "ea"},
		{Func: "FIRST_VALUE", Arg: oK, Partition: k, Range: 700 * time.Millisecond, Name: "fk"},
		{Func: "LAST_VALUE", Arg: oK, IgnoreNulls: true, Partition: k, Rows: true, Preceding: 2, Name: "lk"},
		{Func: "LAG", Arg: oK, Partition: k, Rows: true, Preceding: 1, Name: "gk"},
	}
	rows := genShuffled(21, 900, 13, 2000, 11, 0, 1_000_000)
	run := func(workers, size int) []string {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		cfg := window.OverConfig{Specs: specs, Lateness: 5 * time.Second, Late: window.LateCount, Alloc: mem}
		src := newOverSrc(mem, batchOf(rows, size))
		var op exec.Operator
		var err error
		if workers == 0 {
			op, err = window.NewOver(src, cfg)
		} else {
			op, err = window.NewParallelOver(src, cfg, workers)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer op.Close()
		got, _ := runOver(t, op)
		return got
	}
	for _, size := range []int{1, 7, 0} {
		want := run(0, size)
		if len(want) == 0 {
			t.Fatal("no rows: the test proves nothing")
		}
		for _, workers := range []int{2, 8} {
			sameRows(t, fmt.Sprintf("batch size %d, %d workers", size, workers), run(workers, size), want)
		}
	}
}
