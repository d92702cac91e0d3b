package kafka

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	kafkago "github.com/segmentio/kafka-go"
)

// BenchmarkConsumeJSONBids reads JSON bids from a 3-partition topic on the
// loopback broker: into Arrow batches through the source, and with a bare
// kafka-go reader per partition that only counts messages, in the same
// run. Closing is not timed: it waits for the readers' last fetch long
// poll (up to 250 ms).
func BenchmarkConsumeJSONBids(b *testing.B) {
	const n = 60000
	addr := startBroker(b, 3, "bids")
	produce(b, addr, "bids", bids(0, n, 3))
	b.Run("source", func(b *testing.B) {
		b.ReportAllocs()
		events := 0
		for range b.N {
			mem := memory.NewGoAllocator()
			src, err := New(context.Background(), testEnv(mem, bidSchema(), nil), map[string]string{
				"brokers": addr, "topic": "bids", "stop_at_end": "true", "rowtime": "datetime",
			})
			if err != nil {
				b.Fatal(err)
			}
			for {
				rec, err := src.Next(context.Background())
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				events += int(rec.NumRows())
				rec.Release()
			}
			b.StopTimer() // closing waits out the readers' last long poll
			src.Close()
			b.StartTimer()
		}
		if events != n*b.N {
			b.Fatalf("read %d of %d events", events, n*b.N)
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("kafka-go-count", func(b *testing.B) {
		b.ReportAllocs()
		events := 0
		for range b.N {
			counts := make(chan int, 3)
			for p := range 3 {
				go func() {
					r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{addr}, Topic: "bids", Partition: p,
						MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 250 * time.Millisecond, QueueCapacity: 1024})
					defer r.Close()
					c := 0
					for c < n/3 {
						if _, err := r.FetchMessage(context.Background()); err != nil {
							break
						}
						c++
					}
					counts <- c
				}()
			}
			for range 3 {
				events += <-counts
			}
		}
		if events != n*b.N {
			b.Fatalf("read %d of %d events", events, n*b.N)
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	})
}
