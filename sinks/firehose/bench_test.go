package firehose

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
)

// BenchmarkDeliverToDirectory writes q1-style rows to a local directory as
// gzip JSON and as Parquet, reporting events/s and bytes written.
func BenchmarkDeliverToDirectory(b *testing.B) {
	for _, format := range []struct{ name, format, comp string }{
		{"json-gzip", "json", "gzip"}, {"parquet-snappy", "parquet", "snappy"},
	} {
		for _, rows := range []int{1024, 8192} {
			b.Run(fmt.Sprintf("%s/batch=%d", format.name, rows), func(b *testing.B) {
				mem := memory.NewGoAllocator()
				var sb strings.Builder
				sb.WriteString("[")
				for i := range rows {
					if i > 0 {
						sb.WriteString(",")
					}
					fmt.Fprintf(&sb, `{"ID":%d,"NAME":"bidder-%d","TS":"2024-05-01 10:00:%02d"}`, i, i%1000, i%60)
				}
				sb.WriteString("]")
				batch := testBatch(b, mem, sb.String())
				defer batch.Release()
				dir := b.TempDir()
				s, err := New(context.Background(), sinks.Env{Stream: "OUT", Schema: testSchema, Alloc: mem}, Config{
					Destination: "file://" + dir, Format: format.format, Compression: Compression(format.comp), BufferSize: 4 << 20,
				})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					batch.Retain()
					if err := s.Write(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Close(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				m := s.(MetricsReporter).Metrics()
				b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(float64(m.Bytes)/float64(rows*b.N), "bytes/event")
			})
		}
	}
}
