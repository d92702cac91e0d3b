package planner

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// gateTask runs the loop of a source task against g (runSource's): park at
// the gate, then read a batch (counted in reads; reading takes a moment),
// until ctx ends.
func gateTask(ctx context.Context, g *gate, reads *atomic.Int64) error {
	g.enter()
	defer g.exit()
	for {
		if err := g.wait(ctx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		reads.Add(1)
		time.Sleep(5 * time.Microsecond)
	}
}

// TestGateHoldsSourcesDuringEveryCheckpoint checks the checkpoint gate's
// promise to take: once allParked returns, no source task reads a batch
// until open, also when checkpoints come back to back (open then pause at
// once, as the coordinator does when a checkpoint took longer than the
// interval). A task that open woke but that has not run yet is not parked:
// counting it let the next checkpoint record source positions while the
// task went on to read, so a restart replayed rows its state already held.
func TestGateHoldsSourcesDuringEveryCheckpoint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		checkpoints int
		tasks       int
	}{
		{"one_source_back_to_back_checkpoints", 300, 1},
		{"three_sources_back_to_back_checkpoints", 200, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			g := &gate{}
			var reads atomic.Int64
			done := make(chan error, tc.tasks)
			for range tc.tasks {
				go func() { done <- gateTask(ctx, g, &reads) }()
			}
			defer func() {
				cancel()
				g.open()
				for range tc.tasks {
					if err := <-done; !errors.Is(err, context.Canceled) {
						t.Errorf("task ended with %v, want context.Canceled", err)
					}
				}
			}()
			for g.activeTasks() < tc.tasks { // every task has entered
				time.Sleep(time.Millisecond)
			}
			for i := range tc.checkpoints {
				g.pause()
				wait, stop := context.WithTimeout(ctx, 10*time.Second)
				err := g.allParked(wait)
				stop()
				if err != nil {
					t.Fatalf("checkpoint %d: sources did not pause: %v", i, err)
				}
				before := reads.Load()
				time.Sleep(20 * time.Microsecond) // let a task that was not parked run
				if after := reads.Load(); after != before {
					t.Fatalf("checkpoint %d: %d batches read while every source counted as parked", i, after-before)
				}
				g.open() // and pause again at once
			}
		})
	}
}

// TestGateForgetsCancelledTasks checks that a task cancelled while parked
// leaves no parked count behind, in the pause it parked in or later.
func TestGateForgetsCancelledTasks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		openFirst    bool // the pause ends before the task's context does
		wantAfterEnd int
	}{
		{"cancelled_while_paused", false, 0},
		{"cancelled_after_open", true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := &gate{}
			g.enter()
			g.pause()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- g.wait(ctx) }()
			if err := g.allParked(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := g.parkedTasks(); got != 1 {
				t.Fatalf("parked = %d, want 1", got)
			}
			if tc.openFirst {
				g.open()
				if got := g.parkedTasks(); got != 0 {
					t.Fatalf("parked right after open = %d, want 0", got)
				}
				g.pause() // a new pause the task has not parked in
			}
			cancel()
			err := <-done
			if !tc.openFirst && !errors.Is(err, context.Canceled) {
				t.Fatalf("wait = %v, want context.Canceled", err)
			}
			g.exit()
			if got := g.parkedTasks(); got != tc.wantAfterEnd {
				t.Fatalf("parked after the task ended = %d, want %d", got, tc.wantAfterEnd)
			}
			g.open()
		})
	}
}

func (g *gate) activeTasks() int { g.mu.Lock(); defer g.mu.Unlock(); return g.active }
func (g *gate) parkedTasks() int { g.mu.Lock(); defer g.mu.Unlock(); return g.parked }
