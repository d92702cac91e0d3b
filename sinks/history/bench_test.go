package history

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
	shistory "github.com/eddy-sql/eddy/sources/history"
)

// benchBatch returns rows rows a millisecond apart from start.
func benchBatch(alloc memory.Allocator, start int64, rows int) arrow.RecordBatch {
	b := array.NewRecordBuilder(alloc, kept)
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.StringBuilder).Append("AMZN")
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(start + int64(i)))
	}
	return b.NewRecordBatch()
}

// BenchmarkWriteAndReplay writes batches to history and replays them.
func BenchmarkWriteAndReplay(b *testing.B) {
	for _, size := range []int{256, 8192} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			alloc := memory.NewGoAllocator()
			ctx := context.Background()
			schema := sources.WithSystemColumns(arrow.NewSchema(kept.Fields()[:1], nil))
			events := 0
			for n := 0; n < b.N; n++ {
				dir := b.TempDir()
				s, err := New(sinks.Env{Schema: kept, Alloc: alloc, Clock: time.Now}, Config{Dir: dir, Segment: time.Hour, FlushInterval: time.Hour, MaxRows: 65536})
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < 16; i++ {
					if err := s.Write(ctx, benchBatch(alloc, int64(i*size), size)); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Close(ctx); err != nil {
					b.Fatal(err)
				}
				src, err := shistory.New(sources.Env{Schema: schema, Alloc: alloc}, map[string]string{"dir": dir})
				if err != nil {
					b.Fatal(err)
				}
				for {
					batch, err := src.Next(ctx)
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					events += int(batch.NumRows())
					batch.Release()
				}
				src.Close()
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
