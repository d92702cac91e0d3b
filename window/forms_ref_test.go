package window_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// This file holds the differential tests of streaming DISTINCT and ORDER
// BY: generated rows with disorder and late rows (genShuffled, refSplit
// from over_ref_test.go) through the operators and through references
// written with plain loops, across batch sizes.

// floorTo is FLOOR(t TO size) for a size in ms, also below zero.
func floorTo(size int64) window.Bucket {
	return func(t int64) int64 {
		b := t / size * size
		if b > t {
			b -= size
		}
		return b
	}
}

// dupRows is genShuffled with few distinct values, so keys repeat.
func dupRows(seed uint64, n, keys, lateEvery int) []refRow {
	rows := genShuffled(seed, n, keys, 2000, lateEvery, 0, 1_000_000)
	for i := range rows {
		if rows[i].v < 1000 {
			rows[i].v %= 3
		}
	}
	return rows
}

// refDistinct keeps, in arrival order, the first on-time row of each
// (bucket, k, v) with v's NULL a value of its own.
func refDistinct(onTime []refRow, size int64) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range onTime {
		b := r.ts / size * size
		key := fmt.Sprintf("%d|%s|%s", b, r.k, refVal(r.v, r.null))
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, r.k+"|"+refVal(r.v, r.null)+"|"+strconv.FormatInt(r.ts, 10))
	}
	return out
}

// refOrder sorts the on-time rows by bucket, v ascending (NULLs last), k
// descending, then event time and arrival.
func refOrder(onTime []refRow, size int64) []string {
	rows := slices.Clone(onTime)
	slices.SortStableFunc(rows, func(a, b refRow) int {
		if ba, bb := a.ts/size, b.ts/size; ba != bb {
			return int(ba - bb)
		}
		switch {
		case a.null != b.null:
			if a.null {
				return 1
			}
			return -1
		case !a.null && a.v != b.v:
			return int(a.v - b.v)
		case a.k != b.k:
			return -strings.Compare(a.k, b.k)
		case a.ts != b.ts:
			return int(a.ts - b.ts)
		}
		return a.seq - b.seq
	})
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.k + "|" + refVal(r.v, r.null) + "|" + strconv.FormatInt(r.ts, 10)
	}
	return out
}

func TestDistinctAndOrderMatchReference(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		seed      uint64
		keys      int
		lateEvery int
		bucket    int64
	}{
		{"three keys, 1s buckets", 11, 3, 0, 1000},
		{"one key, 100ms buckets", 12, 1, 0, 100},
		{"many keys, 10s buckets", 13, 30, 0, 10_000},
		{"rows 10s late", 14, 3, 13, 1000},
		{"millisecond buckets (ROWTIME itself)", 15, 2, 29, 1},
	}
	ops := []struct {
		name string
		open func(src exec.Operator, mem memory.Allocator, errs *errs, size int64) (exec.Operator, error)
		ref  func(onTime []refRow, size int64) []string
	}{
		{"distinct", func(src exec.Operator, mem memory.Allocator, errs *errs, size int64) (exec.Operator, error) {
			return window.NewDistinct(src, window.DistinctConfig{Keys: []int{0, 1}, Bucket: floorTo(size),
				Lateness: 5 * time.Second, Errors: errs, Alloc: mem})
		}, refDistinct},
		{"order", func(src exec.Operator, mem memory.Allocator, errs *errs, size int64) (exec.Operator, error) {
			return window.NewOrder(src, window.OrderConfig{Keys: []exec.SortKey{{Column: 1}, {Column: 0, Desc: true}},
				Bucket: floorTo(size), Lateness: 5 * time.Second, Errors: errs, Alloc: mem})
		}, refOrder},
	}
	for _, tc := range cases {
		for _, o := range ops {
			t.Run(o.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				rows := dupRows(tc.seed, 900, tc.keys, tc.lateEvery)
				onTime, late := refSplit(batchOf(rows, 0), 5000)
				if tc.lateEvery > 0 && len(late) == 0 {
					t.Fatal("generator: no late rows")
				}
				want := o.ref(onTime, tc.bucket)
				arrival := make([]string, len(onTime))
				for i, r := range onTime {
					arrival[i] = r.k + "|" + refVal(r.v, r.null) + "|" + strconv.FormatInt(r.ts, 10)
				}
				if slices.Equal(want, arrival) {
					t.Fatal("reference: the operator would have nothing to do on this input")
				}
				for _, size := range []int{1, 7, 0} {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					var errs errs
					op, err := o.open(newOverSrc(mem, batchOf(rows, size)), mem, &errs, tc.bucket)
					if err != nil {
						t.Fatal(err)
					}
					got, _ := runOver(t, op)
					sameRows(t, fmt.Sprintf("batch size %d", size), got, want)
					if n := op.(window.LateCounter).LateRows(); n != int64(len(late)) {
						t.Errorf("batch size %d: LateRows = %d, want %d", size, n, len(late))
					}
					if len(errs.recs) != len(late) {
						t.Errorf("batch size %d: %d error records, want %d", size, len(errs.recs), len(late))
					}
					for i, r := range errs.recs {
						if r.Name != "LATE" || r.DataRowtime != late[i].ts {
							t.Errorf("batch size %d: error %d = %+v, want LATE for %+v", size, i, r, late[i])
						}
					}
					if n := op.(window.StateCounter).LiveGroups(); n != 0 {
						t.Errorf("batch size %d: %d keys or rows held after the end", size, n)
					}
					op.Close()
					mem.AssertSize(t, 0)
				}
			})
		}
	}
}

// interleave cuts the rows of each origin into batches of size (≤ 0: one
// batch per origin) and alternates the origins' batches.
func interleave(size int, origins ...[]refRow) []overBatch {
	var per [][]overBatch
	for _, rows := range origins {
		per = append(per, batchOf(rows, size))
	}
	var out []overBatch
	for i := 0; ; i++ {
		more := false
		for _, bs := range per {
			if i < len(bs) {
				out = append(out, bs[i])
				more = true
			}
		}
		if !more {
			break
		}
	}
	numberBatches(out)
	return out
}

func TestDistinctAndOrderAcrossOrigins(t *testing.T) {
	t.Parallel()
	// Origin 2 runs 3 s ahead of origin 1: buckets close on the slower one.
	slow := dupRows(21, 600, 3, 19)
	fast := genShuffled(22, 600, 3, 2000, 0, 2, 1_003_000)
	for i := range fast {
		fast[i].v %= 3
	}
	for i := range slow {
		slow[i].origin = 1
	}
	open := map[string]func(src exec.Operator, mem memory.Allocator, errs *errs) (exec.Operator, error){
		"distinct": func(src exec.Operator, mem memory.Allocator, errs *errs) (exec.Operator, error) {
			return window.NewDistinct(src, window.DistinctConfig{Keys: []int{0, 1}, Bucket: floorTo(1000), Lateness: 5 * time.Second, Errors: errs, Alloc: mem})
		},
		"order": func(src exec.Operator, mem memory.Allocator, errs *errs) (exec.Operator, error) {
			return window.NewOrder(src, window.OrderConfig{Keys: []exec.SortKey{{Column: 1}, {Column: 0, Desc: true}}, Bucket: floorTo(1000), Lateness: 5 * time.Second, Errors: errs, Alloc: mem})
		},
	}
	refs := map[string]func([]refRow, int64) []string{"distinct": refDistinct, "order": refOrder}
	for name, o := range open {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, size := range []int{1, 7, 0} {
				bs := interleave(size, slow, fast)
				onTime, late := refSplit(bs, 5000)
				want := refs[name](onTime, 1000)
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				var errs errs
				op, err := o(newOverSrc(mem, bs, 1, 2), mem, &errs)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := runOver(t, op)
				sameRows(t, fmt.Sprintf("batch size %d", size), got, want)
				if n := op.(window.LateCounter).LateRows(); n != int64(len(late)) || len(errs.recs) != len(late) {
					t.Errorf("batch size %d: LateRows = %d, %d error records, want %d", size, n, len(errs.recs), len(late))
				}
				op.Close()
				mem.AssertSize(t, 0)
			}
		})
	}
}

func TestDistinctAndOrderLateRowsDropped(t *testing.T) {
	t.Parallel()
	rows := dupRows(31, 300, 2, 11)
	_, late := refSplit(batchOf(rows, 0), 5000)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var errs errs
	d, err := window.NewDistinct(newOverSrc(mem, batchOf(rows, 5)), window.DistinctConfig{Keys: []int{0, 1}, Bucket: floorTo(1000), Lateness: 5 * time.Second, Late: window.LateDrop, Errors: &errs, Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	runOver(t, d)
	d.Close()
	o, err := window.NewOrder(newOverSrc(mem, batchOf(rows, 5)), window.OrderConfig{Bucket: floorTo(1000), Lateness: 5 * time.Second, Late: window.LateDrop, Errors: &errs, Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	runOver(t, o)
	o.Close()
	if len(late) == 0 || len(errs.recs) != 0 {
		t.Fatalf("%d late rows, %d error records; want some late rows and no record", len(late), len(errs.recs))
	}
	if d.(window.LateCounter).LateRows() != int64(len(late)) || o.(window.LateCounter).LateRows() != int64(len(late)) {
		t.Errorf("LateRows = %d and %d, want %d", d.(window.LateCounter).LateRows(), o.(window.LateCounter).LateRows(), len(late))
	}
}
