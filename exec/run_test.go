package exec

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestPipeAndDrain(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	s := NewStream("S", abSchema, 2)
	r, _ := s.Subscribe()
	w := s.NewWriter()
	in := &sliceOp{schema: abSchema, batches: batchesFromJSON(t, mem, abSchema,
		`[{"A":1,"B":1},{"A":2,"B":2}]`, `[]`, `[{"A":3,"B":3}]`)}
	done := make(chan error, 1)
	go func() { done <- Pipe(ctx, in, w) }()
	rows := 0
	err := Drain(ctx, r, func(_ context.Context, b arrow.RecordBatch) error {
		defer b.Release()
		if b.NumRows() == 0 {
			t.Error("Drain handed over an empty batch")
		}
		rows += int(b.NumRows())
		return nil
	})
	if err != nil || <-done != nil {
		t.Fatalf("drain %v", err)
	}
	if rows != 3 || !in.closed {
		t.Errorf("rows %d, input closed %v", rows, in.closed)
	}
	// A failing destination stops the drain with its error.
	s2 := NewStream("S2", abSchema, 2)
	r2, _ := s2.Subscribe()
	w2 := s2.NewWriter()
	b := batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`)
	w2.Write(ctx, b[0], 0)
	w2.Close(ctx)
	boom := errors.New("destination down")
	if err := Drain(ctx, r2, func(_ context.Context, b arrow.RecordBatch) error { b.Release(); return boom }); !errors.Is(err, boom) {
		t.Errorf("Drain returned %v, want the destination's error", err)
	}
}
