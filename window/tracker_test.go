package window

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/exec"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1000, 0)} }
func part(o exec.Origin) exec.Partition {
	return exec.Partition{Origin: o, Watermark: exec.NoWatermark}
}
func idlePart(o exec.Origin) exec.Partition          { p := part(o); p.Idle = true; return p }
func donePart(o exec.Origin) exec.Partition          { p := part(o); p.Done = true; return p }
func promise(o exec.Origin, wm int64) exec.Partition { p := part(o); p.Watermark = wm; return p }

// observe runs Observe and returns the accepted and late rows.
func observe(tr *Tracker, o exec.Origin, ts ...int64) (acc, late []int64) {
	tr.Observe(o, ts, nil,
		func(i int) { acc = append(acc, ts[i]) },
		func(i int, _ int, _ int64) { late = append(late, ts[i]) })
	return acc, late
}

func TestTrackerLatenessIsPerRowAndPerOrigin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		lateness time.Duration
		batches  [][]int64 // origin 1, in order
		other    []int64   // then origin 2
		wantLate []int64
	}{
		{name: "within a batch a row far behind an earlier row is late", lateness: 5 * time.Millisecond,
			batches: [][]int64{{10, 20, 15, 14, 21}}, wantLate: []int64{14}},
		{name: "the same rows split in single-row batches give the same answer", lateness: 5 * time.Millisecond,
			batches: [][]int64{{10}, {20}, {15}, {14}, {21}}, wantLate: []int64{14}},
		{name: "rows at the largest time are on time with no lateness",
			batches: [][]int64{{7, 7, 6, 8}}, wantLate: []int64{6}},
		{name: "another origin's first row is never late", lateness: 0,
			batches: [][]int64{{1000}}, other: []int64{1, 2, 0}, wantLate: []int64{0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(tc.lateness, 0, newFakeClock().now)
			var late []int64
			for _, b := range tc.batches {
				_, l := observe(tr, 1, b...)
				late = append(late, l...)
			}
			_, l := observe(tr, 2, tc.other...)
			late = append(late, l...)
			if !equalInts(late, tc.wantLate) {
				t.Fatalf("late = %v, want %v", late, tc.wantLate)
			}
		})
	}
}

func TestTrackerEmission(t *testing.T) {
	t.Parallel()
	const L = 10 * time.Millisecond
	cases := []struct {
		name     string
		parts    []exec.Partition
		explicit bool
		want     int64
	}{
		{name: "minimum over partitions", parts: []exec.Partition{part(1), part(2)}, want: 200 - 11},
		{name: "a partition that has not delivered holds", parts: []exec.Partition{part(1), part(2), part(3)}, want: math.MinInt64},
		{name: "an idle partition does not hold", parts: []exec.Partition{part(1), part(2), idlePart(3)}, want: 200 - 11},
		{name: "a partition with backlog is never idle", parts: []exec.Partition{part(1), part(2), {Origin: 3, Idle: true, Backlog: true, Watermark: exec.NoWatermark}}, want: math.MinInt64},
		{name: "a done partition does not hold", parts: []exec.Partition{part(1), donePart(2)}, want: 500 - 11},
		{name: "explicit promises count on ROWTIME", parts: []exec.Partition{part(1), promise(4, 300)}, explicit: true, want: 300},
		{name: "explicit promises are ignored on another column", parts: []exec.Partition{part(1), promise(4, 300)}, want: math.MinInt64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := NewTracker(L, 0, newFakeClock().now)
			observe(tr, 1, 500)
			observe(tr, 2, 200)
			if got, _ := tr.Advance(tc.parts, tc.explicit); got != tc.want {
				t.Fatalf("emission = %d, want %d", got, tc.want)
			}
		})
	}
}

// An input that pauses closes its windows by the clock, and a row that is
// on time in the data after the pause is still accepted (its window will
// be emitted again).
func TestTrackerIdleCloseKeepsOnTimeRows(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	tr := NewTracker(0, 0, clk.now)
	observe(tr, 1, 1000, 2000)
	if e, f := tr.Advance([]exec.Partition{part(1)}, false); e != 1999 || f != 1999 {
		t.Fatalf("before the pause: emission %d floor %d, want 1999 1999", e, f)
	}
	clk.add(7 * time.Second)
	e, f := tr.Advance([]exec.Partition{idlePart(1)}, false)
	if e != 1999+7000 {
		t.Fatalf("idle emission = %d, want %d", e, 1999+7000)
	}
	if f != 1999 {
		t.Fatalf("idle floor = %d, want the data watermark 1999", f)
	}
	if acc, late := observe(tr, 1, 2000, 2500); len(late) != 0 || len(acc) != 2 {
		t.Fatalf("after the pause: accepted %v late %v, want both accepted", acc, late)
	}
	if e2, _ := tr.Advance([]exec.Partition{part(1)}, false); e2 != e {
		t.Fatalf("emission went back to %d from %d", e2, e)
	}
}

// A stale idle partition holds the retention floor back at most Retention
// behind the emission watermark.
func TestTrackerRetentionBoundsAStaleIdlePartition(t *testing.T) {
	t.Parallel()
	tr := NewTracker(0, time.Minute, newFakeClock().now)
	observe(tr, 1, 0)
	observe(tr, 2, int64(time.Hour/time.Millisecond))
	e, f := tr.Advance([]exec.Partition{idlePart(1), part(2)}, false)
	if want := int64(time.Hour/time.Millisecond) - 1; e != want {
		t.Fatalf("emission = %d, want %d", e, want)
	}
	if want := e - int64(time.Minute/time.Millisecond); f != want {
		t.Fatalf("floor = %d, want %d", f, want)
	}
	// The stale partition's next row is on time in its partition but behind
	// the floor.
	tr.Observe(1, []int64{5}, nil, func(int) { t.Fatal("row behind the floor accepted") },
		func(_ int, reason int, _ int64) {
			if reason != LateBehindFloor {
				t.Fatalf("reason = %d, want LateBehindFloor", reason)
			}
		})
}

func TestTrackerStateRoundTrip(t *testing.T) {
	t.Parallel()
	tr := NewTracker(5*time.Millisecond, 0, newFakeClock().now)
	observe(tr, 1, 100)
	observe(tr, 2, 50)
	tr.Advance([]exec.Partition{part(1), part(2)}, false)
	back := NewTracker(5*time.Millisecond, 0, newFakeClock().now)
	back.load(tr.state())
	_, late := observe(back, 1, 94, 95)
	if !equalInts(late, []int64{94}) {
		t.Fatalf("restored tracker: late %v, want [94]", late)
	}
	if back.Emission() != tr.Emission() || back.Floor() != tr.Floor() {
		t.Fatalf("restored watermarks %d/%d, want %d/%d", back.Emission(), back.Floor(), tr.Emission(), tr.Floor())
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Select classifies rows exactly as Observe does, whatever the batch
// boundaries, NULL times and retention floor.
func TestTrackerSelectMatchesObserve(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		lateness time.Duration
		floor    bool // advance the floor past 95 first
		rows     []int64
		null     []bool
		batch    int
	}{
		{name: "disorder within and beyond lateness", lateness: 5 * time.Millisecond,
			rows: []int64{100, 120, 115, 114, 121, 90, 130, 126, 125}, batch: 4},
		{name: "rows of one batch", lateness: 3 * time.Millisecond,
			rows: []int64{5, 1, 9, 6, 5, 12, 8, 9}, batch: 100},
		{name: "single-row batches", lateness: 3 * time.Millisecond,
			rows: []int64{5, 1, 9, 6, 5, 12, 8, 9}, batch: 1},
		{name: "NULL times are skipped", lateness: 0,
			rows: []int64{10, 0, 3, 11, 0}, null: []bool{false, true, false, false, true}, batch: 3},
		{name: "rows behind the floor", lateness: time.Second, floor: true,
			rows: []int64{96, 95, 94, 97, 200}, batch: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			type verdict struct {
				i, reason int
				wm        int64
			}
			run := func(sel bool) (acc []int, late []verdict, maxAll int64) {
				tr := NewTracker(tc.lateness, 0, newFakeClock().now)
				if tc.floor {
					tr.free = 95
				}
				var sc []int32
				for lo := 0; lo < len(tc.rows); lo += tc.batch {
					hi := min(lo+tc.batch, len(tc.rows))
					ts := tc.rows[lo:hi]
					var valid func(int) bool
					if tc.null != nil {
						valid = func(i int) bool { return !tc.null[lo+i] }
					}
					onLate := func(i, reason int, wm int64) { late = append(late, verdict{lo + i, reason, wm}) }
					if sel {
						sc = tr.Select(7, ts, valid, sc[:0], onLate)
						for _, i := range sc {
							acc = append(acc, lo+int(i))
						}
					} else {
						tr.Observe(7, ts, valid, func(i int) { acc = append(acc, lo+i) }, onLate)
					}
				}
				return acc, late, tr.maxAll
			}
			a1, l1, m1 := run(false)
			a2, l2, m2 := run(true)
			if fmt.Sprint(a1, l1, m1) != fmt.Sprint(a2, l2, m2) {
				t.Fatalf("Select: accepted %v late %v max %d\nObserve: accepted %v late %v max %d", a2, l2, m2, a1, l1, m1)
			}
			if len(l1) == 0 && tc.null == nil {
				t.Fatalf("case has no late row: it checks nothing")
			}
		})
	}
}

// No partition known yet is no progress, not the end of event time.
func TestTrackerNoPartitionsIsNoProgress(t *testing.T) {
	t.Parallel()
	tr := NewTracker(0, 0, newFakeClock().now)
	observe(tr, 1, 500)
	if e, f := tr.Advance(nil, false); e != math.MinInt64 || f != math.MinInt64 {
		t.Fatalf("with no partitions: emission %d floor %d, want both at the start of time", e, f)
	}
	if _, late := observe(tr, 1, 600); len(late) != 0 {
		t.Fatalf("row after an empty partition list is late: %v", late)
	}
}
