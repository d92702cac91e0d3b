package exec

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// repeatOp hands out the same batch n times (retained for each caller).
type repeatOp struct {
	batch arrow.RecordBatch
	n     int
}

func (r *repeatOp) Schema() *arrow.Schema { return r.batch.Schema() }
func (r *repeatOp) Next(context.Context) (arrow.RecordBatch, error) {
	if r.n == 0 {
		return nil, io.EOF
	}
	r.n--
	r.batch.Retain()
	return r.batch, nil
}
func (r *repeatOp) Close() error { return nil }

func opBenchBatch(mem memory.Allocator, rows int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, abSchema)
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(1000 + i%10000))
		b.Field(1).(*array.Int64Builder).Append(int64(i * 7 % 100000))
	}
	return b.NewRecordBatch()
}

// runOperator drains op, counting rows in and out.
func runOperator(b *testing.B, op Operator) {
	ctx := context.Background()
	for {
		out, err := op.Next(ctx)
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

func BenchmarkFilter(b *testing.B) {
	fns := DefaultFunctions()
	for _, rows := range []int{1024, 8192, 65536} {
		b.Run(fmt.Sprintf("batch=%d", rows), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			batch := opBenchBatch(mem, rows)
			defer batch.Release()
			m, _ := Literal(int64(123), arrow.PrimitiveTypes.Int64)
			z, _ := Literal(int64(0), arrow.PrimitiveTypes.Int64)
			mod, _ := fns.Bind("mod", Column(0, "A", arrow.PrimitiveTypes.Int64), m)
			pred, err := fns.Bind("equal", mod, z)
			if err != nil {
				b.Fatal(err)
			}
			const batches = 64
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f, _ := NewFilter(Env{Alloc: mem}, &repeatOp{batch: batch, n: batches}, pred)
				runOperator(b, f)
			}
			b.ReportMetric(float64(b.N*batches*rows)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func BenchmarkProject(b *testing.B) {
	fns := DefaultFunctions()
	for _, rows := range []int{1024, 8192, 65536} {
		b.Run(fmt.Sprintf("batch=%d", rows), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			batch := opBenchBatch(mem, rows)
			defer batch.Release()
			two, _ := Literal(int64(2), arrow.PrimitiveTypes.Int64)
			mul, err := fns.Bind("multiply", Column(1, "B", arrow.PrimitiveTypes.Int64), two)
			if err != nil {
				b.Fatal(err)
			}
			const batches = 64
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, _ := NewProject(Env{Alloc: mem}, &repeatOp{batch: batch, n: batches},
					[]Expr{Column(0, "A", arrow.PrimitiveTypes.Int64), mul}, []string{"A", "B2"})
				runOperator(b, p)
			}
			b.ReportMetric(float64(b.N*batches*rows)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func BenchmarkStream(b *testing.B) {
	for _, readers := range []int{1, 3} {
		b.Run(fmt.Sprintf("readers=%d", readers), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			const rows, batches = 8192, 256
			batch := opBenchBatch(mem, rows)
			defer batch.Release()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s := NewStream("S", abSchema, 0)
				done := make(chan struct{}, readers)
				for r := 0; r < readers; r++ {
					op, _ := s.Subscribe()
					go func() {
						runOperator(b, op)
						done <- struct{}{}
					}()
				}
				w := s.NewWriter()
				for j := 0; j < batches; j++ {
					batch.Retain()
					if err := w.Write(ctx, batch, int64(j)); err != nil {
						b.Fatal(err)
					}
				}
				w.Close(ctx)
				for r := 0; r < readers; r++ {
					<-done
				}
			}
			b.ReportMetric(float64(b.N*batches*rows)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
