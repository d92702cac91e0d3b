package generator

import (
	"context"
	"io"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchSource reads batches from a fresh unpaced source and reports rows/s.
func benchSource(b *testing.B, raw map[string]string) {
	b.Helper()
	alloc := memory.NewGoAllocator()
	s := openTest(b, alloc, newFakeClock(), discovered(b, raw), raw)
	defer s.Close()
	ctx := context.Background()
	events := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rb, err := s.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		events += int(rb.NumRows())
		rb.Release()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkNexmarkBids(b *testing.B) {
	for _, bs := range []int{1024, 4096, 16384} {
		b.Run("batch="+strconv.Itoa(bs), func(b *testing.B) {
			benchSource(b, map[string]string{"kind": "nexmark", "batch_size": strconv.Itoa(bs)})
		})
	}
	b.Run("go_api", func(b *testing.B) {
		g, err := NewNexmark(NexmarkConfig{})
		if err != nil {
			b.Fatal(err)
		}
		var sum int64
		events := 0
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			sum += g.NextBid().Price
			events++
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		if sum == 0 {
			b.Fatal("no prices")
		}
	})
	b.Run("json", func(b *testing.B) {
		const n = 10000
		events := 0
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := WriteBidsJSON(io.Discard, n, NexmarkConfig{}); err != nil {
				b.Fatal(err)
			}
			events += n
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	})
}

func BenchmarkNexmarkTables(b *testing.B) {
	for _, table := range []string{"auction", "person"} {
		b.Run("table="+table, func(b *testing.B) {
			benchSource(b, map[string]string{"kind": "nexmark", "table": table})
		})
	}
}

func BenchmarkTicker(b *testing.B) {
	for _, bs := range []int{1024, 4096} {
		b.Run("batch="+strconv.Itoa(bs), func(b *testing.B) {
			benchSource(b, map[string]string{"kind": "ticker", "rate": "0", "batch_size": strconv.Itoa(bs)})
		})
	}
}

// BenchmarkNexmarkBidsParallel generates bids on 1 and more cores (the
// reading goroutine only collects the batches, in order).
func BenchmarkNexmarkBidsParallel(b *testing.B) {
	for _, p := range []int{1, 2, 4} {
		b.Run("parallelism="+strconv.Itoa(p), func(b *testing.B) {
			benchSource(b, map[string]string{"kind": "nexmark", "parallelism": strconv.Itoa(p)})
		})
	}
}
