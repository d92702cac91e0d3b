package exec

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSort(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		keys    []SortKey
		batches []string
		want    string
	}{
		{name: "ascending across batches, nulls last", keys: []SortKey{{Column: 0}},
			batches: []string{`[{"A":3,"B":1},{"A":null,"B":2}]`, `[{"A":1,"B":3},{"A":2,"B":4}]`},
			want:    `{"A":1,"B":3} {"A":2,"B":4} {"A":3,"B":1} {"A":null,"B":2}`},
		{name: "descending then ascending", keys: []SortKey{{Column: 1, Desc: true}, {Column: 0}},
			batches: []string{`[{"A":3,"B":1},{"A":1,"B":2}]`, `[{"A":0,"B":2}]`},
			want:    `{"A":0,"B":2} {"A":1,"B":2} {"A":3,"B":1}`},
		{name: "no rows", keys: []SortKey{{Column: 0}}, batches: []string{`[]`}, want: ``},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			in := &sliceOp{schema: abSchema, batches: batchesFromJSON(t, mem, abSchema, tc.batches...)}
			op, err := NewSort(Env{Alloc: mem}, in, tc.keys)
			if err != nil {
				t.Fatal(err)
			}
			got := drainRows(t, op)
			op.Close()
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %s\nwant %s", strings.Join(got, " "), tc.want)
			}
			if _, err := op.Next(context.Background()); err != io.EOF {
				t.Errorf("after the rows: %v", err)
			}
		})
	}
}
