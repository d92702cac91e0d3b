package window_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// pbatch is one batch of a partSource: its origin, its rows as JSON and
// the partitions as they stand after it.
type pbatch struct {
	origin exec.Origin
	rows   string
	parts  []exec.Partition
	clock  time.Duration // the clock moves on by this much before the batch
}

// partSource replays batches from several origins and reports their
// partitions; it ends with end (io.EOF when nil).
type partSource struct {
	mem     memory.Allocator
	batches []pbatch
	i       int
	end     error
	now     time.Time
}

func (s *partSource) Schema() *arrow.Schema { return bidSchema }
func (s *partSource) Next(context.Context) (arrow.RecordBatch, error) {
	if s.i >= len(s.batches) {
		if s.end != nil {
			return nil, s.end
		}
		return nil, io.EOF
	}
	s.now = s.now.Add(s.batches[s.i].clock)
	rows := s.batches[s.i].rows
	if rows == "" {
		rows = "[]"
	}
	b, _, err := array.RecordFromJSON(s.mem, bidSchema, strings.NewReader(rows))
	s.i++
	return b, err
}
func (s *partSource) Close() error                 { return nil }
func (s *partSource) Origin() exec.Origin          { return s.batches[s.i-1].origin }
func (s *partSource) Partitions() []exec.Partition { return s.batches[s.i-1].parts }
func (s *partSource) clock() time.Time             { return s.now }

func live(o exec.Origin) exec.Partition {
	return exec.Partition{Origin: o, Watermark: exec.NoWatermark, MaxTime: -1, Lag: -1}
}
func idle(o exec.Origin) exec.Partition { p := live(o); p.Idle = true; return p }

// rowsJSON renders rows of key k at the given times, v = 1.
func rowsJSON(k string, ts ...int64) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf(`{"k":%q,"v":1,"ROWTIME":%d}`, k, t))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// runGroupBy runs a group-by with keys k, COUNT over src to its end and
// returns the rows of each Next and the operator (not closed: the caller
// closes it). A Next error other than io.EOF ends the run and is returned.
func runGroupBy(t *testing.T, src exec.Operator, cfg window.Config) ([][]string, exec.Operator, error) {
	t.Helper()
	cfg.Keys = []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
	cfg.KeyNames = []string{"k"}
	if cfg.Aggs == nil {
		cfg.Aggs = []exec.AggSpec{{Func: "COUNT", Name: "n"}}
	}
	op, err := window.NewGroupBy(src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for {
		b, err := op.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out, op, nil
		}
		if err != nil {
			return out, op, err
		}
		out = append(out, rowStrings(b))
		b.Release()
	}
}

func assigners(t *testing.T) map[string]window.Assigner {
	t.Helper()
	m := map[string]window.Assigner{}
	var err error
	if m["tumbling"], err = window.Tumbling(10*time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	if m["hopping"], err = window.Hopping(10*time.Millisecond, 5*time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	if m["cumulate"], err = window.Cumulate(5*time.Millisecond, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if m["session"], err = window.Session(4 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if m["stagger"], err = window.Stagger(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return m
}

// The same rows give the same output (and the same late rows) whatever the
// batch boundaries: lateness is decided row by row, per origin.
func TestGroupByBatchBoundaryIndependence(t *testing.T) {
	t.Parallel()
	// Two origins interleaved, with disorder within the lateness and rows
	// beyond it.
	type row struct {
		o  exec.Origin
		k  string
		ts int64
	}
	r := rand.New(rand.NewPCG(3, 9))
	var rows []row
	clock := [3]int64{0, 0, 40}
	for range 300 {
		o := exec.Origin(1 + r.IntN(2))
		clock[o] += int64(r.IntN(4))
		ts := clock[o]
		if r.IntN(6) == 0 {
			ts -= int64(r.IntN(12)) // some within the lateness of 6ms, some beyond
		}
		rows = append(rows, row{o, fmt.Sprintf("k%d", r.IntN(3)), ts})
	}
	for name, a := range assigners(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var want []string
			var wantLate int64
			for _, size := range []int{len(rows), 1, 7} {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				src := &partSource{mem: mem}
				parts := []exec.Partition{live(1), live(2)}
				// Batches hold rows of one origin: cut at size or where the
				// origin changes.
				for lo := 0; lo < len(rows); {
					hi := lo
					var js []string
					for hi < len(rows) && hi-lo < size && rows[hi].o == rows[lo].o {
						js = append(js, strings.Trim(rowsJSON(rows[hi].k, rows[hi].ts), "[]"))
						hi++
					}
					src.batches = append(src.batches, pbatch{origin: rows[lo].o, rows: "[" + strings.Join(js, ",") + "]", parts: parts})
					lo = hi
				}
				out, op, err := runGroupBy(t, src, window.Config{Assigner: a, Lateness: 6 * time.Millisecond, Late: window.LateCount, Alloc: mem})
				if err != nil {
					t.Fatal(err)
				}
				got := flat(out)
				slices.Sort(got)
				late := op.(window.LateCounter).LateRows()
				if up := op.(window.UpdateCounter).Updates(); up != 0 {
					t.Errorf("batches of %d: %d updates, want none (no partition was idle)", size, up)
				}
				op.Close()
				mem.AssertSize(t, 0)
				if want == nil {
					want, wantLate = got, late
					if late == 0 || len(got) == 0 {
						t.Fatalf("the rows have %d late rows and %d output rows: the case checks nothing", late, len(got))
					}
					continue
				}
				if late != wantLate || strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("batches of %d: %d late, output\n%s\nwant %d late, output\n%s", size, late, strings.Join(got, "\n"), wantLate, strings.Join(want, "\n"))
				}
			}
		})
	}
}

func TestGroupByPartitions(t *testing.T) {
	t.Parallel()
	a, err := window.Tumbling(10*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		batches []pbatch
		want    [][]string // k|start|end|n|ROWTIME per Next
		late    int64
	}{
		{
			name: "a partition far ahead does not make the other's rows late",
			batches: []pbatch{
				{origin: 1, rows: rowsJSON("a", 1000, 1005), parts: []exec.Partition{live(1), live(2)}},
				{origin: 2, rows: rowsJSON("b", 3, 7), parts: []exec.Partition{live(1), live(2)}},
				{origin: 2, rows: rowsJSON("b", 12), parts: []exec.Partition{live(1), live(2)}},
				{origin: 1, rows: rowsJSON("a", 1010), parts: []exec.Partition{live(1), live(2)}},
			},
			want: [][]string{{}, {}, {"b|0|10|2|10"}, {}, {"b|10|20|1|20", "a|1000|1010|2|1010", "a|1010|1020|1|1020"}},
		},
		{
			name: "a partition that never delivered holds windows open until it is idle",
			batches: []pbatch{
				{origin: 1, rows: rowsJSON("a", 1, 25), parts: []exec.Partition{live(1), live(2)}},
				{origin: 1, rows: rowsJSON("a", 26), parts: []exec.Partition{live(1), live(2)}},
				{origin: 1, rows: "[]", parts: []exec.Partition{live(1), idle(2)}},
			},
			want: [][]string{{}, {}, {"a|0|10|1|10"}, {"a|20|30|2|30"}},
		},
		{
			name: "a partition that never delivered holds windows open until it delivers",
			batches: []pbatch{
				{origin: 1, rows: rowsJSON("a", 1, 25), parts: []exec.Partition{live(1), live(2)}},
				{origin: 2, rows: rowsJSON("b", 16), parts: []exec.Partition{live(1), live(2)}},
			},
			want: [][]string{{}, {"a|0|10|1|10"}, {"b|10|20|1|20", "a|20|30|1|30"}},
		},
		{
			name: "a done partition does not hold",
			batches: []pbatch{
				{origin: 1, rows: rowsJSON("a", 1, 25), parts: []exec.Partition{live(1), {Origin: 2, Done: true, Watermark: exec.NoWatermark}}},
			},
			want: [][]string{{"a|0|10|1|10"}, {"a|20|30|1|30"}},
		},
		{
			name: "lateness is per origin",
			batches: []pbatch{
				{origin: 1, rows: rowsJSON("a", 50), parts: []exec.Partition{live(1), live(2)}},
				{origin: 2, rows: rowsJSON("b", 20, 2), parts: []exec.Partition{live(1), live(2)}},
			},
			want: [][]string{{}, {}, {"b|20|30|1|30", "a|50|60|1|60"}},
			late: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			sink := &errs{}
			out, op, err := runGroupBy(t, &partSource{mem: mem, batches: tc.batches}, window.Config{Assigner: a, Errors: sink, Alloc: mem})
			defer op.Close()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(out) != fmt.Sprint(tc.want) {
				t.Errorf("output\n got %v\nwant %v", out, tc.want)
			}
			if got := op.(window.LateCounter).LateRows(); got != tc.late || int64(len(sink.recs)) != tc.late {
				t.Errorf("late rows %d (%d reported), want %d", got, len(sink.recs), tc.late)
			}
			for _, r := range sink.recs {
				if !strings.Contains(r.Message, "partition's watermark") {
					t.Errorf("late row message %q does not name the partition rule", r.Message)
				}
			}
		})
	}
}

// A window closed by the idle clock is emitted again, in full, when an
// on-time row reaches it afterwards.
func TestGroupByIdleCloseThenOnTimeRow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		want    [][]string
		updates int64
	}{
		{name: "tumbling", want: [][]string{{}, {"a|0|10|1|10"}, {"a|0|10|2|10"}, {}}, updates: 1},
		{name: "hopping", want: [][]string{{}, {"a|0|10|1|10", "a|5|15|1|15"}, {"a|0|10|2|10", "a|5|15|2|15"}, {}}, updates: 2},
		{name: "session", want: [][]string{{}, {"a|5|9|1|9"}, {"a|5|12|2|12"}, {}}, updates: 1},
		{name: "stagger", want: [][]string{{}, {"a|5|15|1|15"}, {"a|5|15|2|15"}, {}}, updates: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src := &partSource{mem: mem, now: time.Unix(1000, 0), batches: []pbatch{
				{origin: 1, rows: rowsJSON("a", 5), parts: []exec.Partition{live(1)}},
				{origin: 1, clock: time.Second, parts: []exec.Partition{idle(1)}},
				{origin: 1, rows: rowsJSON("a", 8), parts: []exec.Partition{live(1)}},
			}}
			out, op, err := runGroupBy(t, src, window.Config{Assigner: assigners(t)[tc.name], Alloc: mem, Clock: src.clock})
			defer op.Close()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(out) != fmt.Sprint(tc.want) {
				t.Errorf("output\n got %v\nwant %v", out, tc.want)
			}
			if got := op.(window.UpdateCounter).Updates(); got != tc.updates {
				t.Errorf("updates = %d, want %d", got, tc.updates)
			}
			if n := op.(window.LateCounter).LateRows(); n != 0 {
				t.Errorf("late rows = %d, want 0", n)
			}
		})
	}
}

// The retention floor bounds how long a stale idle partition keeps fired
// windows: their state is freed, and the partition's next rows behind the
// floor are late for that reason.
func TestGroupByRetentionFloor(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a, err := window.Tumbling(time.Second, 0)
	if err != nil {
		t.Fatal(err)
	}
	two := []exec.Partition{live(1), live(2)}
	src := &partSource{mem: mem, batches: []pbatch{
		{origin: 1, rows: rowsJSON("a", 0), parts: two},
		{origin: 2, rows: rowsJSON("b", 5000), parts: []exec.Partition{idle(1), live(2)}},
		{origin: 2, rows: rowsJSON("b", 200000), parts: []exec.Partition{idle(1), live(2)}},
		{origin: 1, rows: rowsJSON("a", 500), parts: two},
	}}
	sink := &errs{}
	op, err := window.NewGroupBy(src, window.Config{
		Keys: []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}, Aggs: []exec.AggSpec{{Func: "COUNT", Name: "n"}},
		Assigner: a, Retention: time.Minute, Errors: sink, Alloc: mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	sc := op.(window.StateCounter)
	steps := []struct {
		rows  []string
		live  int
		floor bool // the step's watermark is the emission watermark
	}{
		{rows: nil, live: 1},
		// a's window fired (partition 1 is idle) but is kept: the data
		// watermark of partition 1 holds the floor.
		{rows: []string{"a|0|1000|1|1000"}, live: 2},
		// b ran a minute beyond: the floor passes a's window, freeing it.
		{rows: []string{"b|5000|6000|1|6000"}, live: 1},
		// a's row is on time in its partition but behind the floor.
		{rows: nil, live: 1},
	}
	for i, st := range steps {
		b, err := op.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := rowStrings(b)
		b.Release()
		if fmt.Sprint(got) != fmt.Sprint(st.rows) {
			t.Errorf("step %d: rows %v, want %v", i, got, st.rows)
		}
		if n := sc.LiveGroups(); n != st.live {
			t.Errorf("step %d: live groups %d, want %d", i, n, st.live)
		}
		p := op.(exec.Partitioned).Partitions()
		if len(p) != 1 || p[0].Watermark != op.(exec.Watermarker).Watermark() {
			t.Errorf("step %d: partitions %+v, want one with watermark %d", i, p, op.(exec.Watermarker).Watermark())
		}
	}
	if len(sink.recs) != 1 || !strings.Contains(sink.recs[0].Message, "retention floor") || sink.recs[0].DataRowtime != 500 {
		t.Fatalf("late records %+v, want one for the row at 500 behind the retention floor", sink.recs)
	}
}

// Three rows of a key out of order within the lateness form one stagger
// window.
func TestGroupByStaggerOutOfOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ts   []int64
		want []string
	}{
		{name: "out of order rows share one window", ts: []int64{5, 3, 4}, want: []string{"a|3|13|3|13"}},
		{name: "a later row does not hold an earlier window open", ts: []int64{5, 14, 3, 4}, want: []string{"a|3|13|3|13", "a|14|24|1|24"}},
		{name: "rows after the end open the next window", ts: []int64{5, 3, 13, 14}, want: []string{"a|3|13|2|13", "a|13|23|2|23"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			for _, size := range []int{1, len(tc.ts)} {
				src := &partSource{mem: mem}
				for lo := 0; lo < len(tc.ts); lo += size {
					src.batches = append(src.batches, pbatch{origin: 1, rows: rowsJSON("a", tc.ts[lo:min(lo+size, len(tc.ts))]...), parts: []exec.Partition{live(1)}})
				}
				out, op, err := runGroupBy(t, src, window.Config{Assigner: assigners(t)["stagger"], Lateness: 20 * time.Millisecond, Alloc: mem})
				op.Close()
				if err != nil {
					t.Fatal(err)
				}
				if got := flat(out); fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("batches of %d: got %v, want %v", size, got, tc.want)
				}
			}
		})
	}
}

// Stopping keeps the open windows: a snapshot taken then restores into an
// operator that continues to the output of an uninterrupted run.
func TestGroupByStopKeepsStateForRestore(t *testing.T) {
	t.Parallel()
	var batches []pbatch
	r := rand.New(rand.NewPCG(5, 5))
	ts := int64(0)
	for range 40 {
		var rows []string
		for range 1 + r.IntN(4) {
			ts += int64(r.IntN(5))
			rows = append(rows, strings.Trim(rowsJSON(fmt.Sprintf("k%d", r.IntN(3)), ts-int64(r.IntN(4))), "[]"))
		}
		batches = append(batches, pbatch{origin: 1, rows: "[" + strings.Join(rows, ",") + "]", parts: []exec.Partition{live(1)}})
	}
	for name, a := range assigners(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			cfg := window.Config{Assigner: a, Lateness: 3 * time.Millisecond, Alloc: mem}
			full, op, err := runGroupBy(t, &partSource{mem: mem, batches: batches}, cfg)
			op.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, cut := range []int{1, 17, 33} {
				first, op, err := runGroupBy(t, &partSource{mem: mem, batches: batches[:cut], end: exec.ErrStopped}, cfg)
				if !errors.Is(err, exec.ErrStopped) {
					t.Fatalf("cut %d: run ended with %v, want ErrStopped", cut, err)
				}
				if _, err := op.Next(context.Background()); !errors.Is(err, exec.ErrStopped) {
					t.Errorf("cut %d: Next after the stop = %v, want ErrStopped", cut, err)
				}
				if wm := op.(exec.Watermarker).Watermark(); wm == 1<<63-1 {
					t.Errorf("cut %d: the stop moved the watermark to the end of time", cut)
				}
				if op.(window.StateCounter).LiveGroups() == 0 {
					t.Errorf("cut %d: no open window kept", cut)
				}
				var snap bytes.Buffer
				if err := op.(exec.Snapshotter).Snapshot(&snap); err != nil {
					t.Fatal(err)
				}
				op.Close()
				// The next run goes on from the snapshot.
				rest := &partSource{mem: mem, batches: batches, i: cut}
				c := cfg
				c.Keys = []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
				c.KeyNames = []string{"k"}
				c.Aggs = []exec.AggSpec{{Func: "COUNT", Name: "n"}}
				op2, err := window.NewGroupBy(rest, c)
				if err != nil {
					t.Fatal(err)
				}
				if err := op2.(exec.Snapshotter).Restore(&snap); err != nil {
					t.Fatal(err)
				}
				second := drain(t, op2)
				op2.Close()
				got := append(append([][]string{}, first...), second...)
				if fmt.Sprint(got) != fmt.Sprint(full) {
					t.Errorf("cut %d: stop, snapshot and restore gave\n%v\nwant\n%v", cut, got, full)
				}
			}
		})
	}
}

// Drain emits the open windows when the input stops: as partial rows when
// the output has is_partial, else as final rows.
func TestGroupByDrain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		emit window.EmitPolicy
		want [][]string
	}{
		{name: "as partial rows", emit: window.EmitPolicy{Every: time.Hour},
			want: [][]string{{}, {"a|0|10|1|false|10"}, {"b|10|20|1|false|20"}, {"a|20|30|1|true|30"}}},
		{name: "as final rows", want: [][]string{{}, {"a|0|10|1|10"}, {"b|10|20|1|20"}, {"a|20|30|1|30"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src := &partSource{mem: mem, end: exec.ErrStopped, batches: []pbatch{
				{origin: 1, rows: rowsJSON("a", 1), parts: []exec.Partition{live(1)}},
				{origin: 1, rows: rowsJSON("b", 15), parts: []exec.Partition{live(1)}},
				{origin: 1, rows: rowsJSON("a", 21), parts: []exec.Partition{live(1)}},
			}}
			out, op, err := runGroupBy(t, src, window.Config{Assigner: assigners(t)["tumbling"], Drain: true, Emit: tc.emit, Alloc: mem})
			defer op.Close()
			if !errors.Is(err, exec.ErrStopped) {
				t.Fatalf("run ended with %v, want ErrStopped", err)
			}
			if n := op.(window.StateCounter).LiveGroups(); n != 1 {
				t.Errorf("live groups after the drain = %d, want 1: draining keeps the state", n)
			}
			// The first Next emits nothing: the first batch closes no window.
			out = out[1:]
			if fmt.Sprint(out) != fmt.Sprint(tc.want[1:]) {
				t.Errorf("output\n got %v\nwant %v", out, tc.want[1:])
			}
		})
	}
}

// A row on time in its partition that bridges two sessions the idle clock
// closed merges them: the merged session is emitted again.
func TestGroupBySessionBridgesFiredSessions(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	gap, err := window.Session(5 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	src := &partSource{mem: mem, now: time.Unix(1000, 0), batches: []pbatch{
		{origin: 1, rows: rowsJSON("a", 0, 8), parts: []exec.Partition{live(1)}},
		{origin: 1, clock: time.Second, parts: []exec.Partition{idle(1)}},
		{origin: 1, rows: rowsJSON("a", 4), parts: []exec.Partition{live(1)}},
	}}
	out, op, err := runGroupBy(t, src, window.Config{Assigner: gap, Lateness: 20 * time.Millisecond, Alloc: mem, Clock: src.clock})
	defer op.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{}, {"a|0|5|1|5", "a|8|13|1|13"}, {"a|0|13|3|13"}, {}}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("output\n got %v\nwant %v", out, want)
	}
	if n := op.(window.UpdateCounter).Updates(); n != 1 {
		t.Errorf("updates = %d, want 1", n)
	}
}

// A group-by over another's output follows its emission watermark (its one
// partition's explicit watermark on ROWTIME), not only the window ends it
// has seen.
func TestGroupByOutputCarriesItsWatermark(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := &partSource{mem: mem, batches: []pbatch{
		{origin: 1, rows: rowsJSON("a", 1, 2), parts: []exec.Partition{live(1)}},
		{origin: 1, rows: rowsJSON("a", 35), parts: []exec.Partition{live(1)}},
		{origin: 1, rows: rowsJSON("a", 99), parts: []exec.Partition{live(1)}},
	}}
	inner, err := window.NewGroupBy(src, window.Config{
		Keys: []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}, KeyNames: []string{"k"},
		Aggs:     []exec.AggSpec{{Func: "SUM", Arg: col{1, arrow.PrimitiveTypes.Int64, "v"}, Name: "v"}},
		Assigner: assigners(t)["tumbling"], Alloc: mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The inner output's key, window_start, window_end, v, ROWTIME: k is
	// column 0 and v column 3 of it.
	outer, err := window.NewGroupBy(inner, window.Config{
		Keys: []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}, KeyNames: []string{"k"},
		Aggs:     []exec.AggSpec{{Func: "SUM", Arg: col{3, arrow.PrimitiveTypes.Int64, "v"}, Name: "v"}},
		Assigner: assigners(t)["stagger"], Lateness: time.Hour, Alloc: mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer outer.Close()
	var wms []int64
	for {
		b, err := outer.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b.Release()
		wms = append(wms, outer.(exec.Watermarker).Watermark())
	}
	// With an hour of lateness the outer window's own rows hold nothing:
	// only the inner watermark (1, 34, 98, then the end of time with the
	// inner's last batch) moves it.
	const end = 1<<63 - 1
	if want := []int64{1, 34, 98, end, end}; fmt.Sprint(wms) != fmt.Sprint(want) {
		t.Fatalf("outer watermarks %v, want %v", wms, want)
	}
}
