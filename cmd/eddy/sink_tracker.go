package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
)

// sinkTracker knows, for every destination of a run, what it has been
// given and whether it has been closed (flushed), so that a run stopped
// before its flush ends can say what was not flushed.
type sinkTracker struct {
	clock func() time.Time
	mu    sync.Mutex
	sinks []*sinkState
}

// sinkState is one destination's progress; the tracker's mutex guards it.
type sinkState struct {
	name, connector string
	delivered       int64     // rows of Writes that returned
	writing         int64     // rows of the Write in progress, 0 for none
	since           time.Time // when that Write began
	closing, closed bool
}

// track wraps s so that it reports to t. The wrapper keeps the optional
// abilities (sinks.Flusher, sinks.Committer) the engine looks for.
func (t *sinkTracker) track(name, connector string, s planner.Sink) planner.Sink {
	st := &sinkState{name: name, connector: connector}
	t.mu.Lock()
	t.sinks = append(t.sinks, st)
	t.mu.Unlock()
	base := trackedSink{inner: s, st: st, t: t}
	_, flushes := s.(sinks.Flusher)
	_, commits := s.(sinks.Committer)
	switch {
	case flushes && commits:
		return &trackedFlushCommitter{trackedCommitter{base}}
	case commits:
		return &trackedCommitter{base}
	case flushes:
		return &trackedFlusher{base}
	}
	return &base
}

// unflushed describes the destinations that have not been closed, one
// line each, in name order; nil when every one was.
func (t *sinkTracker) unflushed() []string {
	if t == nil {
		return nil
	}
	now := t.clock()
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, st := range t.sinks {
		if st.closed {
			continue
		}
		what := fmt.Sprintf("destination %s (%s): %s rows delivered", st.name, st.connector, thousands(st.delivered))
		switch {
		case st.writing > 0:
			what += fmt.Sprintf(", a write of %s rows blocked for %s", thousands(st.writing), now.Sub(st.since).Round(100*time.Millisecond))
		case st.closing:
			what += ", its final flush did not finish"
		default:
			what += ", not flushed"
		}
		out = append(out, what)
	}
	sort.Strings(out)
	return out
}

// trackedSink is a planner.Sink reporting to a tracker.
type trackedSink struct {
	inner planner.Sink
	st    *sinkState
	t     *sinkTracker
}

// Write forwards batch, noting its rows while the write is under way.
func (s *trackedSink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	n := batch.NumRows()
	s.t.mu.Lock()
	s.st.writing, s.st.since = n, s.t.clock()
	s.t.mu.Unlock()
	err := s.inner.Write(ctx, batch)
	s.t.mu.Lock()
	s.st.writing = 0
	if err == nil {
		s.st.delivered += n
	}
	s.t.mu.Unlock()
	return err
}

// Close forwards Close; the destination counts as flushed when it returns
// nil.
func (s *trackedSink) Close(ctx context.Context) error {
	s.t.mu.Lock()
	s.st.closing = true
	s.t.mu.Unlock()
	err := s.inner.Close(ctx)
	s.t.mu.Lock()
	s.st.closed = s.st.closed || err == nil
	s.t.mu.Unlock()
	return err
}

func (s *trackedSink) flush(ctx context.Context) error {
	return s.inner.(sinks.Flusher).Flush(ctx)
}

func (s *trackedSink) committer() sinks.Committer { return s.inner.(sinks.Committer) }

type trackedFlusher struct{ trackedSink }

// Flush forwards to the destination's Flush.
func (s *trackedFlusher) Flush(ctx context.Context) error { return s.flush(ctx) }

type trackedCommitter struct{ trackedSink }

// Prepare forwards to the destination's Prepare.
func (s *trackedCommitter) Prepare(ctx context.Context, id int64) error {
	return s.committer().Prepare(ctx, id)
}

// Commit forwards to the destination's Commit.
func (s *trackedCommitter) Commit(ctx context.Context, id int64) error {
	return s.committer().Commit(ctx, id)
}

// Abort forwards to the destination's Abort.
func (s *trackedCommitter) Abort(ctx context.Context, id int64) error {
	return s.committer().Abort(ctx, id)
}

type trackedFlushCommitter struct{ trackedCommitter }

// Flush forwards to the destination's Flush.
func (s *trackedFlushCommitter) Flush(ctx context.Context) error { return s.flush(ctx) }

var (
	_ sinks.Flusher   = (*trackedFlusher)(nil)
	_ sinks.Committer = (*trackedCommitter)(nil)
	_ sinks.Flusher   = (*trackedFlushCommitter)(nil)
	_ sinks.Committer = (*trackedFlushCommitter)(nil)
)

// thousands formats n with commas: 12,345.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
