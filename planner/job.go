package planner

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// Job is a built application: every source, pump and destination as a task
// over bounded in-application streams, ready to Run.
type Job struct {
	producers []exec.Task // sources and pumps: errors they raise go to the error stream
	consumers []exec.Task // destinations and readers of the error stream
	errs      *exec.ErrorStream
	physical  []string
	// OnError receives error records when nothing reads the error stream.
	onError func(exec.ErrorRecord)
	// coord takes checkpoints; nil when the session has no state directory.
	coord *coordinator
	// sinks and sources are closed by Run after the final checkpoint when
	// checkpointing: its commits still need them.
	sinks   []sinkEntry
	sources []exec.Operator
	// mem stops the job before the process outgrows max_memory; nil: no limit.
	mem *memoryWatch
	// windows are the job's windowed operators, for LateRows.
	windows []windowEntry
	// streams are the job's in-application streams by name, for Stream.
	streams map[string]*exec.Stream
}

type windowEntry struct {
	pump   string
	policy window.LatePolicy
	op     window.LateCounter
}

// LateRows is how many late rows one pump's windows set aside, and what
// happened to them.
type LateRows struct {
	Pump   string
	Policy window.LatePolicy
	Rows   int64
}

// LateRows returns, per pump with windows, the late rows set aside so far
// (pumps with none are left out). Call it after Run returns.
func (j *Job) LateRows() []LateRows {
	var out []LateRows
	for _, w := range j.windows {
		if n := w.op.LateRows(); n > 0 {
			if k := len(out) - 1; k >= 0 && out[k].Pump == w.pump && out[k].Policy == w.policy {
				out[k].Rows += n
				continue
			}
			out = append(out, LateRows{Pump: w.pump, Policy: w.policy, Rows: n})
		}
	}
	return out
}

// Explain returns the physical pipeline, one task per line.
func (j *Job) Explain() string { return strings.Join(j.physical, "\n") + "\n" }

// Stream returns the job's in-application stream name (the error stream
// included): the stream of that exact name, else the one whose name differs
// only in case. Watching it (exec.Stream.Tap) never slows the job down as
// long as the tap does not block.
func (j *Job) Stream(name string) (*exec.Stream, bool) {
	if s, ok := j.streams[name]; ok {
		return s, true
	}
	for k, s := range j.streams {
		if strings.EqualFold(k, name) {
			return s, true
		}
	}
	return nil, false
}

// StreamNames returns the names of the job's in-application streams, the
// error stream included, sorted.
func (j *Job) StreamNames() []string {
	out := make([]string, 0, len(j.streams))
	for k := range j.streams {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Errors returns how many rows went to the error stream.
func (j *Job) Errors() int64 { return j.errs.Count() }

// jobBuilder lowers plans into tasks.
type jobBuilder struct {
	s         *Session
	ctx       context.Context
	job       *Job
	streams   map[string]*exec.Stream
	readers   map[string]int
	errSink   exec.ErrorSink
	sideSink  exec.ErrorSink // for tasks downstream of the error stream
	unionSeq  int
	sourceCtx context.Context
	tracker   *exec.Tracker
	coord     *coordinator
	// live is set for a Live session, where readers come and go: every
	// scan applies its own pushed predicate.
	live bool
	// fp is the fingerprint of the pump being lowered; seq numbers its
	// stateful operators.
	fp  string
	seq map[string]int
	// tables are the reference tables the job reads, by name.
	tables map[string]*tableEntry
	// fused are the projections moved into source tasks, by stream
	// (planner/parallel.go).
	fused map[string]*fusedProject
}

// Build lowers the session's pumps, ad hoc queries, sources and
// destinations into a Job. Sources and sinks are opened here.
func (s *Session) Build(ctx context.Context, onError func(exec.ErrorRecord)) (*Job, error) {
	if onError == nil {
		onError = func(exec.ErrorRecord) {}
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	job := &Job{errs: exec.NewErrorStream(s.cfg.Alloc), onError: onError, mem: s.memoryWatch()}
	b := &jobBuilder{s: s, ctx: ctx, job: job, streams: map[string]*exec.Stream{}, readers: map[string]int{}, seq: map[string]int{}}
	job.streams = b.streams
	if s.cfg.StateDir != "" {
		interval := 10 * time.Second
		if v, ok := s.settings["checkpoint_interval"]; ok {
			if d, err := sql.ParseDuration(v); err == nil && d > 0 {
				interval = d
			} else {
				return nil, fmt.Errorf("checkpoint_interval %q: want a duration such as 10s", v)
			}
		}
		logf := s.cfg.Log
		if logf == nil {
			logf = func(string) {}
		}
		b.tracker = exec.NewTracker()
		b.coord = &coordinator{
			store: &checkpointStore{dir: s.cfg.StateDir, keep: 3}, interval: interval,
			tracker: b.tracker, gate: &gate{}, log: logf,
			nextID: 1, // 0 means "no checkpoint" to destinations (Abort(0))
		}
		job.coord = b.coord
		job.errs.Stream().Track(b.tracker)
	}
	b.sideSink = exec.ErrorSinkFunc(onError)
	b.errSink = job.errs

	// Count the readers of every stream: scans, then destinations.
	var plans []Node
	for _, name := range s.cat.order {
		if !s.cat.pumps[name].Stopped {
			plans = append(plans, s.cat.pumps[name].plan)
		}
	}
	for _, q := range s.queries {
		plans = append(plans, q.plan)
	}
	for _, p := range plans {
		for _, n := range scannedStreams(p) {
			b.readers[n]++
		}
	}
	dests, err := b.destinations()
	if err != nil {
		return nil, err
	}
	for _, d := range dests {
		b.readers[d.def.Name]++
	}
	if b.readers[exec.ErrorStreamName] == 0 {
		b.errSink = exec.ErrorSinkFunc(func(r exec.ErrorRecord) { job.errs.ReportError(r); onError(r) })
	}
	// Streams, subscribed in the order tasks are built below.
	for _, name := range s.cat.streamNames() {
		def := s.cat.streams[name]
		if name == exec.ErrorStreamName {
			b.streams[name] = job.errs.Stream()
			continue
		}
		st := exec.NewStream(name, streamScope(def, s.isSourceStream(def)).schema(), s.cfg.QueueBatches)
		st.Track(b.tracker)
		b.streams[name] = st
	}
	for _, name := range s.cat.order {
		p := s.cat.pumps[name]
		if p.Stopped {
			continue
		}
		if err := b.pump(name, p.plan, b.streams[p.Insert.Target], p.Insert.Target); err != nil {
			return nil, err
		}
	}
	for _, q := range s.queries {
		if err := b.output(q.name, q.plan, q.sink); err != nil {
			return nil, err
		}
	}
	for _, d := range dests {
		if err := b.destination(d); err != nil {
			return nil, err
		}
	}
	for _, name := range s.cat.streamNames() {
		def := s.cat.streams[name]
		if name == exec.ErrorStreamName || !s.isSourceStream(def) || b.readers[name] == 0 {
			continue
		}
		if err := b.source(def); err != nil {
			return nil, err
		}
	}
	return job, nil
}

type dest struct {
	def     *StreamDef
	options map[string]string
	// withRowtime delivers ROWTIME as a column too (retained history).
	withRowtime bool
}

// destinations lists the streams that leave the application: those with a
// destination connector or an output binding, and destination streams
// nobody reads or binds (they go to the default output).
func (b *jobBuilder) destinations() ([]dest, error) {
	s := b.s
	written := map[string]bool{}
	for _, p := range s.cat.pumps {
		written[p.Insert.Target] = true
	}
	var out []dest
	for _, name := range s.cat.streamNames() {
		def := s.cat.streams[name]
		if opts, ok := s.binding(s.outputs, name); ok {
			out = append(out, dest{def: def, options: opts})
			continue
		}
		if c := def.Connector(); c != "" && written[name] {
			if !s.cfg.Connectors.IsSink(c) {
				return nil, fmt.Errorf("stream %s is written by a pump but connector %q cannot be a destination", quoteIdent(name), c)
			}
			out = append(out, dest{def: def, options: connectorOptions(def.Options)})
			continue
		}
		if written[name] && b.readers[name] == 0 && def.Connector() == "" {
			out = append(out, dest{def: def, options: s.cfg.DefaultOutput})
		}
	}
	for _, name := range s.cat.streamNames() {
		def := s.cat.streams[name]
		opts, err := s.retainDestination(def)
		if err != nil {
			return nil, err
		}
		if opts != nil {
			out = append(out, dest{def: def, options: opts, withRowtime: true})
		}
	}
	for k := range s.outputs {
		if _, ok := s.cat.lookupStream(k); !ok && !isQueryName(s, k) {
			return nil, fmt.Errorf("--output %s: no such stream", k)
		}
	}
	return out, nil
}

func isQueryName(s *Session, name string) bool {
	for _, q := range s.queries {
		if strings.EqualFold(q.name, name) {
			return true
		}
	}
	return false
}

func (b *jobBuilder) env(pump string, downstreamOfErrors bool) exec.Env {
	errs := b.errSink
	if downstreamOfErrors {
		errs = b.sideSink
	}
	return exec.Env{Alloc: b.s.cfg.Alloc, Start: b.s.cfg.Clock(), Clock: b.s.cfg.Clock, Errors: errs, Pump: pump}
}

// errorDownstream returns the streams fed, directly or through pumps, by
// the error stream. Their tasks run until the error stream ends, and report
// their own errors outside it (no cycle).
func (s *Session) errorDownstream() map[string]bool {
	down := map[string]bool{exec.ErrorStreamName: true}
	for changed := true; changed; {
		changed = false
		for _, p := range s.cat.pumps {
			if down[p.Insert.Target] {
				continue
			}
			for _, in := range scannedStreams(p.plan) {
				if down[in] {
					down[p.Insert.Target], changed = true, true
					break
				}
			}
		}
	}
	return down
}

// readsDownstream tells whether a plan reads a stream fed by the error
// stream.
func readsDownstream(n Node, down map[string]bool) bool {
	for _, s := range scannedStreams(n) {
		if down[s] {
			return true
		}
	}
	return false
}

// Run runs the job until every bounded source is exhausted and all output
// is flushed, or until an error. Cancelling ctx stops the sources; what is
// already in flight is drained and flushed before Run returns. With
// checkpoints on, Run first restores the newest complete checkpoint, takes
// one every interval, and a final one when the sources have stopped.
func (j *Job) Run(ctx context.Context) error {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	work = j.mem.attach(work) // stateful operators join the memory watchdog
	if j.coord != nil {
		if err := j.coord.restore(work); err != nil {
			j.closeSinks(work)
			return err
		}
	}
	stopSources, stop := context.WithCancel(work)
	defer stop()
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-work.Done():
		}
	}()
	var (
		once     sync.Once
		firstErr error
	)
	fail := func(err error) {
		once.Do(func() { firstErr = err })
		cancel()
	}
	stopWatch := j.mem.start(fail)
	start := func(wg *sync.WaitGroup, t exec.Task, c context.Context) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := t.Run(c)
			if err == nil || errors.Is(err, context.Canceled) && work.Err() != nil {
				return
			}
			fail(fmt.Errorf("%s: %w", t.Name, err))
		}()
	}
	var producers, consumers sync.WaitGroup
	for _, t := range j.producers {
		c := work
		if strings.HasPrefix(t.Name, "source ") {
			c = stopSources
		}
		start(&producers, t, c)
	}
	start(&consumers, exec.Task{Name: "error stream", Run: j.errs.Run}, work)
	for _, t := range j.consumers {
		start(&consumers, t, work)
	}
	coordDone := make(chan struct{})
	coordCtx, stopCoord := context.WithCancel(work)
	if j.coord != nil {
		go func() { defer close(coordDone); j.coord.run(coordCtx) }()
	} else {
		close(coordDone)
	}
	producers.Wait()
	j.errs.Close()
	consumers.Wait()
	stopWatch()
	stopCoord()
	<-coordDone
	if j.coord != nil {
		if firstErr == nil {
			if err := j.coord.take(work, true); err != nil {
				fail(fmt.Errorf("final checkpoint: %w", err))
			}
		}
		if err := j.closeSinks(context.WithoutCancel(ctx)); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// closeSinks closes the destinations (and sources) Run owns (with
// checkpoints on).
func (j *Job) closeSinks(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var errs []error
	for _, op := range j.sources {
		if err := op.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range j.sinks {
		if err := s.sink.Close(cctx); err != nil {
			errs = append(errs, fmt.Errorf("destination %s: %w", s.name, err))
		}
	}
	return errors.Join(errs...)
}

// Checkpoints returns how many checkpoints Run completed and abandoned,
// and the state bytes and duration of the last one. It is safe to call
// while Run goes on.
func (j *Job) Checkpoints() (taken, failed int64, lastBytes int, last time.Duration) {
	if j.coord == nil {
		return 0, 0, 0, 0
	}
	c := j.coord
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	return c.taken, c.failed, c.lastBytes, c.lastDuration
}
