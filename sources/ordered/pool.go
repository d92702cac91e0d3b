package ordered

import (
	"context"
	"sync"
)

// Job is one piece of work for a Pool: run is called once, on some
// worker, with that worker's state. The submitter reads what run wrote
// only after Await returns nil for the job.
type Job[W any] struct {
	run  func(ctx context.Context, w W)
	done chan struct{}
}

// NewJob returns a job calling run.
func NewJob[W any](run func(ctx context.Context, w W)) *Job[W] {
	return &Job[W]{run: run, done: make(chan struct{})}
}

// Done tells whether the job has run. After Stop, a job that is not done
// never ran and never will.
func (j *Job[W]) Done() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// Pool runs jobs on worker goroutines, oldest submitted first. Submit,
// Await and Stop are called by one goroutine, the reader; jobs run on
// the workers and, inside Await, on the reader itself.
type Pool[W any] struct {
	jobs   chan *Job[W]
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	self   W
}

// Start starts one goroutine for each of workers but the last, which is
// the reader's own (used inside Await). queue is how many submitted jobs
// may wait before Submit blocks; callers keep fewer than that in flight.
// Jobs get a context that Stop cancels.
func Start[W any](workers []W, queue int) *Pool[W] {
	if len(workers) == 0 {
		panic("ordered: a pool needs at least the reader's worker")
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool[W]{jobs: make(chan *Job[W], max(queue, 1)), ctx: ctx, cancel: cancel, self: workers[len(workers)-1]}
	for _, w := range workers[:len(workers)-1] {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-p.jobs:
					if ctx.Err() != nil {
						return // stopped: j never runs
					}
					p.run(w, j)
				}
			}
		}()
	}
	return p
}

func (p *Pool[W]) run(w W, j *Job[W]) {
	j.run(p.ctx, w)
	close(j.done)
}

// Submit queues j for the workers. It blocks while the queue is full.
func (p *Pool[W]) Submit(j *Job[W]) { p.jobs <- j }

// Await returns once j has run, running waiting jobs on the reader's own
// worker meanwhile, or ctx's error when ctx ends first.
func (p *Pool[W]) Await(ctx context.Context, j *Job[W]) error {
	for {
		select {
		case <-j.done:
			return nil
		default:
		}
		select {
		case <-j.done:
			return nil
		case other := <-p.jobs:
			p.run(p.self, other)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Stop cancels the jobs' context and waits for the workers to end. Jobs
// still queued never run (Done stays false); the caller releases what
// done jobs made and it did not take.
func (p *Pool[W]) Stop() {
	p.cancel()
	p.wg.Wait()
}
