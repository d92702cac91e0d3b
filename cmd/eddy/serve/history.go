package serve

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"
)

// DefaultSampleInterval is how often the metrics history samples every
// application's counters; DefaultHistorySamples how many samples it
// keeps (an hour at the default interval).
const (
	DefaultSampleInterval = 10 * time.Second
	DefaultHistorySamples = 360
)

// Sample is one point of an application's metrics history: the rates
// over the interval that ends at Time, and the lag at Time.
type Sample struct {
	// Time is the end of the interval, in ms since the epoch.
	Time int64 `json:"t"`
	// In and Out are the rows per second read from the inputs and
	// delivered to the outputs; Errors the error-stream rows per second.
	In     float64 `json:"in"`
	Out    float64 `json:"out"`
	Errors float64 `json:"errors"`
	// Lag is the largest MillisBehindLatest of the inputs' partitions,
	// -1 when no input reports one (or the application is not running).
	Lag int64 `json:"lag_ms"`
	// WatermarkLag is the wall clock minus the lowest watermark of the
	// source streams (the newest event time of one that has no watermark),
	// in ms; -1 when none has either yet (or the application is not
	// running).
	WatermarkLag int64 `json:"watermark_lag_ms"`
}

// History is an application's metrics history as Eddy's API returns it
// (GET /v1/applications/NAME/history): its samples, oldest first.
type History struct {
	IntervalMs int64    `json:"interval_ms"`
	Capacity   int      `json:"capacity"`
	Samples    []Sample `json:"samples"`
}

// counterReading is what the sampler reads of an application at one time.
type counterReading struct {
	at                time.Time
	in, out, errors   int64
	lag, watermarkLag int64 // -1: unknown
	running           bool
}

// historyRing is a bounded ring of samples made from successive counter
// readings. It is safe for concurrent use.
type historyRing struct {
	mu       sync.Mutex
	samples  []Sample // the ring's storage, len ≤ capacity
	capacity int
	next     int // where the next sample goes once the ring is full
	prev     counterReading
	hasPrev  bool
}

func newHistoryRing(capacity int) *historyRing {
	return &historyRing{samples: make([]Sample, 0, capacity), capacity: capacity}
}

// add turns a reading into a sample of the rates since the previous one.
// The first reading only sets the base. A counter lower than before (the
// counters started again from zero) counts from zero, never as a negative
// rate.
func (h *historyRing) add(r counterReading) {
	h.mu.Lock()
	defer h.mu.Unlock()
	prev, had := h.prev, h.hasPrev
	h.prev, h.hasPrev = r, true
	if !had {
		return
	}
	dt := r.at.Sub(prev.at).Seconds()
	if dt <= 0 {
		return
	}
	rate := func(cur, old int64) float64 {
		if cur < old {
			old = 0
		}
		return float64(cur-old) / dt
	}
	s := Sample{Time: r.at.UnixMilli(), In: rate(r.in, prev.in), Out: rate(r.out, prev.out), Errors: rate(r.errors, prev.errors), Lag: r.lag, WatermarkLag: r.watermarkLag}
	if !r.running {
		s.Lag, s.WatermarkLag = -1, -1
	}
	if len(h.samples) < h.capacity {
		h.samples = append(h.samples, s)
		return
	}
	h.samples[h.next] = s
	h.next = (h.next + 1) % len(h.samples)
}

// list returns the samples, oldest first (a copy).
func (h *historyRing) list() []Sample {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Sample, 0, len(h.samples))
	out = append(out, h.samples[h.next:]...)
	return append(out, h.samples[:h.next]...)
}

// read returns the application's counters now: the rows of its inputs and
// outputs, its error-stream rows, and its lags.
func (a *application) read(now time.Time) counterReading {
	r := counterReading{at: now, lag: -1, watermarkLag: -1}
	a.mu.Lock()
	r.running = a.run != nil && a.status == StatusRunning
	a.mu.Unlock()
	m := a.metrics
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.flows {
		switch f.flow {
		case "input":
			r.in += f.records.Load()
		case "output":
			r.out += f.records.Load()
		}
	}
	for _, n := range m.errors {
		r.errors += n
	}
	for _, parts := range m.lag {
		for _, ms := range parts {
			r.lag = max(r.lag, ms)
		}
	}
	low := int64(math.MaxInt64)
	for _, f := range m.flows {
		if f.flow != "input" {
			continue
		}
		t := m.times[strings.ToUpper(f.stream)]
		if t == nil {
			continue
		}
		// A source without a watermark (no lateness promised) counts
		// its newest event time, as the pipeline graph shows it.
		v := t.watermark.Load()
		if v == math.MinInt64 {
			v = t.maxTime.Load()
		}
		if v != math.MinInt64 && v < low {
			low = v
		}
	}
	if low != math.MaxInt64 {
		r.watermarkLag = max(now.UnixMilli()-low, 0)
	}
	return r
}

// sample adds a reading of every application to its history.
func (m *Manager) sample() {
	now := m.opts.Clock()
	for _, a := range m.apps() {
		a.history.add(a.read(now))
	}
}

// sampleLoop samples every SampleInterval until ctx is done.
func (m *Manager) sampleLoop(ctx context.Context) {
	t := time.NewTicker(m.opts.SampleInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.sample()
		}
	}
}

// History returns application app's metrics history.
func (m *Manager) History(app string) (History, error) {
	a, err := m.get(app)
	if err != nil {
		return History{}, err
	}
	return History{IntervalMs: m.opts.SampleInterval.Milliseconds(), Capacity: a.history.capacity, Samples: a.history.list()}, nil
}
