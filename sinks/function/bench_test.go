package function

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
)

// BenchmarkHTTPFunction delivers rows to a function on loopback HTTP.
func BenchmarkHTTPFunction(b *testing.B) {
	for _, rows := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", rows), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			log := &eventLog{}
			srv := httpFunction(b, log)
			ctx := context.Background()
			s, err := New(ctx, sinks.Env{Stream: "OUT", Schema: testSchema}, Config{Target: Target{URL: srv.URL + "/ok"}, BatchInterval: 1})
			if err != nil {
				b.Fatal(err)
			}
			js := "["
			for i := range rows {
				if i > 0 {
					js += ","
				}
				js += fmt.Sprintf(`{"ID":%d,"NAME":"name-%d"}`, i, i)
			}
			js += "]"
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := s.Write(ctx, testBatch(b, mem, testSchema, js)); err != nil {
					b.Fatal(err)
				}
				if err := s.(sinks.Flusher).Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			s.Close(ctx)
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
