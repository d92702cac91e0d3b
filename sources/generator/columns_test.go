package generator

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestColumns(t *testing.T) {
	t.Parallel()
	blob := []byte("hello, world")
	tests := []struct {
		name  string
		build func(memory.Allocator) arrow.Array
		want  string
	}{
		{"int64", func(a memory.Allocator) arrow.Array {
			return intColumn(a, arrow.PrimitiveTypes.Int64, []int64{1, -2, 3})
		}, "[1 -2 3]"},
		{"int as double", func(a memory.Allocator) arrow.Array {
			return intColumn(a, arrow.PrimitiveTypes.Float64, []int64{1, 2})
		}, "[1 2]"},
		{"int as real", func(a memory.Allocator) arrow.Array {
			return intColumn(a, arrow.PrimitiveTypes.Float32, []int64{7})
		}, "[7]"},
		{"timestamp seconds", func(a memory.Allocator) arrow.Array {
			return intColumn(a, &arrow.TimestampType{Unit: arrow.Second}, []int64{5000, 61999})
		}, "[5 61]"},
		{"timestamp nanoseconds", func(a memory.Allocator) arrow.Array {
			return intColumn(a, &arrow.TimestampType{Unit: arrow.Nanosecond}, []int64{1})
		}, "[1000000]"},
		{"float", func(a memory.Allocator) arrow.Array {
			return floatColumn(a, arrow.PrimitiveTypes.Float64, []float64{1.5, -0.25})
		}, "[1.5 -0.25]"},
		{"float as real", func(a memory.Allocator) arrow.Array {
			return floatColumn(a, arrow.PrimitiveTypes.Float32, []float64{2.5})
		}, "[2.5]"},
		{"constant", func(a memory.Allocator) arrow.Array {
			return constTimestamps(a, timestampType, 1000, 2)
		}, "[1000 1000]"},
		{"strings", func(a memory.Allocator) arrow.Array {
			return textColumn(a, arrow.BinaryTypes.String, blob, []span{{0, 5}, {7, 5}, {5, 0}})
		}, `["hello" "world" ""]`},
		{"large strings", func(a memory.Allocator) arrow.Array {
			return textColumn(a, arrow.BinaryTypes.LargeString, blob, []span{{7, 5}})
		}, `["world"]`},
		{"no strings", func(a memory.Allocator) arrow.Array {
			return textColumn(a, arrow.BinaryTypes.String, blob, nil)
		}, `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			arr := tc.build(alloc)
			defer arr.Release()
			if arr.NullN() != 0 {
				t.Fatalf("%d nulls", arr.NullN())
			}
			if got := arr.String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
