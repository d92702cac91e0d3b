package window

import (
	"math"
	"slices"
	"time"

	"github.com/eddy-sql/eddy/exec"
)

// DefaultRetention is how far behind the emission watermark a fired
// window's state is kept, at most, for rows that are on time in their own
// partition but arrive after the window fired (see Tracker).
const DefaultRetention = 10 * time.Minute

// Tracker follows event time for one windowed operator. It is the one
// place where Eddy's watermark rules live:
//
//   - Per origin (partition of the input): the origin's watermark is the
//     largest event time it has delivered minus the allowed lateness,
//     minus 1 ms (so rows at the largest time seen stay on time).
//   - A row is late when its event time is at or below its own origin's
//     watermark built from the rows before it (row by row, so the result
//     never depends on batch boundaries or on how origins interleave), or
//     at or below the retention floor (its windows' state is gone).
//   - The emission watermark, up to which windows fire, is the minimum over
//     the input's partitions that are neither idle nor done of their
//     watermark (an explicit promise when the partition makes one and the
//     tracked column is ROWTIME, else the one from its rows; a partition
//     with no row yet holds it at the start of time). When every partition
//     is idle or done, it follows the clock from the last row seen, so the
//     last windows of a quiet input close.
//   - The data watermark is the same minimum from the rows alone, idle
//     partitions included: a window that fired ahead of it (the clock or an
//     idle partition moved the emission watermark on) keeps its state until
//     the data watermark passes it — or, when a stale idle partition holds
//     the data watermark back, until it falls Retention behind the emission
//     watermark and the freshest data's watermark — so that an on-time row arriving later updates it
//     and the window is emitted again.
//
// A Tracker is used by one goroutine.
type Tracker struct {
	lateness  int64 // ms
	retention int64 // ms
	clock     func() time.Time

	origins map[exec.Origin]*originTime
	maxAll  int64     // largest event time of any origin
	lastRow time.Time // clock time of the last row observed

	emit int64 // emission watermark (never goes back)
	free int64 // retention floor: state at or below it is gone (never goes back)
}

type originTime struct {
	max int64 // largest event time delivered
}

// NewTracker returns a tracker with the given allowed lateness and
// retention (≤ 0: DefaultRetention). clock nil means time.Now.
func NewTracker(lateness, retention time.Duration, clock func() time.Time) *Tracker {
	if retention <= 0 {
		retention = DefaultRetention
	}
	if clock == nil {
		clock = time.Now
	}
	return &Tracker{
		lateness: ms(lateness), retention: ms(retention), clock: clock,
		origins: map[exec.Origin]*originTime{}, maxAll: math.MinInt64,
		emit: math.MinInt64, free: math.MinInt64,
	}
}

// Lateness is the allowed lateness in ms.
func (t *Tracker) Lateness() int64 { return t.lateness }

// Emission returns the emission watermark: windows whose last millisecond
// is at or below it fire.
func (t *Tracker) Emission() int64 { return t.emit }

// Floor returns the retention floor: the state of windows whose last
// millisecond is at or below it can be freed, and rows at or below it are
// late.
func (t *Tracker) Floor() int64 { return t.free }

// Late reasons returned by Observe.
const (
	// LateInOrigin: behind the watermark of the row's own partition.
	LateInOrigin = 1
	// LateBehindFloor: on time in its partition, but its windows' state
	// was freed (see Retention).
	LateBehindFloor = 2
)

// Observe classifies the rows of one batch from origin o, row by row, and
// records their event times. ts holds the event times; valid(i) false
// skips row i (a NULL event time: the caller reports it). For each row,
// onLate(i, reason, watermark) is called for a late row and accept(i) for
// an on-time one, in row order.
func (t *Tracker) Observe(o exec.Origin, ts []int64, valid func(i int) bool, accept func(i int), onLate func(i int, reason int, watermark int64)) {
	st := t.origins[o]
	seen := false
	for i, v := range ts {
		if valid != nil && !valid(i) {
			continue
		}
		if st != nil {
			if wm := st.max - t.lateness - 1; v <= wm {
				onLate(i, LateInOrigin, wm)
				continue
			}
		}
		if v <= t.free {
			onLate(i, LateBehindFloor, t.free)
			continue
		}
		if st == nil {
			st = &originTime{max: v}
			t.origins[o] = st
		} else if v > st.max {
			st.max = v
		}
		if v > t.maxAll {
			t.maxAll = v
		}
		seen = true
		accept(i)
	}
	if seen {
		t.lastRow = t.clock()
	}
}

// Select is Observe for a whole batch, without a call per accepted row:
// it appends the indexes of the on-time rows of ts to dst, in row order,
// and returns it. valid (nil: every row has an event time) and onLate are
// as for Observe; the rows are classified exactly as Observe would.
func (t *Tracker) Select(o exec.Origin, ts []int64, valid func(i int) bool, dst []int32, onLate func(i int, reason int, watermark int64)) []int32 {
	st := t.origins[o]
	has := st != nil
	mx, wm := int64(math.MinInt64), int64(math.MinInt64)
	if has {
		mx = st.max
		wm = mx - t.lateness - 1
	}
	free := t.free
	lim := max(wm, free) // rows at or below it are late
	n0 := len(dst)
	dst = slices.Grow(dst, len(ts))
	out := dst[n0 : n0+len(ts)]
	k := 0
	if valid == nil {
		// The hot path: every row has a time.
		for i, v := range ts {
			if v <= lim {
				if has && v <= wm {
					onLate(i, LateInOrigin, wm)
				} else {
					onLate(i, LateBehindFloor, free)
				}
				continue
			}
			if v > mx {
				mx, has = v, true
				wm = mx - t.lateness - 1
				lim = max(wm, free)
			}
			out[k] = int32(i)
			k++
		}
	} else {
		for i, v := range ts {
			if !valid(i) {
				continue
			}
			if v <= lim {
				if has && v <= wm {
					onLate(i, LateInOrigin, wm)
				} else {
					onLate(i, LateBehindFloor, free)
				}
				continue
			}
			if v > mx {
				mx, has = v, true
				wm = mx - t.lateness - 1
				lim = max(wm, free)
			}
			out[k] = int32(i)
			k++
		}
	}
	dst = dst[:n0+k]
	if len(dst) == n0 {
		return dst
	}
	if st == nil {
		t.origins[o] = &originTime{max: mx}
	} else {
		st.max = mx
	}
	t.maxAll = max(t.maxAll, mx)
	t.lastRow = t.clock()
	return dst
}

// Advance recomputes the watermarks from the input's partitions after a
// Next; explicit says whether the partitions' explicit watermarks apply
// (they are promises on ROWTIME, so only when the tracked column is
// ROWTIME). It returns the emission watermark and the retention floor. An
// empty parts (no partition known yet) changes nothing.
func (t *Tracker) Advance(parts []exec.Partition, explicit bool) (emit, floor int64) {
	if len(parts) == 0 {
		// Nothing known about the input yet (a source before it has found
		// its partitions): no progress. Only partitions that are all done
		// end event time.
		return t.emit, t.free
	}
	emitWM, dataWM := int64(math.MaxInt64), int64(math.MaxInt64)
	held, anyIdle := false, false
	for i := range parts {
		p := &parts[i]
		if p.Done {
			continue
		}
		wm := int64(math.MinInt64)
		has := false
		if st := t.origins[p.Origin]; st != nil {
			wm, has = st.max-t.lateness-1, true
		}
		if explicit && p.Watermark != exec.NoWatermark {
			wm, has = max(wm, p.Watermark), true
		}
		if p.Idle && !p.Backlog {
			anyIdle = true
			if has {
				dataWM = min(dataWM, wm)
			}
			continue
		}
		held = true
		emitWM = min(emitWM, wm)
		dataWM = min(dataWM, wm)
	}
	switch {
	case held:
	case anyIdle && t.maxAll != math.MinInt64:
		// Everything is caught up and silent: follow the clock.
		quiet := max(0, t.clock().Sub(t.lastRow).Milliseconds())
		emitWM = t.maxAll - t.lateness - 1 + quiet
	case anyIdle:
		emitWM = math.MinInt64 // idle before any row: nothing to close
	}
	t.emit = max(t.emit, emitWM)
	if dataWM == math.MaxInt64 {
		dataWM = t.emit
	}
	// The floor follows the data watermark; a stale idle partition may not
	// hold it more than Retention behind the emission watermark, nor behind
	// the freshest data's own watermark.
	floor = dataWM
	if t.maxAll != math.MinInt64 {
		floor = max(floor, min(satSub(t.emit, t.retention), t.maxAll-t.lateness-1))
	}
	floor = min(t.emit, floor)
	t.free = max(t.free, floor)
	return t.emit, t.free
}

// Finish moves both watermarks to the end of time (the input ended).
func (t *Tracker) Finish() {
	t.emit, t.free = math.MaxInt64, math.MaxInt64
}

// satSub is a − b without wrapping below math.MinInt64.
func satSub(a, b int64) int64 {
	if a < math.MinInt64+b {
		return math.MinInt64
	}
	return a - b
}

// trackerState is a Tracker's checkpointed state.
type trackerState struct {
	Origins []uint64 `json:"origins,omitempty"`
	Maxes   []int64  `json:"maxes,omitempty"`
	MaxAll  int64    `json:"max_all"`
	Emit    int64    `json:"emit"`
	Free    int64    `json:"free"`
}

func (t *Tracker) state() trackerState {
	s := trackerState{MaxAll: t.maxAll, Emit: t.emit, Free: t.free}
	for o, st := range t.origins {
		s.Origins = append(s.Origins, uint64(o))
		s.Maxes = append(s.Maxes, st.max)
	}
	return s
}

// load restores a checkpointed state; the idle clock restarts now.
func (t *Tracker) load(s trackerState) {
	t.origins = make(map[exec.Origin]*originTime, len(s.Origins))
	for i, o := range s.Origins {
		if i < len(s.Maxes) {
			t.origins[exec.Origin(o)] = &originTime{max: s.Maxes[i]}
		}
	}
	t.maxAll, t.emit, t.free = s.MaxAll, s.Emit, s.Free
	t.lastRow = t.clock()
}
