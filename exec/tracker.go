package exec

import (
	"context"
	"sync/atomic"
	"time"
)

// Tracker counts the work in flight in a job: batches (and the ends of
// streams: io.EOF, ErrStopped) queued in its streams or being processed by
// the reader that took them, until it asks for more or closes, and error
// records not yet published. When the sources are paused and the count is
// zero, every operator has fully processed everything it received: the
// pipeline is quiescent, and its state and positions form one consistent
// cut (a checkpoint). A nil *Tracker counts nothing.
type Tracker struct {
	n atomic.Int64
}

// NewTracker returns a tracker with nothing in flight.
func NewTracker() *Tracker { return &Tracker{} }

func (t *Tracker) add(d int64) {
	if t != nil {
		t.n.Add(d)
	}
}

// InFlight returns the current count.
func (t *Tracker) InFlight() int64 {
	if t == nil {
		return 0
	}
	return t.n.Load()
}

// WaitIdle waits until nothing is in flight, polling; it returns ctx.Err()
// if ctx ends first.
func (t *Tracker) WaitIdle(ctx context.Context) error {
	delay := 50 * time.Microsecond
	for t.InFlight() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < 5*time.Millisecond {
			delay *= 2
		}
	}
	return nil
}
