package exec

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// drainReader reads r to its end, releasing what it reads.
func drainReader(t testing.TB, r Operator) int {
	t.Helper()
	rows := 0
	for {
		b, err := r.Next(context.Background())
		if err != nil {
			return rows
		}
		rows += int(b.NumRows())
		b.Release()
	}
}

func TestStreamTap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		taps    int
		removeA bool // remove the first tap after the first batch
		want    []int64
	}{
		{name: "no tap", taps: 0},
		{name: "one tap sees every batch with rows", taps: 1, want: []int64{3, 3}},
		{name: "two taps", taps: 2, want: []int64{3, 3}},
		{name: "removed tap stops seeing", taps: 2, removeA: true, want: []int64{1, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s := NewStream("S", abSchema, 8)
			r, _ := s.Subscribe()
			rows := make([]atomic.Int64, tc.taps)
			removes := make([]func(), tc.taps)
			for i := range tc.taps {
				removes[i] = s.Tap(func(b arrow.RecordBatch) {
					if b.NumRows() == 0 {
						t.Error("tap called with an empty batch")
					}
					rows[i].Add(b.NumRows())
				})
			}
			w := s.NewWriter()
			ctx := context.Background()
			in := batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[]`, `[{"A":2,"B":2},{"A":3,"B":3}]`)
			for i, b := range in {
				if err := w.Write(ctx, b, 0); err != nil {
					t.Fatal(err)
				}
				if i == 0 && tc.removeA {
					removes[0]()
					removes[0]() // twice is harmless
				}
			}
			w.Close(ctx)
			if got := drainReader(t, r); got != 3 {
				t.Errorf("reader got %d rows, want 3", got)
			}
			r.Close()
			for i := range tc.taps {
				if got := rows[i].Load(); got != tc.want[i] {
					t.Errorf("tap %d saw %d rows, want %d", i, got, tc.want[i])
				}
			}
		})
	}
}

// A tap sees batches written with no reader, and may retain them.
func TestStreamTapRetain(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := NewStream("S", abSchema, 8)
	var kept []arrow.RecordBatch
	remove := s.Tap(func(b arrow.RecordBatch) { b.Retain(); kept = append(kept, b) })
	defer remove()
	w := s.NewWriter()
	for _, b := range batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[{"A":2,"B":2}]`) {
		if err := w.Write(context.Background(), b, 0); err != nil {
			t.Fatal(err)
		}
	}
	if len(kept) != 2 || kept[1].Column(0).ValueStr(0) != "2" {
		t.Fatalf("kept %d batches, want 2 with the second's A = 2", len(kept))
	}
	for _, b := range kept {
		b.Release()
	}
}

// Taps come and go while two writers publish (run with -race).
func TestStreamTapConcurrent(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := NewStream("S", abSchema, 4)
	r, _ := s.Subscribe()
	var steady atomic.Int64
	removeSteady := s.Tap(func(b arrow.RecordBatch) { steady.Add(b.NumRows()) })
	defer removeSteady()
	const batches = 200
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 2 {
		w := s.NewWriter()
		in := make([]arrow.RecordBatch, 0, batches)
		for range batches {
			in = append(in, batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`)...)
		}
		wg.Go(func() {
			for _, b := range in {
				if err := w.Write(ctx, b, 0); err != nil {
					t.Error(err)
				}
			}
			w.Close(ctx)
		})
	}
	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			var n atomic.Int64
			remove := s.Tap(func(b arrow.RecordBatch) { n.Add(1) })
			remove()
		}
	})
	got := drainReader(t, r)
	wg.Wait()
	close(stop)
	churn.Wait()
	r.Close()
	if got != 2*batches || steady.Load() != 2*batches {
		t.Fatalf("reader %d rows, steady tap %d rows, want %d each", got, steady.Load(), 2*batches)
	}
}

func BenchmarkStreamPublish(b *testing.B) {
	for _, taps := range []int{0, 1} {
		b.Run(map[int]string{0: "taps=0", 1: "taps=1"}[taps], func(b *testing.B) {
			mem := memory.NewGoAllocator()
			s := NewStream("S", abSchema, 8)
			var rows atomic.Int64
			for range taps {
				defer s.Tap(func(b arrow.RecordBatch) { rows.Add(b.NumRows()) })()
			}
			r, _ := s.Subscribe()
			w := s.NewWriter() // before the reader starts, or it sees no writer and ends
			done := make(chan int)
			go func() { done <- drainReader(b, r) }()
			batch := batchesFromJSON(b, mem, abSchema, `[{"A":1,"B":1},{"A":2,"B":2}]`)[0]
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				batch.Retain()
				if err := w.Write(ctx, batch, 0); err != nil {
					b.Fatal(err)
				}
			}
			w.Close(ctx)
			<-done
			b.StopTimer()
			batch.Release()
			r.Close()
			// Two rows a batch: the rate of events through the stream.
			b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
