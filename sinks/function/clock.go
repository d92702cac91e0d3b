package function

import "time"

// Clock is the time source of the destinations: the current time and
// timers. Tests inject a fake one so interval-driven behavior is
// deterministic. Implementations are safe for concurrent use.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock returns a Clock whose Now is now (time.Now when nil) and
// whose timers are real.
func SystemClock(now func() time.Time) Clock {
	if now == nil {
		now = time.Now
	}
	return systemClock{now: now}
}

type systemClock struct{ now func() time.Time }

func (c systemClock) Now() time.Time                         { return c.now() }
func (c systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
