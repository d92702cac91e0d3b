package window_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

func TestOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		batches []string
		keys    []exec.SortKey
		want    [][]string // rows of each Next
	}{
		{"a bucket comes out sorted once the next one starts",
			[]string{`[{"k":"b","v":2,"ROWTIME":100},{"k":"a","v":3,"ROWTIME":200}]`,
				`[{"k":"c","v":1,"ROWTIME":900},{"k":"d","v":9,"ROWTIME":1000}]`,
				`[{"k":"e","v":0,"ROWTIME":2500}]`},
			[]exec.SortKey{{Column: 1}},
			[][]string{{}, {}, {"c|1|900", "b|2|100", "a|3|200"}, {"d|9|1000", "e|0|2500"}}},
		{"descending with nulls last, ties by time",
			[]string{`[{"k":"b","v":null,"ROWTIME":10},{"k":"a","v":5,"ROWTIME":30},{"k":"c","v":5,"ROWTIME":20},{"k":"d","v":7,"ROWTIME":40}]`},
			[]exec.SortKey{{Column: 1, Desc: true}},
			[][]string{{}, {"d|7|40", "c|5|20", "a|5|30", "b|null|10"}}},
		{"no other key: time order within the bucket",
			[]string{`[{"k":"b","v":1,"ROWTIME":300},{"k":"a","v":1,"ROWTIME":100},{"k":"c","v":1,"ROWTIME":200}]`},
			nil,
			[][]string{{}, {"a|1|100", "c|1|200", "b|1|300"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var bs []pbatch
			for _, b := range tc.batches {
				bs = append(bs, pbatch{origin: 1, rows: b, parts: []exec.Partition{live(1)}})
			}
			op, err := window.NewOrder(&partSource{mem: mem, batches: bs}, window.OrderConfig{Keys: tc.keys, Bucket: floorTo(1000), Lateness: time.Second, Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			if got := drain(t, op); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOrderWatermarkStaysBelowHeldRows(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bs := []pbatch{
		{origin: 1, rows: rowsJSON("a", 500, 1500), parts: []exec.Partition{live(1)}},
		{origin: 1, rows: rowsJSON("a", 2100), parts: []exec.Partition{live(1)}},
	}
	op, err := window.NewOrder(&partSource{mem: mem, batches: bs}, window.OrderConfig{Bucket: floorTo(1000), Lateness: 700 * time.Millisecond, Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	for i, wantRows := range []int64{0, 1} {
		b, err := op.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b.NumRows() != wantRows {
			t.Errorf("Next %d: %d rows, want %d", i, b.NumRows(), wantRows)
		}
		b.Release()
		wm := op.(exec.Watermarker).Watermark()
		if ps := op.(exec.Partitioned).Partitions(); len(ps) != 1 || ps[0].Watermark != wm {
			t.Fatalf("Next %d: partitions %+v, want one with watermark %d", i, ps, wm)
		}
		if wm >= 1500 {
			t.Errorf("Next %d: watermark %d, but the row at 1500 is still held", i, wm)
		}
	}
}

func TestOrderStopKeepsOrDrains(t *testing.T) {
	t.Parallel()
	for _, drainOn := range []bool{false, true} {
		t.Run(fmt.Sprintf("drain=%v", drainOn), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src := &partSource{mem: mem, end: exec.ErrStopped, batches: []pbatch{{origin: 1, rows: rowsJSON("a", 300, 100), parts: []exec.Partition{live(1)}}}}
			op, err := window.NewOrder(src, window.OrderConfig{Bucket: floorTo(1000), Lateness: time.Second, Drain: drainOn, Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			b, err := op.Next(context.Background())
			if err != nil || b.NumRows() != 0 {
				t.Fatalf("first Next: %v, rows %v", err, b)
			}
			b.Release()
			b, err = op.Next(context.Background())
			if !drainOn {
				if !errors.Is(err, exec.ErrStopped) {
					t.Fatalf("Next after stop = %v, want exec.ErrStopped", err)
				}
				if n := op.(window.StateCounter).LiveGroups(); n != 2 {
					t.Errorf("%d rows held after the stop, want 2", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rowStrings(b); fmt.Sprint(got) != "[a|1|100 a|1|300]" {
				t.Errorf("drained %v", got)
			}
			b.Release()
			if _, err := op.Next(context.Background()); !errors.Is(err, exec.ErrStopped) {
				t.Fatalf("Next after the drain = %v, want exec.ErrStopped", err)
			}
		})
	}
}
