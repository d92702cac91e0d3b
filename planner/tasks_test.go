package planner

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// TestRunSourceStopsItsStreamOutsideCheckpoints checks how a source task
// ends when the job stops (its context is cancelled): it stops its stream
// (readers get exec.ErrStopped), and not while a checkpoint holds the gate,
// since the readers' consumers act on the stop and the checkpoint's cut
// must not go through that work; it waits for the gate to open instead.
func TestRunSourceStopsItsStreamOutsideCheckpoints(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		checkpoint bool // a checkpoint holds the gate when the job stops
	}{
		{"stopped_between_batches", false},
		{"stopped_while_parked_for_a_checkpoint", true},
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "K", Type: arrow.PrimitiveTypes.Int64}}, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tr := exec.NewTracker()
			st := exec.NewStream("S", schema, 64)
			st.Track(tr)
			r, _ := st.Subscribe()
			defer r.Close()
			g := &gate{}
			if tc.checkpoint {
				g.pause()
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &seqSource{schema: schema, count: -1, batch: 2, mem: mem}
			w := st.NewWriter()
			done := make(chan error, 1)
			go func() { done <- runSource(ctx, src, w, g, true) }()
			read, stopRead := context.WithTimeout(context.Background(), 10*time.Second)
			defer stopRead()
			if tc.checkpoint {
				if err := g.allParked(read); err != nil {
					t.Fatal(err)
				}
				cancel()
				time.Sleep(20 * time.Millisecond)
				select {
				case err := <-done:
					t.Fatalf("source task ended (%v) while the checkpoint held the gate", err)
				default:
				}
				if n := tr.InFlight(); n != 0 {
					t.Fatalf("in flight while the checkpoint holds the gate = %d, want 0", n)
				}
				g.open()
			} else {
				for range 3 {
					b, err := r.Next(read)
					if err != nil {
						t.Fatal(err)
					}
					b.Release()
				}
				cancel()
			}
			var err error
			for err == nil {
				var b arrow.RecordBatch
				if b, err = r.Next(read); err == nil {
					b.Release()
				}
			}
			if !errors.Is(err, exec.ErrStopped) {
				t.Fatalf("reader ended with %v, want exec.ErrStopped", err)
			}
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("runSource = %v, want context.Canceled", err)
			}
			if g.activeTasks() != 0 || g.parkedTasks() != 0 {
				t.Fatalf("gate after the task ended: %d active, %d parked", g.activeTasks(), g.parkedTasks())
			}
		})
	}
}
