package window

import (
	"fmt"
	"time"
)

// Bounds is one window, [Start, End) in milliseconds since the epoch.
type Bounds struct {
	Start, End int64
}

// assignerKind tells the group-by operator how to keep state.
type assignerKind uint8

const (
	kindTumbling assignerKind = iota
	kindHopping
	kindCumulate
	kindSession
	kindStagger
)

// Assigner maps event times to windows. Tumbling, hopping and cumulating
// windows are aligned to the epoch (plus an offset) and kept as panes;
// session and stagger windows are per key and opened by rows. Assigners are
// immutable values made by Tumbling, Hopping, Cumulate, Session and Stagger,
// safe for concurrent use.
type Assigner interface {
	// Windows appends to dst the windows that hold a row at event time ts
	// and returns it. For Session and Stagger these are the windows the row
	// opens by itself, [ts, ts+gap) and [ts, ts+range).
	Windows(ts int64, dst []Bounds) []Bounds
	// String describes the assigner, for EXPLAIN.
	String() string

	spec() assignerSpec
}

// assignerSpec is the assigners' shared representation. For aligned kinds,
// pane is the unit of state: every window is a whole number of panes.
type assignerSpec struct {
	kind   assignerKind
	size   int64 // window size; cumulate: max size; session: gap; stagger: range
	slide  int64 // hopping slide; cumulate step; tumbling size
	offset int64
	pane   int64
}

func (a assignerSpec) spec() assignerSpec { return a }

func ms(d time.Duration) int64 { return d.Milliseconds() }

// Tumbling returns fixed, non-overlapping windows of size, aligned to the
// epoch plus offset: [offset + k·size, offset + (k+1)·size). KDA's GROUP BY
// STEP(ROWTIME BY size) and FLOOR(ROWTIME TO unit) are Tumbling(size, 0).
func Tumbling(size, offset time.Duration) (Assigner, error) {
	s := ms(size)
	if s <= 0 {
		return nil, fmt.Errorf("window: tumbling size %v must be at least 1ms", size)
	}
	return assignerSpec{kind: kindTumbling, size: s, slide: s, offset: floorMod(ms(offset), s), pane: s}, nil
}

// Hopping returns windows of size starting every slide (Flink HOP(ts,
// slide, size)). State is kept per pane of gcd(size, slide) and panes are
// combined when a window closes, so a row is folded once, not once per
// window. As in Flink, windows start at offset + k·slide; the spec keeps
// the alignment of their ends (offset + size, modulo slide), which is what
// the pane bookkeeping steps through.
func Hopping(size, slide, offset time.Duration) (Assigner, error) {
	s, sl := ms(size), ms(slide)
	if s <= 0 || sl <= 0 {
		return nil, fmt.Errorf("window: hopping size %v and slide %v must be at least 1ms", size, slide)
	}
	return assignerSpec{kind: kindHopping, size: s, slide: sl, offset: floorMod(ms(offset)+s, sl), pane: gcd(s, sl)}, nil
}

// Cumulate returns Flink's cumulating windows: within each max-sized
// period, windows [start, start+step), [start, start+2·step), …,
// [start, start+max). max must be a multiple of step.
func Cumulate(step, max time.Duration) (Assigner, error) {
	st, mx := ms(step), ms(max)
	if st <= 0 || mx <= 0 || mx%st != 0 {
		return nil, fmt.Errorf("window: cumulate max %v must be a positive multiple of step %v", max, step)
	}
	return assignerSpec{kind: kindCumulate, size: mx, slide: st, pane: st}, nil
}

// Session returns session windows per key: a row at ts opens [ts, ts+gap),
// and windows of a key that overlap merge, also when a late row (within the
// allowed lateness) bridges two sessions.
func Session(gap time.Duration) (Assigner, error) {
	g := ms(gap)
	if g <= 0 {
		return nil, fmt.Errorf("window: session gap %v must be at least 1ms", gap)
	}
	return assignerSpec{kind: kindSession, size: g}, nil
}

// Stagger returns KDA stagger windows, per key over the key's on-time rows
// in event-time order: a window starts at the first row's ts and holds the
// rows before ts+rng; the first row at or after ts+rng starts the next. The
// windows so depend only on the rows, not on the order they arrive in (see
// stagger.go for how rows wait until their window's start is certain, and
// the one exception when the watermark ran ahead of the data).
func Stagger(rng time.Duration) (Assigner, error) {
	r := ms(rng)
	if r <= 0 {
		return nil, fmt.Errorf("window: stagger range %v must be at least 1ms", rng)
	}
	return assignerSpec{kind: kindStagger, size: r}, nil
}

// Overlap returns how many windows of a one row can belong to at most,
// with the size and slide it comes from: ceil(size/slide) for hopping
// windows, max/step for cumulating windows (size is max, slide is step),
// and 1 for tumbling, session and stagger windows (slide is then 0). The
// planner refuses assigners whose overlap is too large: every window a row
// belongs to is built, kept and emitted.
func Overlap(a Assigner) (windows int64, size, slide time.Duration) {
	sp := a.spec()
	d := func(x int64) time.Duration { return time.Duration(x) * time.Millisecond }
	switch sp.kind {
	case kindHopping:
		return (sp.size + sp.slide - 1) / sp.slide, d(sp.size), d(sp.slide)
	case kindCumulate:
		return sp.size / sp.slide, d(sp.size), d(sp.slide)
	}
	return 1, d(sp.size), 0
}

func (a assignerSpec) String() string {
	d := func(x int64) time.Duration { return time.Duration(x) * time.Millisecond }
	switch a.kind {
	case kindTumbling:
		if a.offset != 0 {
			return fmt.Sprintf("TUMBLE(%v, offset %v)", d(a.size), d(a.offset))
		}
		return fmt.Sprintf("TUMBLE(%v)", d(a.size))
	case kindHopping:
		return fmt.Sprintf("HOP(size %v, slide %v)", d(a.size), d(a.slide))
	case kindCumulate:
		return fmt.Sprintf("CUMULATE(step %v, max %v)", d(a.slide), d(a.size))
	case kindSession:
		return fmt.Sprintf("SESSION(gap %v)", d(a.size))
	}
	return fmt.Sprintf("STAGGER(range %v)", d(a.size))
}

func (a assignerSpec) Windows(ts int64, dst []Bounds) []Bounds {
	switch a.kind {
	case kindTumbling:
		s := alignDown(ts, a.size, a.offset)
		return append(dst, Bounds{s, s + a.size})
	case kindHopping:
		for e := alignDown(ts, a.slide, a.offset) + a.slide; e-a.size <= ts; e += a.slide {
			dst = append(dst, Bounds{e - a.size, e})
		}
		return dst
	case kindCumulate:
		s := alignDown(ts, a.size, 0)
		for e := alignDown(ts, a.slide, 0) + a.slide; e <= s+a.size; e += a.slide {
			dst = append(dst, Bounds{s, e})
		}
		return dst
	}
	return append(dst, Bounds{ts, ts + a.size})
}

// paneOf returns the start of the pane holding ts.
func (a assignerSpec) paneOf(ts int64) int64 { return alignDown(ts, a.pane, a.offset) }

// firstEnd returns the end of the earliest window holding pane p that ends
// after `after`.
func (a assignerSpec) firstEnd(p, after int64) int64 {
	lo := max(p, after)
	switch a.kind {
	case kindTumbling:
		return p + a.size
	case kindHopping:
		return alignDown(lo, a.slide, a.offset) + a.slide
	}
	return alignDown(lo, a.slide, 0) + a.slide
}

// lastEnd returns the end of the last window holding pane p: once it is
// emitted the pane can be dropped.
func (a assignerSpec) lastEnd(p int64) int64 {
	switch a.kind {
	case kindTumbling:
		return p + a.size
	case kindHopping:
		return alignDown(p+a.size, a.slide, a.offset)
	}
	return alignDown(p, a.size, 0) + a.size
}

// startOf returns the start of the window ending at e.
func (a assignerSpec) startOf(e int64) int64 {
	if a.kind == kindCumulate {
		return alignDown(e-1, a.size, 0)
	}
	return e - a.size
}

// alignDown returns the largest offset + k·unit at or below ts.
func alignDown(ts, unit, offset int64) int64 {
	return ts - floorMod(ts-offset, unit)
}

func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
