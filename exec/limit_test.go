package exec

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestLimit(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	cases := []struct {
		name string
		n    int64
		want []string
	}{
		{"zero", 0, nil},
		{"inside the first batch", 1, []string{`{"a":1}`}},
		{"a whole batch", 2, []string{`{"a":1}`, `{"a":2}`}},
		{"cuts the second batch", 3, []string{`{"a":1}`, `{"a":2}`, `{"a":3}`}},
		{"more than there is", 10, []string{`{"a":1}`, `{"a":2}`, `{"a":3}`, `{"a":4}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			in := &sliceOp{schema: schema, batches: batchesFromJSON(t, mem, schema, `[{"a":1},{"a":2}]`, `[{"a":3},{"a":4}]`)}
			op := NewLimit(in, tc.n)
			got := drainRows(t, op)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if err := op.Close(); err != nil || !in.closed {
				t.Fatalf("Close = %v, input closed %v", err, in.closed)
			}
			if err := op.Close(); err != nil {
				t.Fatalf("second Close = %v", err)
			}
		})
	}
}
