package planner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eddy-sql/eddy/exec"
)

// The abilities of sources and sinks the coordinator uses, mirrored here
// because the planner sees connectors only through its own interfaces
// (sources.Positioner, Seeker, Committer; sinks.Flusher, Committer).
type (
	positioner interface{ Position() ([]byte, error) }
	seeker     interface {
		Seek(context.Context, []byte) error
	}
	srcCommitter interface {
		Commit(context.Context, []byte) error
	}
	flusher       interface{ Flush(context.Context) error }
	sinkCommitter interface {
		Prepare(context.Context, int64) error
		Commit(context.Context, int64) error
		Abort(context.Context, int64) error
	}
)

// gate pauses source tasks between batches.
//
// A pause is one generation: parked counts the tasks parked in the current
// one only. open resets it, because the tasks it wakes are no longer
// parked even though they may not have run yet: counting them until they
// do would let the next pause, right after (checkpoints back to back),
// find them "parked" while they go on to read a batch, and the
// checkpoint would record a source position before rows its state holds.
type gate struct {
	mu      sync.Mutex
	resume  chan struct{} // non-nil while paused; closed to resume
	parked  int           // tasks parked on resume
	active  int
	entered int // source tasks that ever started
}

// enter registers a running source task.
func (g *gate) enter() { g.mu.Lock(); g.active++; g.entered++; g.mu.Unlock() }

// finished tells whether every source task that started has ended: the
// pipeline is draining, and operators flush on their inputs' ends, which
// no batch in flight covers.
func (g *gate) finished() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.entered > 0 && g.active == 0
}

// exit unregisters a finished source task.
func (g *gate) exit() { g.mu.Lock(); g.active--; g.mu.Unlock() }

// wait parks the calling source task while the gate is paused.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.resume
	if ch == nil {
		g.mu.Unlock()
		return nil
	}
	g.parked++
	g.mu.Unlock()
	select {
	case <-ch: // open uncounted this task
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		if g.resume == ch { // still the pause it parked in
			g.parked--
		}
		g.mu.Unlock()
		return ctx.Err()
	}
}

func (g *gate) pause() {
	g.mu.Lock()
	if g.resume == nil {
		g.resume = make(chan struct{})
	}
	g.mu.Unlock()
}

// open ends the pause: the parked tasks go on, and no task counts as
// parked until it parks again in a later pause.
func (g *gate) open() {
	g.mu.Lock()
	if g.resume != nil {
		close(g.resume)
		g.resume = nil
		g.parked = 0
	}
	g.mu.Unlock()
}

// allParked waits until every running source task is parked.
func (g *gate) allParked(ctx context.Context) error {
	for {
		g.mu.Lock()
		done := g.parked >= g.active
		g.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// stateEntry is one stateful operator, keyed by its pump and position in
// the plan, with the fingerprint of the pump's plan.
type stateEntry struct {
	key         string
	fingerprint string
	op          exec.Snapshotter
}

// sourceEntry is one source of the job.
type sourceEntry struct {
	stream      string
	fingerprint string
	raw         any
}

// sinkEntry is one destination of the job.
type sinkEntry struct {
	name string
	sink Sink
}

// coordinator takes checkpoints of a job.
type coordinator struct {
	store    *checkpointStore
	interval time.Duration
	tracker  *exec.Tracker
	gate     *gate
	states   []stateEntry
	sources  []sourceEntry
	sinks    []sinkEntry
	nextID   int64
	log      func(string)
	// Taken counts completed checkpoints; Failed counts abandoned ones.
	// statsMu guards them: Job.Checkpoints reads them while Run goes on.
	statsMu       sync.Mutex
	taken, failed int64
	lastBytes     int
	lastDuration  time.Duration
}

// fingerprint identifies a plan: a pump keeps its state across restarts
// only while its fingerprint is unchanged.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// restore loads the newest valid checkpoint into the job's operators,
// sources and sinks before anything runs.
func (c *coordinator) restore(ctx context.Context) error {
	m, states, err := c.store.latest(c.log)
	if err != nil {
		return err
	}
	if m == nil {
		for _, s := range c.sinks {
			if sc, ok := s.sink.(sinkCommitter); ok {
				if err := sc.Abort(ctx, 0); err != nil {
					return fmt.Errorf("destination %s: %w", s.name, err)
				}
			}
		}
		return nil
	}
	c.nextID = m.ID + 1
	saved := map[string]manifestState{}
	for _, st := range m.States {
		saved[st.Key] = st
	}
	fresh := map[string]bool{}
	for _, e := range c.states {
		st, ok := saved[e.key]
		if !ok || st.Fingerprint != e.fingerprint {
			if !strings.HasPrefix(e.key, "source ") { // sources say so below
				fresh[pumpOfKey(e.key)] = true
			}
			continue
		}
		if err := e.op.Restore(bytes.NewReader(states[e.key])); err != nil {
			return fmt.Errorf("restoring %s from checkpoint %d: %w", e.key, m.ID, err)
		}
	}
	for p := range fresh {
		c.log(fmt.Sprintf("pump %s starts with fresh state (new, or its SQL changed)", p))
	}
	positions := map[string]manifestSrc{}
	for _, s := range m.Sources {
		positions[s.Stream] = s
	}
	for _, s := range c.sources {
		p, ok := positions[s.stream]
		switch {
		case !ok:
			c.log(fmt.Sprintf("source %s starts fresh: it is new since checkpoint %d", s.stream, m.ID))
			continue
		case p.Fingerprint != s.fingerprint:
			c.log(fmt.Sprintf("source %s starts fresh, from the beginning of its data: what identifies the data it reads (connector, topic, stream, path or group) changed since checkpoint %d", s.stream, m.ID))
			continue
		}
		sk, can := s.raw.(seeker)
		if !can || p.Position == nil {
			continue
		}
		if err := sk.Seek(ctx, p.Position); err != nil {
			return fmt.Errorf("source %s: resuming from checkpoint %d: %w", s.stream, m.ID, err)
		}
	}
	for _, s := range c.sinks {
		if sc, ok := s.sink.(sinkCommitter); ok {
			if err := sc.Commit(ctx, m.ID); err != nil {
				return fmt.Errorf("destination %s: %w", s.name, err)
			}
			if err := sc.Abort(ctx, m.ID+1); err != nil {
				return fmt.Errorf("destination %s: %w", s.name, err)
			}
		}
	}
	c.log(fmt.Sprintf("restored checkpoint %d from %s", m.ID, m.Time.Format(time.RFC3339)))
	return nil
}

func pumpOfKey(key string) string {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == '#' {
			return key[:i]
		}
	}
	return key
}

// run takes a checkpoint every interval until ctx ends.
func (c *coordinator) run(ctx context.Context) {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.take(ctx, false); err != nil && ctx.Err() == nil {
				c.statsMu.Lock()
				c.failed++
				c.statsMu.Unlock()
				c.log(fmt.Sprintf("checkpoint abandoned: %v", err))
			}
		}
	}
}

// take pauses the sources, waits until the pipeline is quiescent, and
// records one consistent cut: source positions, operator state, and
// destination output. final marks the checkpoint at the end of a run,
// taken when every source has stopped.
func (c *coordinator) take(ctx context.Context, final bool) error {
	start := time.Now()
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c.gate.pause()
	defer c.gate.open()
	if err := c.gate.allParked(wait); err != nil {
		return fmt.Errorf("sources did not pause: %w", err)
	}
	if err := c.tracker.WaitIdle(wait); err != nil {
		return fmt.Errorf("pipeline did not drain: %w", err)
	}
	if !final && c.gate.finished() {
		// Draining: only the final checkpoint, after everything has
		// flushed, is a consistent cut.
		return nil
	}
	id := c.nextID
	m := &manifest{ID: id, Time: time.Now().UTC()}
	for _, s := range c.sources {
		ms := manifestSrc{Stream: s.stream, Fingerprint: s.fingerprint}
		if p, ok := s.raw.(positioner); ok {
			pos, err := p.Position()
			if err != nil {
				return fmt.Errorf("source %s: position: %w", s.stream, err)
			}
			ms.Position = pos
		}
		m.Sources = append(m.Sources, ms)
	}
	states := map[string][]byte{}
	total := 0
	for _, e := range c.states {
		var buf bytes.Buffer
		if err := e.op.Snapshot(&buf); err != nil {
			return fmt.Errorf("snapshot of %s: %w", e.key, err)
		}
		states[e.key] = buf.Bytes()
		total += buf.Len()
		m.States = append(m.States, manifestState{Key: e.key, Fingerprint: e.fingerprint})
	}
	sort.Slice(m.States, func(i, j int) bool { return m.States[i].Key < m.States[j].Key })
	for _, s := range c.sinks {
		var err error
		switch k := s.sink.(type) {
		case sinkCommitter:
			err = k.Prepare(ctx, id)
		case flusher:
			err = k.Flush(ctx)
		}
		if err != nil {
			c.abortSinks(ctx, id)
			return fmt.Errorf("destination %s: %w", s.name, err)
		}
	}
	if err := c.store.write(m, states); err != nil {
		c.abortSinks(ctx, id)
		return err
	}
	c.nextID++
	var errs []error
	for _, s := range c.sinks {
		if k, ok := s.sink.(sinkCommitter); ok {
			if err := k.Commit(ctx, id); err != nil {
				errs = append(errs, fmt.Errorf("destination %s: commit %d: %w", s.name, id, err))
			}
		}
	}
	for i, s := range c.sources {
		if k, ok := s.raw.(srcCommitter); ok && m.Sources[i].Position != nil {
			if err := k.Commit(ctx, m.Sources[i].Position); err != nil {
				errs = append(errs, fmt.Errorf("source %s: commit: %w", s.stream, err))
			}
		}
	}
	c.statsMu.Lock()
	c.taken++
	c.lastBytes, c.lastDuration = total, time.Since(start)
	c.statsMu.Unlock()
	return errors.Join(errs...)
}

func (c *coordinator) abortSinks(ctx context.Context, id int64) {
	for _, s := range c.sinks {
		if k, ok := s.sink.(sinkCommitter); ok {
			k.Abort(ctx, id)
		}
	}
}
