package ordered

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// counter is a worker's state: how many jobs it ran.
type counter struct{ ran atomic.Int64 }

// TestPoolResultsInOrder submits jobs that each write their number and
// checks that awaiting them in submission order reads every result, with
// the work spread over the workers and the reader.
func TestPoolResultsInOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		workers  int // goroutines besides the reader's own worker
		inFlight int
	}{
		{"reader only", 0, 4},
		{"one worker", 1, 1},
		{"four workers", 4, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := make([]*counter, tc.workers+1)
			for i := range ws {
				ws[i] = &counter{}
			}
			p := Start(ws, tc.inFlight)
			defer p.Stop()
			const jobs = 2000
			type result struct {
				job *Job[*counter]
				v   int
			}
			var queue []*result
			next, got := 0, 0
			ctx := context.Background()
			for got < jobs {
				for next < jobs && len(queue) < tc.inFlight {
					r := &result{}
					n := next
					r.job = NewJob(func(_ context.Context, w *counter) {
						w.ran.Add(1)
						sum := 0
						for i := range 1000 {
							sum += i
						}
						r.v = n*1_000_000 + sum
					})
					queue = append(queue, r)
					p.Submit(r.job)
					next++
				}
				r := queue[0]
				queue = queue[1:]
				if err := p.Await(ctx, r.job); err != nil {
					t.Fatal(err)
				}
				if want := got*1_000_000 + 499500; r.v != want {
					t.Fatalf("result %d is %d, want %d", got, r.v, want)
				}
				got++
			}
			total := int64(0)
			for _, w := range ws {
				total += w.ran.Load()
			}
			if total != jobs {
				t.Fatalf("workers ran %d jobs, want %d", total, jobs)
			}
		})
	}
}

// TestPoolAwaitCancelAndStop checks that Await returns when its context
// ends and that Stop leaves queued jobs unrun.
func TestPoolAwaitCancelAndStop(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	ws := []*counter{{}, {}} // one worker goroutine and the reader's
	p := Start(ws, 4)
	blocker := NewJob(func(ctx context.Context, _ *counter) {
		close(started)
		<-ctx.Done()
	})
	p.Submit(blocker)
	<-started // the worker has it
	queued := NewJob(func(context.Context, *counter) {})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Await(ctx, blocker); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await on a cancelled context: %v", err)
	}
	p.Submit(queued)
	p.Stop() // cancels the blocker's context
	if !blocker.Done() {
		t.Fatal("the running job did not finish before Stop returned")
	}
	if queued.Done() {
		t.Fatal("a job submitted before Stop ran without anyone awaiting it")
	}
}
