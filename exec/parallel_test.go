package exec

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestBatchStageFilters runs a filter as a batch stage: each batch comes
// out filtered, a batch whose rows all fail comes out empty, and nothing
// leaks.
func TestBatchStageFilters(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "N", Type: arrow.PrimitiveTypes.Int64}}, nil)
	env := Env{Alloc: mem}
	lit, err := Literal(int64(4), arrow.PrimitiveTypes.Int64)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := DefaultFunctions().Bind("greater", Column(0, "N", arrow.PrimitiveTypes.Int64), lit)
	if err != nil {
		t.Fatal(err)
	}
	stage, closeStage, err := NewBatchStage(schema, mem, func(in Operator) (Operator, error) { return NewFilter(env, in, pred) })
	if err != nil {
		t.Fatal(err)
	}
	defer closeStage()
	tests := []struct {
		name string
		in   string
		want []int64
	}{
		{name: "some rows pass", in: `[{"N":1},{"N":5},{"N":3},{"N":7}]`, want: []int64{5, 7}},
		{name: "no row passes", in: `[{"N":1},{"N":2}]`, want: nil},
		{name: "every row passes", in: `[{"N":9}]`, want: []int64{9}},
		{name: "empty batch", in: `[]`, want: nil},
	}
	for _, tc := range tests { // sequential: one stage is not safe for concurrent use
		in, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		out, err := stage(context.Background(), in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := out.Column(0).(*array.Int64).Int64Values()
		if len(got) != len(tc.want) {
			t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		out.Release()
	}
}
