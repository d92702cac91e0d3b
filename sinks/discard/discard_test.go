package discard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
)

var schema = arrow.NewSchema([]arrow.Field{{Name: "V", Type: arrow.PrimitiveTypes.Int64}}, nil)

func batch(t testing.TB, mem memory.Allocator, n int) arrow.RecordBatch {
	t.Helper()
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"V":%d}`, i)
	}
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader("["+strings.Join(rows, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		sizes       []int
		wantRows    int64
		wantBatches int64
	}{
		{name: "no batches", wantRows: 0, wantBatches: 0},
		{name: "one batch", sizes: []int{3}, wantRows: 3, wantBatches: 1},
		{name: "empty batches count", sizes: []int{0, 5, 0}, wantRows: 5, wantBatches: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s := New()
			ctx := context.Background()
			for _, n := range tc.sizes {
				if err := s.Write(ctx, batch(t, mem, n)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if s.Rows() != tc.wantRows || s.Batches() != tc.wantBatches {
				t.Fatalf("rows %d, batches %d; want %d, %d", s.Rows(), s.Batches(), tc.wantRows, tc.wantBatches)
			}
		})
	}
}

func TestWriteFailures(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		closed bool
		want   error
	}{
		{name: "cancelled context", ctx: cancelled, want: context.Canceled},
		{name: "after close", ctx: context.Background(), closed: true, want: ErrClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s := New()
			if tc.closed {
				if err := s.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Write(tc.ctx, batch(t, mem, 2)); !errors.Is(err, tc.want) {
				t.Fatalf("Write error = %v, want %v", err, tc.want)
			}
			if s.Rows() != 0 || s.Batches() != 0 {
				t.Fatalf("failed write counted: %d rows, %d batches", s.Rows(), s.Batches())
			}
		})
	}
}

func TestRegistered(t *testing.T) {
	t.Parallel()
	if _, ok := sinks.Lookup("discard"); !ok {
		t.Fatal("discard connector not registered")
	}
}

func BenchmarkWrite(b *testing.B) {
	mem := memory.NewGoAllocator()
	src := batch(b, mem, 1024)
	defer src.Release()
	s := New()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		src.Retain()
		if err := s.Write(ctx, src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.Rows())/b.Elapsed().Seconds(), "events/s")
}
