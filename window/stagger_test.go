package window_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// srow is one input row of a stagger test: origin, key, event time.
type srow struct {
	o  exec.Origin
	k  string
	ts int64
}

// staggerBatches cuts rows into single-origin batches of at most size rows
// (a batch ends where the origin changes); every origin is live.
func staggerBatches(rows []srow, size int, origins ...exec.Origin) []pbatch {
	var parts []exec.Partition
	for _, o := range origins {
		parts = append(parts, live(o))
	}
	var out []pbatch
	for lo := 0; lo < len(rows); {
		hi := lo
		var js []string
		for hi < len(rows) && hi-lo < size && rows[hi].o == rows[lo].o {
			js = append(js, strings.Trim(rowsJSON(rows[hi].k, rows[hi].ts), "[]"))
			hi++
		}
		out = append(out, pbatch{origin: rows[lo].o, rows: "[" + strings.Join(js, ",") + "]", parts: parts})
		lo = hi
	}
	return out
}

// refStaggerRows is the rule, written without the engine: drop the rows at
// or below their origin's largest earlier time minus the lateness, minus
// 1ms; per key, sort the rest by time; a window starts at the first row t0
// and holds the rows before t0+size; the next starts at the first row at or
// after t0+size. It returns the windows as k|start|end|count|end, sorted,
// and the number of late rows.
func refStaggerRows(rows []srow, size, lateness int64) ([]string, int) {
	maxes := map[exec.Origin]int64{}
	byKey := map[string][]int64{}
	late := 0
	for _, r := range rows {
		if m, ok := maxes[r.o]; ok && r.ts <= m-lateness-1 {
			late++
			continue
		}
		if m, ok := maxes[r.o]; !ok || r.ts > m {
			maxes[r.o] = r.ts
		}
		byKey[r.k] = append(byKey[r.k], r.ts)
	}
	var out []string
	for k, ts := range byKey {
		slices.Sort(ts)
		for i := 0; i < len(ts); {
			j := i
			for j < len(ts) && ts[j] < ts[i]+size {
				j++
			}
			out = append(out, fmt.Sprintf("%s|%d|%d|%d|%d", k, ts[i], ts[i]+size, j-i, ts[i]+size))
			i = j
		}
	}
	slices.Sort(out)
	return out, late
}

// Rows of two origins interleaved, where a later window's rows arrive
// before an earlier window's (the differential harness's seed 23): the
// windows are those of the rows sorted by time, whatever the batch sizes.
func TestStaggerInterleavedOrigins(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rows []srow
		want []string
		late int64
	}{
		{
			name: "a window the other origin opened first is not the key's first",
			rows: []srow{{1, "a", 12}, {1, "a", 21}, {2, "a", 9}},
			want: []string{"a|21|31|1|31", "a|9|19|2|19"},
		},
		{
			name: "the first window ends where a later row of the other origin opens the next",
			rows: []srow{{1, "a", 12}, {1, "a", 19}, {1, "a", 25}, {2, "a", 9}, {2, "a", 18}},
			want: []string{"a|19|29|2|29", "a|9|19|3|19"},
		},
		{
			name: "a lagging origin's earlier rows start the window the other origin's rows fall in",
			rows: []srow{{1, "a", 12}, {1, "a", 15}, {2, "a", 9}, {2, "a", 11}, {2, "a", 20}},
			want: []string{"a|20|30|1|30", "a|9|19|4|19"},
		},
		{
			name: "several windows of two keys behind the other origin",
			rows: []srow{{1, "a", 100}, {1, "a", 105}, {1, "b", 101}, {2, "a", 50}, {2, "a", 58}, {2, "a", 61}, {2, "b", 95}, {1, "a", 112}},
			want: []string{"a|100|110|2|110", "a|112|122|1|122", "a|50|60|2|60", "a|61|71|1|71", "b|95|105|2|105"},
		},
		{
			name: "a row at t0+range from the other origin opens the next window",
			rows: []srow{{1, "a", 10}, {2, "a", 0}, {2, "a", 9}},
			want: []string{"a|0|10|2|10", "a|10|20|1|20"},
		},
		{
			name: "a row late in its own origin counts in no window",
			rows: []srow{{1, "a", 50}, {1, "a", 20}, {2, "a", 25}},
			want: []string{"a|25|35|1|35", "a|50|60|1|60"},
			late: 1,
		},
		{
			name: "out of order rows of both origins within the lateness",
			rows: []srow{{1, "a", 30}, {2, "a", 25}, {1, "a", 22}, {2, "a", 33}, {1, "a", 21}, {2, "a", 40}, {1, "a", 31}},
			want: []string{"a|21|31|4|31", "a|31|41|3|41"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref, refLate := refStaggerRows(tc.rows, 10, 20)
			if fmt.Sprint(ref) != fmt.Sprint(tc.want) || int64(refLate) != tc.late {
				t.Fatalf("the case disagrees with the rule: reference %v (%d late)", ref, refLate)
			}
			for _, size := range []int{1, 7, len(tc.rows)} {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				src := &partSource{mem: mem, batches: staggerBatches(tc.rows, size, 1, 2)}
				out, op, err := runGroupBy(t, src, window.Config{Assigner: assigners(t)["stagger"], Lateness: 20 * time.Millisecond, Late: window.LateCount, Alloc: mem})
				if err != nil {
					t.Fatal(err)
				}
				got := flat(out)
				slices.Sort(got)
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("batches of %d: got %v, want %v", size, got, tc.want)
				}
				if n := op.(window.LateCounter).LateRows(); n != tc.late {
					t.Errorf("batches of %d: %d late rows, want %d", size, n, tc.late)
				}
				if n := op.(window.UpdateCounter).Updates(); n != 0 {
					t.Errorf("batches of %d: %d updates, want none", size, n)
				}
				op.Close()
				mem.AssertSize(t, 0)
			}
		})
	}
}

// staggerStream is a seeded stream of two skewed origins with disorder
// within the lateness (50ms) and rows beyond it.
func staggerStream(seed uint64, n int) []srow {
	r := rand.New(rand.NewPCG(seed, 23))
	clock := [3]int64{0, 0, 200}
	var rows []srow
	for range n {
		o := exec.Origin(1 + r.IntN(2))
		clock[o] += int64(r.IntN(6))
		ts := clock[o]
		if r.IntN(5) == 0 {
			ts -= int64(r.IntN(80))
		}
		rows = append(rows, srow{o, fmt.Sprintf("k%d", r.IntN(4)), ts})
	}
	return rows
}

// Batches of 1, 7 and all the rows give the reference's windows for seeded
// streams of two skewed, disordered origins.
func TestStaggerMatchesReference(t *testing.T) {
	t.Parallel()
	a, err := window.Stagger(20 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rows := staggerStream(seed, 400)
			want, wantLate := refStaggerRows(rows, 20, 50)
			if wantLate == 0 || len(want) < 20 {
				t.Fatalf("%d late rows and %d windows: the stream checks little", wantLate, len(want))
			}
			for _, size := range []int{1, 7, len(rows)} {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				src := &partSource{mem: mem, batches: staggerBatches(rows, size, 1, 2)}
				out, op, err := runGroupBy(t, src, window.Config{Assigner: a, Lateness: 50 * time.Millisecond, Late: window.LateCount, Alloc: mem})
				if err != nil {
					t.Fatal(err)
				}
				got := flat(out)
				slices.Sort(got)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("batches of %d: got\n%s\nwant\n%s", size, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if n := op.(window.LateCounter).LateRows(); n != int64(wantLate) {
					t.Errorf("batches of %d: %d late rows, want %d", size, n, wantLate)
				}
				// Windows come out in ROWTIME order.
				if !slices.IsSortedFunc(flat(out), func(x, y string) int { return cmp.Compare(rowtimeOf(t, x), rowtimeOf(t, y)) }) {
					t.Errorf("batches of %d: output not in ROWTIME order: %v", size, flat(out))
				}
				op.Close()
				mem.AssertSize(t, 0)
			}
		})
	}
}

func rowtimeOf(t *testing.T, row string) int64 {
	t.Helper()
	var v int64
	if _, err := fmt.Sscan(row[strings.LastIndexByte(row, '|')+1:], &v); err != nil {
		t.Fatalf("row %q: %v", row, err)
	}
	return v
}

// Stopping with pending rows and windows open, then restoring a snapshot,
// continues to the output of an uninterrupted run, at every cut.
func TestStaggerStopSnapshotRestore(t *testing.T) {
	t.Parallel()
	a, err := window.Stagger(20 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	rows := staggerStream(99, 150)
	batches := staggerBatches(rows, 7, 1, 2)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cfg := window.Config{Assigner: a, Lateness: 50 * time.Millisecond, Late: window.LateCount, Alloc: mem}
	full, op, err := runGroupBy(t, &partSource{mem: mem, batches: batches}, cfg)
	op.Close()
	if err != nil {
		t.Fatal(err)
	}
	withPending := 0
	for cut := 1; cut < len(batches); cut += 3 {
		first, op, err := runGroupBy(t, &partSource{mem: mem, batches: batches[:cut], end: exec.ErrStopped}, cfg)
		if !errors.Is(err, exec.ErrStopped) {
			t.Fatalf("cut %d: run ended with %v, want ErrStopped", cut, err)
		}
		if window.PendingRows(op) > 0 {
			withPending++
		}
		var snap bytes.Buffer
		if err := op.(exec.Snapshotter).Snapshot(&snap); err != nil {
			t.Fatal(err)
		}
		op.Close()
		c := cfg
		c.Keys = []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
		c.KeyNames = []string{"k"}
		c.Aggs = []exec.AggSpec{{Func: "COUNT", Name: "n"}}
		op2, err := window.NewGroupBy(&partSource{mem: mem, batches: batches, i: cut}, c)
		if err != nil {
			t.Fatal(err)
		}
		if err := op2.(exec.Snapshotter).Restore(&snap); err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		second := drain(t, op2)
		op2.Close()
		got := append(append([][]string{}, first...), second...)
		if fmt.Sprint(got) != fmt.Sprint(full) {
			t.Errorf("cut %d: stop, snapshot and restore gave\n%v\nwant\n%v", cut, got, full)
		}
	}
	if withPending < 5 {
		t.Errorf("only %d cuts had pending rows: the test checks little", withPending)
	}
}

// When the idle clock moved the emission watermark ahead of the data, a row
// on time in its partition that falls in a fired window updates it, and one
// that falls in no window opens its own at once, even where it overlaps a
// fired window (the one deviation from the sorted-rows rule).
func TestStaggerRowsBehindTheIdleClock(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := &partSource{mem: mem, now: time.Unix(1000, 0), batches: []pbatch{
		{origin: 1, rows: rowsJSON("a", 5), parts: []exec.Partition{live(1)}},
		{origin: 1, clock: time.Second, parts: []exec.Partition{idle(1)}},
		{origin: 1, rows: rowsJSON("a", 3), parts: []exec.Partition{live(1)}},
		{origin: 1, rows: rowsJSON("a", 4, 14), parts: []exec.Partition{live(1)}},
	}}
	out, op, err := runGroupBy(t, src, window.Config{Assigner: assigners(t)["stagger"], Lateness: 20 * time.Millisecond, Alloc: src.mem, Clock: src.clock})
	defer op.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{},
		{"a|5|15|1|15"},
		{"a|3|13|1|13"},
		// 4 falls in both: the first window by start takes it; 14 only in
		// [5, 15).
		{"a|3|13|2|13", "a|5|15|2|15"},
		{},
	}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("output\n got %v\nwant %v", out, want)
	}
	if n := op.(window.UpdateCounter).Updates(); n != 2 {
		t.Errorf("updates = %d, want 2", n)
	}
	if n := op.(window.LateCounter).LateRows(); n != 0 {
		t.Errorf("late rows = %d, want 0", n)
	}
}

// Draining at a stop emits the windows the pending rows would form, as
// partial rows when the output has is_partial.
func TestStaggerDrainEmitsPendingRows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		emit window.EmitPolicy
		want []string
	}{
		{name: "as final rows", want: []string{"a|12|22|1|22", "a|1|11|2|11", "b|4|14|1|14"}},
		{name: "as partial rows", emit: window.EmitPolicy{Every: time.Hour},
			want: []string{"a|12|22|1|true|22", "a|1|11|2|true|11", "b|4|14|1|true|14"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src := &partSource{mem: mem, end: exec.ErrStopped, batches: []pbatch{
				{origin: 1, rows: rowsJSON("a", 5, 12, 1), parts: []exec.Partition{live(1)}},
				{origin: 1, rows: rowsJSON("b", 4), parts: []exec.Partition{live(1)}},
			}}
			out, op, err := runGroupBy(t, src, window.Config{Assigner: assigners(t)["stagger"], Lateness: time.Hour, Drain: true, Emit: tc.emit, Alloc: mem})
			defer op.Close()
			if !errors.Is(err, exec.ErrStopped) {
				t.Fatalf("run ended with %v, want ErrStopped", err)
			}
			if n := window.PendingRows(op); n != 4 {
				t.Errorf("pending rows after the drain = %d, want 4: draining keeps the state", n)
			}
			got := flat(out)
			slices.Sort(got)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if b, err := op.Next(context.Background()); !errors.Is(err, exec.ErrStopped) {
				if b != nil {
					b.Release()
				}
				t.Errorf("Next after the drain = %v, want ErrStopped", err)
			}
		})
	}
}

// A snapshot whose pending rows do not match its header is refused cleanly
// and leaves the operator as it was.
func TestStaggerRestoreRejectsBadPendingRows(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cfg := window.Config{Assigner: assigners(t)["stagger"], Lateness: time.Hour, Alloc: mem}
	_, op, err := runGroupBy(t, &partSource{mem: mem, end: exec.ErrStopped, batches: []pbatch{
		{origin: 1, rows: rowsJSON("a", 5, 12, 1), parts: []exec.Partition{live(1)}},
	}}, cfg)
	if !errors.Is(err, exec.ErrStopped) {
		t.Fatalf("run ended with %v, want ErrStopped", err)
	}
	var snap bytes.Buffer
	if err := op.(exec.Snapshotter).Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	op.Close()
	// The payload's first section is the JSON header.
	payload := snap.Bytes()[frameSize:]
	n := binary.LittleEndian.Uint64(payload)
	header, rest := string(payload[8:8+n]), payload[8+n:]
	if !strings.Contains(header, `"Pending":3`) {
		t.Fatalf("header %s does not hold the 3 pending rows", header)
	}
	for _, pending := range []string{`"Pending":2`, `"Pending":4`, `"Pending":-1`} {
		h := strings.Replace(header, `"Pending":3`, pending, 1)
		bad := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		bad = append(append(bad, h...), rest...)
		op2, err := window.NewGroupBy(&partSource{mem: mem}, window.Config{
			Keys: []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}, KeyNames: []string{"k"},
			Aggs: []exec.AggSpec{{Func: "COUNT", Name: "n"}}, Assigner: cfg.Assigner, Lateness: cfg.Lateness, Alloc: mem,
		})
		if err != nil {
			t.Fatal(err)
		}
		err = op2.(exec.Snapshotter).Restore(bytes.NewReader(reframe(1, bad)))
		if !errors.Is(err, window.ErrSnapshot) || errors.Is(err, window.ErrRestorePanic) {
			t.Errorf("%s: Restore = %v, want a clean ErrSnapshot", pending, err)
		}
		if n := window.PendingRows(op2); n != 0 {
			t.Errorf("%s: %d pending rows after a failed restore", pending, n)
		}
		op2.Close()
	}
}
