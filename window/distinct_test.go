package window_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

func TestDistinct(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		batches  []string
		lateness time.Duration
		want     [][]string // rows of each Next
		errs     []string   // error names
	}{
		{"first row of each key in its bucket, at once",
			[]string{`[{"k":"a","v":1,"ROWTIME":100},{"k":"a","v":1,"ROWTIME":200},{"k":"b","v":1,"ROWTIME":300}]`,
				`[{"k":"a","v":1,"ROWTIME":1100},{"k":"a","v":1,"ROWTIME":1200},{"k":"b","v":2,"ROWTIME":1300}]`},
			0, [][]string{{"a|1|100", "b|1|300"}, {"a|1|1100", "b|2|1300"}}, nil},
		{"nulls equal each other",
			[]string{`[{"k":null,"v":null,"ROWTIME":1},{"k":null,"v":null,"ROWTIME":2},{"k":null,"v":1,"ROWTIME":3}]`},
			0, [][]string{{"null|null|1", "null|1|3"}}, nil},
		{"a late row goes to the error stream, an on-time one of an earlier bucket is new",
			[]string{`[{"k":"a","v":1,"ROWTIME":5000}]`, `[{"k":"z","v":1,"ROWTIME":100},{"k":"a","v":1,"ROWTIME":4500}]`},
			time.Second, [][]string{{"a|1|5000"}, {"a|1|4500"}}, []string{"LATE"}},
		{"a row within the lateness is still deduplicated",
			[]string{`[{"k":"a","v":1,"ROWTIME":1500}]`, `[{"k":"a","v":1,"ROWTIME":1400},{"k":"a","v":2,"ROWTIME":1400}]`},
			time.Second, [][]string{{"a|1|1500"}, {"a|2|1400"}}, nil},
		{"a NULL ROWTIME is a row error",
			[]string{`[{"k":"a","v":1,"ROWTIME":null},{"k":"a","v":1,"ROWTIME":7}]`},
			0, [][]string{{"a|1|7"}}, []string{"RUNTIME"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var e errs
			src := &jsonSource{mem: mem, schema: bidSchema, batches: tc.batches}
			op, err := window.NewDistinct(src, window.DistinctConfig{Keys: []int{0, 1}, Bucket: floorTo(1000), Lateness: tc.lateness, Errors: &e, Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			got := drain(t, op)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			var names []string
			for _, r := range e.recs {
				names = append(names, r.Name)
			}
			if fmt.Sprint(names) != fmt.Sprint(tc.errs) {
				t.Errorf("errors %v, want %v", names, tc.errs)
			}
		})
	}
}

func TestDistinctForgetsClosedBuckets(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var bs []pbatch
	for i := range 100 {
		bs = append(bs, pbatch{origin: 1, rows: rowsJSON(fmt.Sprintf("k%d", i%7), int64(i)*100, int64(i)*100+1), parts: []exec.Partition{live(1)}})
	}
	src := &partSource{mem: mem, batches: bs}
	op, err := window.NewDistinct(src, window.DistinctConfig{Keys: []int{0}, Bucket: floorTo(1000), Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	most := 0
	n := 0
	for {
		b, err := op.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n += int(b.NumRows())
		b.Release()
		most = max(most, op.(window.StateCounter).LiveGroups())
	}
	if n != 10*7 {
		t.Errorf("%d rows out, want 70 (7 keys in each of 10 buckets)", n)
	}
	if most > 2*7 {
		t.Errorf("up to %d keys held, want at most two buckets' worth (14)", most)
	}
}
