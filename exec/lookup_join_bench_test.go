package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkLookupJoin joins batches of stream rows against a 1,000,000-row
// reference table on an int or a string key (every probe key matches one
// table row, drawn at random), reporting events/s and the table's bytes per
// row (rows plus index).
func BenchmarkLookupJoin(b *testing.B) {
	const tableRows = 1_000_000
	for _, key := range []string{"int", "string"} {
		for _, rows := range []int{1024, 8192} {
			b.Run(fmt.Sprintf("key=%s/batch=%d", key, rows), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				keyType := arrow.DataType(arrow.PrimitiveTypes.Int64)
				if key == "string" {
					keyType = arrow.BinaryTypes.String
				}
				tabSchema := arrow.NewSchema([]arrow.Field{
					{Name: "K", Type: keyType, Nullable: true},
					{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
					{Name: "W", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
				}, nil)
				inSchema := arrow.NewSchema([]arrow.Field{
					{Name: "K", Type: keyType, Nullable: true},
					{Name: "V", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
				}, nil)
				keyOf := func(i int) string { return "ticker-" + strconv.Itoa(i) }
				tb := array.NewRecordBuilder(mem, tabSchema)
				for i := range tableRows {
					if key == "int" {
						tb.Field(0).(*array.Int64Builder).Append(int64(i))
					} else {
						tb.Field(0).(*array.StringBuilder).Append(keyOf(i))
					}
					tb.Field(1).(*array.StringBuilder).Append("company " + strconv.Itoa(i))
					tb.Field(2).(*array.Float64Builder).Append(float64(i) / 3)
				}
				rec := tb.NewRecordBatch()
				tb.Release()
				h := NewTableHandle("REF", tabSchema, TableLoader{Load: func(context.Context) (*LookupTable, error) {
					rec.Retain()
					return NewLookupTable(rec, [][]int{{0}}, "")
				}})
				if err := h.Refresh(context.Background()); err != nil {
					b.Fatal(err)
				}
				rec.Release()
				t := h.Acquire()
				perRow := float64(t.Bytes()) / float64(t.Rows())
				t.Release()

				rng := rand.New(rand.NewPCG(1, 2))
				ib := array.NewRecordBuilder(mem, inSchema)
				for i := range rows {
					k := rng.IntN(tableRows)
					if key == "int" {
						ib.Field(0).(*array.Int64Builder).Append(int64(k))
					} else {
						ib.Field(0).(*array.StringBuilder).Append(keyOf(k))
					}
					ib.Field(1).(*array.Int64Builder).Append(int64(i))
				}
				batch := ib.NewRecordBatch()
				ib.Release()
				defer batch.Release()
				const batches = 32
				h.Open() // keep the table loaded across iterations
				defer h.Close()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					j, err := NewLookupJoin(Env{Alloc: mem}, &repeatOp{batch: batch, n: batches}, LookupJoinConfig{
						Table: h, Left: true, Keys: []Expr{Column(0, "K", keyType)}, TableKeys: []int{0},
					})
					if err != nil {
						b.Fatal(err)
					}
					runOperator(b, j)
					j.Close()
				}
				b.ReportMetric(float64(b.N*batches*rows)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(perRow, "table_bytes/row")
			})
		}
	}
}
