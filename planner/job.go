package planner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
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
	// sinks are closed by Run after the final checkpoint when checkpointing.
	sinks []sinkEntry
}

// Explain returns the physical pipeline, one task per line.
func (j *Job) Explain() string { return strings.Join(j.physical, "\n") + "\n" }

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
}

// Build lowers the session's pumps, ad hoc queries, sources and
// destinations into a Job. Sources and sinks are opened here.
func (s *Session) Build(ctx context.Context, onError func(exec.ErrorRecord)) (*Job, error) {
	if onError == nil {
		onError = func(exec.ErrorRecord) {}
	}
	job := &Job{errs: exec.NewErrorStream(s.cfg.Alloc), onError: onError}
	b := &jobBuilder{s: s, ctx: ctx, job: job, streams: map[string]*exec.Stream{}, readers: map[string]int{}, seq: map[string]int{}}
	if s.cfg.StateDir != "" {
		interval := 10 * time.Second
		if v, ok := s.settings["checkpoint_interval"]; ok {
			if d := durationOption(v); d > 0 {
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
		}
		job.coord = b.coord
		job.errs.Stream().Track(b.tracker)
	}
	b.sideSink = exec.ErrorSinkFunc(onError)
	b.errSink = job.errs

	// Count the readers of every stream: scans, then destinations.
	var plans []Node
	for _, name := range s.cat.order {
		plans = append(plans, s.cat.pumps[name].plan)
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

func readsErrors(n Node) bool {
	for _, s := range scannedStreams(n) {
		if s == exec.ErrorStreamName {
			return true
		}
	}
	return false
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

// pump lowers a pump's plan and adds its task, writing into target.
func (b *jobBuilder) pump(name string, plan Node, target *exec.Stream, targetName string) error {
	b.fp = fingerprint("pump", name, targetName, explainTree(plan))
	side := readsDownstream(plan, b.s.errorDownstream())
	op, err := b.lower(plan, b.env(name, side))
	if err != nil {
		return err
	}
	w := target.NewWriter()
	b.job.physical = append(b.job.physical, fmt.Sprintf("pump %s: %s -> stream %s", quoteIdent(name), physical(op), quoteIdent(targetName)))
	b.add(side, exec.Task{Name: "pump " + name, Run: func(ctx context.Context) error { return exec.Pipe(ctx, op, w) }})
	return nil
}

func (b *jobBuilder) add(consumer bool, t exec.Task) {
	if consumer {
		b.job.consumers = append(b.job.consumers, t)
	} else {
		b.job.producers = append(b.job.producers, t)
	}
}

// output lowers an ad hoc query and delivers it to its destination.
func (b *jobBuilder) output(name string, plan Node, options map[string]string) error {
	if opts, ok := b.s.binding(b.s.outputs, name); ok {
		options = opts
	}
	if options == nil {
		options = b.s.cfg.DefaultOutput
	}
	b.fp = fingerprint("query", name, explainTree(plan))
	side := readsDownstream(plan, b.s.errorDownstream())
	op, err := b.lower(plan, b.env(name, side))
	if err != nil {
		return err
	}
	return b.deliver(name, op, plan.Scope(), options, side)
}

// destination delivers a stream to its sink.
func (b *jobBuilder) destination(d dest) error {
	sub, err := b.streams[d.def.Name].Subscribe()
	if err != nil {
		return err
	}
	sc := streamScope(d.def, b.s.isSourceStream(d.def))
	name := d.def.Name
	if d.withRowtime {
		shown := &scope{fields: append([]field(nil), sc.fields...)}
		for i := range shown.fields {
			if shown.fields[i].Name == exec.RowtimeColumn {
				shown.fields[i].Hidden = false
			}
		}
		sc, name = shown, d.def.Name+" history"
	}
	return b.deliver(name, sub, sc, d.options, b.s.errorDownstream()[d.def.Name])
}

// deliver projects op's visible columns and adds a task draining them into
// a sink opened with options.
func (b *jobBuilder) deliver(name string, op exec.Operator, sc *scope, options map[string]string, consumer bool) error {
	var exprs []exec.Expr
	var names []string
	for i, f := range sc.fields {
		if f.Hidden {
			continue
		}
		exprs = append(exprs, exec.Column(i, f.Name, f.Type))
		names = append(names, f.Name)
	}
	proj, err := exec.NewProject(b.env(name, true), op, exprs, names)
	if err != nil {
		op.Close()
		return err
	}
	if b.coord != nil {
		withCk := map[string]string{CheckpointingOption: "true"}
		for k, v := range options {
			withCk[k] = v
		}
		options = withCk
	}
	sink, err := b.s.cfg.Connectors.OpenSink(b.ctx, name, proj.Schema(), options, b.env(name, consumer).Errors)
	if err != nil {
		proj.Close()
		return fmt.Errorf("destination of %s: %w", quoteIdent(name), err)
	}
	b.job.physical = append(b.job.physical, fmt.Sprintf("destination %s: %s -> %s", quoteIdent(name), physical(op), options["connector"]))
	if b.coord != nil {
		b.coord.sinks = append(b.coord.sinks, sinkEntry{name: name, sink: sink})
		b.job.sinks = append(b.job.sinks, sinkEntry{name: name, sink: sink})
		b.add(consumer, exec.Task{Name: "destination " + name, Run: func(ctx context.Context) error {
			return exec.Drain(ctx, proj, sink.Write) // Run closes the sink after the final checkpoint
		}})
		return nil
	}
	b.add(consumer, exec.Task{Name: "destination " + name, Run: func(ctx context.Context) error {
		err := exec.Drain(ctx, proj, sink.Write)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if cerr := sink.Close(cctx); err == nil {
			err = cerr
		}
		return err
	}})
	return nil
}

// source opens def's connector and adds the task feeding its stream,
// running a pushed-down predicate first when the stream has one reader.
func (b *jobBuilder) source(def *StreamDef) error {
	opts := connectorOptions(def.Options)
	if wm := def.Watermark; wm != nil {
		// WATERMARK FOR c AS c - INTERVAL …: c is the event time (ROWTIME)
		// and the interval the allowed lateness.
		if _, set := opts["rowtime"]; !set {
			opts["rowtime"] = wm.Column
		}
		if _, set := opts["lateness"]; !set {
			opts["lateness"] = watermarkLateness(wm).String()
		}
	}
	if bound, ok := b.s.binding(b.s.inputs, def.Name); ok {
		for k, v := range bound {
			opts[k] = v
		}
	}
	stream := b.streams[def.Name]
	opened, err := b.s.cfg.Connectors.OpenSource(b.ctx, def.Name, stream.Schema(), opts, b.errSink)
	if err != nil {
		return fmt.Errorf("source of %s: %w", quoteIdent(def.Name), err)
	}
	op := opened.Op
	desc := "source " + quoteIdent(def.Name) + " [" + opts["connector"] + "]"
	if pred, pump := b.pushedPredicate(def.Name); pred != nil && !b.live {
		f, err := exec.NewFilter(b.env(pump, false), op, pred)
		if err != nil {
			op.Close()
			return err
		}
		op = f
		desc += " filter " + pred.String()
	}
	w := stream.NewWriter()
	b.job.physical = append(b.job.physical, desc+" -> stream "+quoteIdent(def.Name))
	var g *gate
	if b.coord != nil {
		g = b.coord.gate
		fp := fingerprint("source", def.Name, sortedOptions(opts))
		b.coord.sources = append(b.coord.sources, sourceEntry{stream: def.Name, fingerprint: fp, raw: opened.Raw})
		if sn, ok := opened.Op.(exec.Snapshotter); ok {
			b.coord.states = append(b.coord.states, stateEntry{key: "source " + def.Name + "#0", fingerprint: fp, op: sn})
		}
	}
	b.add(false, exec.Task{Name: "source " + def.Name, Run: func(ctx context.Context) error {
		err := runSource(ctx, op, w, g)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			// Stopping: end the stream so everything downstream drains.
			return w.Close(context.WithoutCancel(ctx))
		}
		return err
	}})
	return nil
}

// runSource feeds a source's batches into its stream, parking at the
// checkpoint gate (when there is one) between batches.
func runSource(ctx context.Context, op exec.Operator, w *exec.StreamWriter, g *gate) (err error) {
	if g == nil {
		g = &gate{}
	}
	g.enter()
	defer g.exit()
	defer func() {
		if cerr := op.Close(); err == nil {
			err = cerr
		}
	}()
	for {
		if err := g.wait(ctx); err != nil {
			return err
		}
		batch, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			return w.Close(ctx)
		}
		if err != nil {
			return err
		}
		wm := int64(math.MinInt64)
		if m, ok := op.(exec.Watermarker); ok {
			wm = m.Watermark()
		}
		// A batch the source has handed over is part of its position: it
		// is published even when the source is being stopped (the rest of
		// the pipeline keeps running until it drains).
		if err := w.Write(context.WithoutCancel(ctx), batch, wm); err != nil {
			return err
		}
	}
}

// CheckpointingOption is the option the planner adds for destinations when
// checkpoints are taken; connectors turn it into sinks.Env.Checkpointing.
const CheckpointingOption = "eddy.checkpointing"

func sortedOptions(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + m[k] + ";")
	}
	return b.String()
}

// watermarkLateness reads the lateness of WATERMARK FOR c AS c - INTERVAL x
// (or c alone: no lateness).
func watermarkLateness(wm *sql.Watermark) time.Duration {
	if b, ok := wm.Expr.(*sql.Binary); ok && b.Op == "-" {
		if l, ok := b.R.(*sql.Literal); ok && l.Kind == sql.LitInterval {
			return time.Duration(l.Interval.Millis) * time.Millisecond
		}
	}
	return 0
}

// pushedPredicate returns the predicate pushed into the only scan of a
// stream, and the pump (or query) that scan belongs to; nil when none.
func (b *jobBuilder) pushedPredicate(stream string) (exec.Expr, string) {
	if b.readers[stream] != 1 {
		return nil, ""
	}
	var found exec.Expr
	var walk func(n Node)
	walk = func(n Node) {
		if s, ok := n.(*Scan); ok && s.Stream.Name == stream && s.Pushed != nil {
			found = s.Pushed
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	for _, name := range b.s.cat.order {
		if walk(b.s.cat.pumps[name].plan); found != nil {
			return found, name
		}
	}
	for _, q := range b.s.queries {
		if walk(q.plan); found != nil {
			return found, q.name
		}
	}
	return nil, ""
}

// lower turns a logical plan into an operator tree. It is the one
// exhaustive switch over plan nodes.
func (b *jobBuilder) lower(n Node, env exec.Env) (exec.Operator, error) {
	switch n := n.(type) {
	case *Scan:
		sub, err := b.streams[n.Stream.Name].Subscribe()
		if err != nil {
			return nil, err
		}
		if n.Pushed == nil || !b.live && b.readers[n.Stream.Name] == 1 && b.s.isSourceStream(n.Stream) {
			return sub, nil
		}
		return exec.NewFilter(env, sub, n.Pushed)
	case *Filter:
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		return exec.NewFilter(env, in, n.Pred)
	case *Project:
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(n.sc.fields))
		for i, f := range n.sc.fields {
			names[i] = f.Name
		}
		return exec.NewProject(env, in, n.Exprs, names)
	case *Aggregate:
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		if n.OwnWatermark {
			in = hideWatermark{in}
		}
		op, err := window.NewGroupBy(in, window.Config{
			Keys: n.Keys, KeyNames: n.KeyNames, Aggs: n.Aggs, TimeColumn: n.TimeColumn,
			Assigner: n.Assigner, Lateness: n.Lateness, Emit: n.Emit, Late: n.Late,
			Errors: env.Errors, Pump: env.Pump, Alloc: env.Alloc, Start: env.Start, Clock: env.Clock,
		})
		return b.stateful(env.Pump, op, err)
	case *Over:
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		op, err := window.NewOver(in, window.OverConfig{
			Specs: n.Specs, Alloc: env.Alloc, Errors: env.Errors, Start: env.Start, Clock: env.Clock,
		})
		return b.stateful(env.Pump, op, err)
	case *Union:
		b.unionSeq++
		name := fmt.Sprintf("%s$union%d", env.Pump, b.unionSeq)
		st := exec.NewStream(name, n.Scope().schema(), b.s.cfg.QueueBatches)
		st.Track(b.tracker)
		for i, item := range n.Items {
			if err := b.pump(fmt.Sprintf("%s$%d", name, i+1), item, st, name); err != nil {
				return nil, err
			}
		}
		return st.Subscribe()
	}
	return nil, fmt.Errorf("planner: cannot lower %T", n)
}

// stateful registers a stateful operator with the checkpoint coordinator
// and applies the session's max_state limit to it.
func (b *jobBuilder) stateful(pump string, op exec.Operator, err error) (exec.Operator, error) {
	if err != nil {
		return nil, err
	}
	if b.coord != nil {
		if sn, ok := op.(exec.Snapshotter); ok {
			key := fmt.Sprintf("%s#%d", pump, b.seq[pump])
			b.seq[pump]++
			b.coord.states = append(b.coord.states, stateEntry{key: key, fingerprint: b.fp, op: sn})
		}
	}
	if limit := b.s.maxState(); limit > 0 {
		return limitState(op, limit, pump), nil
	}
	return op, nil
}

// hideWatermark hides its operator's watermark, so that a window over a
// column other than ROWTIME tracks event time from that column itself.
type hideWatermark struct{ exec.Operator }

// physical describes an operator tree for EXPLAIN.
func physical(op exec.Operator) string {
	if s, ok := op.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", op)
}

// Run runs the job until every bounded source is exhausted and all output
// is flushed, or until an error. Cancelling ctx stops the sources; what is
// already in flight is drained and flushed before Run returns. With
// checkpoints on, Run first restores the newest complete checkpoint, takes
// one every interval, and a final one when the sources have stopped.
func (j *Job) Run(ctx context.Context) error {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
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

// closeSinks closes the destinations Run owns (with checkpoints on).
func (j *Job) closeSinks(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var errs []error
	for _, s := range j.sinks {
		if err := s.sink.Close(cctx); err != nil {
			errs = append(errs, fmt.Errorf("destination %s: %w", s.name, err))
		}
	}
	return errors.Join(errs...)
}

// Checkpoints returns how many checkpoints Run completed and abandoned,
// and the state bytes and duration of the last one.
func (j *Job) Checkpoints() (taken, failed int64, lastBytes int, last time.Duration) {
	if j.coord == nil {
		return 0, 0, 0, 0
	}
	return j.coord.taken, j.coord.failed, j.coord.lastBytes, j.coord.lastDuration
}
