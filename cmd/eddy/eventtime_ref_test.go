package main

// This file is the reference for the event-time differential test
// (eventtime_diff_test.go): what the engine's windows must produce for a
// set of partitions, written from the rules alone with plain loops over
// slices. It imports nothing of the engine (no package window) on purpose:
// it is the independent opinion the engine is checked against.
//
// The rules, in brief (all times in ms):
//   - Row i of partition p is late iff ts_i < max(ts of rows 0..i-1 of p) − L;
//     the first row of a partition is never late. Late rows count in no
//     window and each goes once to the error stream.
//   - TUMBLE(size): [floor(ts/size)·size, +size).
//   - HOP(size, slide): every [s, s+size) with s a multiple of slide, s ≤ ts < s+size.
//   - CUMULATE(step, max): [floor(ts/max)·max, e) for e = start+step, … ≤ start+max, ts < e.
//   - SESSION(gap) per key: rows sorted by ts; a difference < gap joins the
//     session, one of gap or more starts a new one; [first ts, last ts + gap).
//   - OVER RANGE r per key: rows with ts in [row.ts − r, row.ts], peers included.
//   - OVER ROWS n per key: the row and the n rows before it in ts order.
//   - STAGGER x per key: a window opens at the first row t0 and holds the
//     rows with ts < t0 + x; the next opens at the first row at or after t0 + x.

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"
)

// etRow is one input row: key, event time in ms since the epoch, value.
type etRow struct {
	K  string
	TS int64
	V  int64
}

func (r etRow) String() string {
	return fmt.Sprintf("(%s %s v=%d)", r.K, etTime(r.TS), r.V)
}

// etTime prints ms since the epoch as a UTC timestamp with milliseconds.
func etTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// etAgg holds the aggregates every form checks.
type etAgg struct {
	N, Sum, Min, Max int64
}

func (a *etAgg) add(v int64) {
	if a.N == 0 || v < a.Min {
		a.Min = v
	}
	if a.N == 0 || v > a.Max {
		a.Max = v
	}
	a.N++
	a.Sum += v
}

// etWin is one window result row: key, window bounds and aggregates.
type etWin struct {
	K          string
	Start, End int64
	etAgg
}

func (w etWin) String() string {
	return fmt.Sprintf("%s [%s, %s) n=%d sum=%d min=%d max=%d", w.K, etTime(w.Start), etTime(w.End), w.N, w.Sum, w.Min, w.Max)
}

// etOver is one OVER result row: the input row and its aggregates.
type etOver struct {
	K     string
	TS, V int64
	etAgg
}

func (o etOver) String() string {
	return fmt.Sprintf("%s %s v=%d n=%d sum=%d min=%d max=%d", o.K, etTime(o.TS), o.V, o.N, o.Sum, o.Min, o.Max)
}

// floorDiv is floor(a/b) for b > 0, also for negative a.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// refSplitLate applies the row-exact, per-partition lateness rule and
// returns the on-time rows (partition after partition, in file order) and
// the late ones.
func refSplitLate(parts [][]etRow, lateness int64) (onTime, late []etRow) {
	for _, p := range parts {
		for i, r := range p {
			if i > 0 {
				maxBefore := p[0].TS
				for _, q := range p[:i] {
					maxBefore = max(maxBefore, q.TS)
				}
				if r.TS < maxBefore-lateness {
					late = append(late, r)
					continue
				}
			}
			onTime = append(onTime, r)
		}
	}
	return onTime, late
}

// refAssign aggregates rows into the windows assign gives each row.
func refAssign(rows []etRow, assign func(ts int64) [][2]int64) []etWin {
	type wkey struct {
		k          string
		start, end int64
	}
	aggs := map[wkey]*etAgg{}
	for _, r := range rows {
		for _, w := range assign(r.TS) {
			key := wkey{r.K, w[0], w[1]}
			if aggs[key] == nil {
				aggs[key] = &etAgg{}
			}
			aggs[key].add(r.V)
		}
	}
	var out []etWin
	for key, a := range aggs {
		out = append(out, etWin{K: key.k, Start: key.start, End: key.end, etAgg: *a})
	}
	sortWins(out)
	return out
}

// refTumble is TUMBLE(size), STEP and FLOOR.
func refTumble(rows []etRow, size int64) []etWin {
	return refAssign(rows, func(ts int64) [][2]int64 {
		s := floorDiv(ts, size) * size
		return [][2]int64{{s, s + size}}
	})
}

// refHop is HOP(size, slide): every window holding ts.
func refHop(rows []etRow, size, slide int64) []etWin {
	return refAssign(rows, func(ts int64) [][2]int64 {
		var ws [][2]int64
		for s := floorDiv(ts, slide) * slide; s > ts-size; s -= slide {
			ws = append(ws, [2]int64{s, s + size})
		}
		return ws
	})
}

// refCumulate is CUMULATE(step, max).
func refCumulate(rows []etRow, step, maxSize int64) []etWin {
	return refAssign(rows, func(ts int64) [][2]int64 {
		start := floorDiv(ts, maxSize) * maxSize
		var ws [][2]int64
		for e := start + step; e <= start+maxSize; e += step {
			if ts < e {
				ws = append(ws, [2]int64{start, e})
			}
		}
		return ws
	})
}

// byKey groups rows by key, each group sorted by ts (stable: rows with
// equal ts keep their order).
func byKey(rows []etRow) map[string][]etRow {
	m := map[string][]etRow{}
	for _, r := range rows {
		m[r.K] = append(m[r.K], r)
	}
	for _, rs := range m {
		slices.SortStableFunc(rs, func(a, b etRow) int { return cmp.Compare(a.TS, b.TS) })
	}
	return m
}

// refSession is SESSION(gap) per key.
func refSession(rows []etRow, gap int64) []etWin {
	var out []etWin
	for k, rs := range byKey(rows) {
		var cur etWin
		for i, r := range rs {
			if i == 0 || r.TS-rs[i-1].TS >= gap {
				if i > 0 {
					out = append(out, cur)
				}
				cur = etWin{K: k, Start: r.TS}
			}
			cur.add(r.V)
			cur.End = r.TS + gap
		}
		if len(rs) > 0 {
			out = append(out, cur)
		}
	}
	sortWins(out)
	return out
}

// refStagger is WINDOWED BY STAGGER (PARTITION BY k RANGE INTERVAL x).
func refStagger(rows []etRow, x int64) []etWin {
	var out []etWin
	for k, rs := range byKey(rows) {
		var cur etWin
		for i, r := range rs {
			if i == 0 || r.TS >= cur.End {
				if i > 0 {
					out = append(out, cur)
				}
				cur = etWin{K: k, Start: r.TS, End: r.TS + x}
			}
			cur.add(r.V)
		}
		if len(rs) > 0 {
			out = append(out, cur)
		}
	}
	sortWins(out)
	return out
}

// refOverRange is OVER (PARTITION BY k RANGE INTERVAL r PRECEDING).
func refOverRange(rows []etRow, r int64) []etOver {
	keyed := byKey(rows)
	var out []etOver
	for _, row := range rows {
		o := etOver{K: row.K, TS: row.TS, V: row.V}
		for _, q := range keyed[row.K] {
			if q.TS >= row.TS-r && q.TS <= row.TS {
				o.add(q.V)
			}
		}
		out = append(out, o)
	}
	sortOvers(out)
	return out
}

// refOverRows is OVER (PARTITION BY k ROWS n PRECEDING); event times are
// distinct per key in these cases, so ts order is well defined.
func refOverRows(rows []etRow, n int) []etOver {
	var out []etOver
	for k, rs := range byKey(rows) {
		for i, row := range rs {
			o := etOver{K: k, TS: row.TS, V: row.V}
			for _, q := range rs[max(0, i-n) : i+1] {
				o.add(q.V)
			}
			out = append(out, o)
		}
	}
	sortOvers(out)
	return out
}

func sortWins(ws []etWin) {
	slices.SortFunc(ws, func(a, b etWin) int {
		return cmp.Or(cmp.Compare(a.K, b.K), cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End),
			cmp.Compare(a.N, b.N), cmp.Compare(a.Sum, b.Sum), cmp.Compare(a.Min, b.Min), cmp.Compare(a.Max, b.Max))
	})
}

func sortOvers(os []etOver) {
	slices.SortFunc(os, func(a, b etOver) int {
		return cmp.Or(cmp.Compare(a.K, b.K), cmp.Compare(a.TS, b.TS), cmp.Compare(a.V, b.V),
			cmp.Compare(a.N, b.N), cmp.Compare(a.Sum, b.Sum), cmp.Compare(a.Min, b.Min), cmp.Compare(a.Max, b.Max))
	})
}

// TestReferenceLateness checks the lateness rule on hand-made partitions.
func TestReferenceLateness(t *testing.T) {
	t.Parallel()
	r := func(ts int64) etRow { return etRow{K: "a", TS: ts, V: ts} }
	cases := []struct {
		name     string
		parts    [][]etRow
		lateness int64
		late     []int64
	}{
		{"first row of a partition is never late", [][]etRow{{r(100)}, {r(5)}}, 0, nil},
		{"in order is never late", [][]etRow{{r(1), r(1), r(2), r(9)}}, 0, nil},
		{"behind the max by more than L is late", [][]etRow{{r(100), r(94), r(95), r(96)}}, 5, []int64{94}},
		{"exactly L behind is on time", [][]etRow{{r(100), r(95)}}, 5, nil},
		{"L+1 behind is late", [][]etRow{{r(100), r(94)}}, 5, []int64{94}},
		{"late rows still do not lower the max", [][]etRow{{r(100), r(10), r(50), r(99)}}, 0, []int64{10, 50, 99}},
		{"partitions do not see each other", [][]etRow{{r(1000), r(999)}, {r(1), r(2)}}, 0, []int64{999}},
		{"a late row does not raise the max", [][]etRow{{r(50), r(100), r(20), r(96)}}, 5, []int64{20}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			onTime, late := refSplitLate(tc.parts, tc.lateness)
			var got []int64
			for _, l := range late {
				got = append(got, l.TS)
			}
			if !slices.Equal(got, tc.late) {
				t.Errorf("late %v, want %v", got, tc.late)
			}
			total := 0
			for _, p := range tc.parts {
				total += len(p)
			}
			if len(onTime)+len(late) != total {
				t.Errorf("%d on time + %d late, want %d rows", len(onTime), len(late), total)
			}
		})
	}
}

// TestReferenceWindows checks every window form of the reference on tiny
// inputs whose results were worked out by hand.
func TestReferenceWindows(t *testing.T) {
	t.Parallel()
	rows := []etRow{{"a", 1000, 1}, {"a", 3000, 2}, {"b", 4000, 3}, {"a", 11000, 4}, {"a", 12000, 5}, {"b", 12000, 6}, {"a", 30000, 7}}
	w := func(k string, s, e, n, sum, mn, mx int64) etWin {
		return etWin{K: k, Start: s, End: e, etAgg: etAgg{N: n, Sum: sum, Min: mn, Max: mx}}
	}
	cases := []struct {
		name string
		got  []etWin
		want []etWin
	}{
		{"tumble 10s", refTumble(rows, 10000), []etWin{
			w("a", 0, 10000, 2, 3, 1, 2), w("a", 10000, 20000, 2, 9, 4, 5), w("a", 30000, 40000, 1, 7, 7, 7),
			w("b", 0, 10000, 1, 3, 3, 3), w("b", 10000, 20000, 1, 6, 6, 6)}},
		{"tumble at a boundary", refTumble([]etRow{{"a", 9999, 1}, {"a", 10000, 2}}, 10000), []etWin{
			w("a", 0, 10000, 1, 1, 1, 1), w("a", 10000, 20000, 1, 2, 2, 2)}},
		{"hop 10s slide 5s", refHop(rows[:3], 10000, 5000), []etWin{
			w("a", -5000, 5000, 2, 3, 1, 2), w("a", 0, 10000, 2, 3, 1, 2),
			w("b", -5000, 5000, 1, 3, 3, 3), w("b", 0, 10000, 1, 3, 3, 3)}},
		{"hop boundaries", refHop([]etRow{{"a", 5000, 1}}, 10000, 5000), []etWin{
			w("a", 0, 10000, 1, 1, 1, 1), w("a", 5000, 15000, 1, 1, 1, 1)}},
		{"hop with gaps (slide > size)", refHop([]etRow{{"a", 1000, 1}, {"a", 4000, 2}}, 3000, 5000), []etWin{
			w("a", 0, 3000, 1, 1, 1, 1)}},
		{"cumulate 5s up to 20s", refCumulate([]etRow{{"a", 1000, 1}, {"a", 7000, 2}, {"a", 19999, 3}, {"a", 20000, 4}}, 5000, 20000), []etWin{
			w("a", 0, 5000, 1, 1, 1, 1), w("a", 0, 10000, 2, 3, 1, 2), w("a", 0, 15000, 2, 3, 1, 2), w("a", 0, 20000, 3, 6, 1, 3),
			w("a", 20000, 25000, 1, 4, 4, 4), w("a", 20000, 30000, 1, 4, 4, 4), w("a", 20000, 35000, 1, 4, 4, 4), w("a", 20000, 40000, 1, 4, 4, 4)}},
		{"session 5s", refSession(rows, 5000), []etWin{
			w("a", 1000, 8000, 2, 3, 1, 2), w("a", 11000, 17000, 2, 9, 4, 5), w("a", 30000, 35000, 1, 7, 7, 7),
			w("b", 4000, 9000, 1, 3, 3, 3), w("b", 12000, 17000, 1, 6, 6, 6)}},
		{"session: exactly gap apart starts a new one, out of order input", refSession([]etRow{{"a", 5000, 2}, {"a", 0, 1}, {"a", 9999, 3}}, 5000), []etWin{
			w("a", 0, 5000, 1, 1, 1, 1), w("a", 5000, 14999, 2, 5, 2, 3)}},
		{"stagger 1 minute", refStagger([]etRow{{"A", 20000, 10}, {"A", 30000, 20}, {"B", 45000, 1}, {"A", 70000, 30}, {"A", 85000, 40}, {"B", 110000, 2}}, 60000), []etWin{
			w("A", 20000, 80000, 3, 60, 10, 30), w("A", 85000, 145000, 1, 40, 40, 40),
			w("B", 45000, 105000, 1, 1, 1, 1), w("B", 110000, 170000, 1, 2, 2, 2)}},
		{"stagger: out of order rows of one key form one window", refStagger([]etRow{{"k", 3000, 1}, {"k", 1000, 2}, {"k", 2000, 3}}, 10000), []etWin{
			w("k", 1000, 11000, 3, 6, 1, 3)}},
		{"stagger: a row at t0+x opens the next window", refStagger([]etRow{{"k", 0, 1}, {"k", 10000, 2}}, 10000), []etWin{
			w("k", 0, 10000, 1, 1, 1, 1), w("k", 10000, 20000, 1, 2, 2, 2)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sortWins(tc.want)
			if !slices.Equal(tc.got, tc.want) {
				t.Errorf("got\n%v\nwant\n%v", tc.got, tc.want)
			}
		})
	}
}

// TestReferenceOver checks the OVER forms of the reference by hand.
func TestReferenceOver(t *testing.T) {
	t.Parallel()
	o := func(k string, ts, v, n, sum, mn, mx int64) etOver {
		return etOver{K: k, TS: ts, V: v, etAgg: etAgg{N: n, Sum: sum, Min: mn, Max: mx}}
	}
	rows := []etRow{{"a", 0, 1}, {"a", 5000, 2}, {"b", 6000, 9}, {"a", 10000, 3}, {"a", 10000, 4}, {"a", 16000, 5}}
	cases := []struct {
		name string
		got  []etOver
		want []etOver
	}{
		{"range 5s includes the bound and peers", refOverRange(rows, 5000), []etOver{
			o("a", 0, 1, 1, 1, 1, 1), o("a", 5000, 2, 2, 3, 1, 2), o("b", 6000, 9, 1, 9, 9, 9),
			o("a", 10000, 3, 3, 9, 2, 4), o("a", 10000, 4, 3, 9, 2, 4), o("a", 16000, 5, 1, 5, 5, 5)}},
		{"range over out of order rows", refOverRange([]etRow{{"a", 5000, 2}, {"a", 0, 1}}, 5000), []etOver{
			o("a", 0, 1, 1, 1, 1, 1), o("a", 5000, 2, 2, 3, 1, 2)}},
		{"rows 1 preceding in ts order", refOverRows([]etRow{{"a", 3000, 3}, {"a", 1000, 1}, {"a", 2000, 2}, {"b", 1500, 7}}, 1), []etOver{
			o("a", 1000, 1, 1, 1, 1, 1), o("a", 2000, 2, 2, 3, 1, 2), o("a", 3000, 3, 2, 5, 2, 3), o("b", 1500, 7, 1, 7, 7, 7)}},
		{"rows 2 preceding", refOverRows([]etRow{{"a", 1, 1}, {"a", 2, 2}, {"a", 3, 3}, {"a", 4, 4}}, 2), []etOver{
			o("a", 1, 1, 1, 1, 1, 1), o("a", 2, 2, 2, 3, 1, 2), o("a", 3, 3, 3, 6, 1, 3), o("a", 4, 4, 3, 9, 2, 4)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sortOvers(tc.want)
			if !slices.Equal(tc.got, tc.want) {
				t.Errorf("got\n%v\nwant\n%v", tc.got, tc.want)
			}
		})
	}
}
