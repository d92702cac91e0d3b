package planner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// Live runs a session continuously, the way the REPL uses it: a pump runs
// in the background from the moment it is created, sources start when
// something first reads them, and a SELECT STREAM shows its rows until its
// caller stops it, while the pumps go on. Live is safe for use by one
// goroutine at a time (the REPL's); its tasks run on their own.
type Live struct {
	s       *Session
	b       *jobBuilder
	mu      sync.Mutex
	tasks   map[string]*liveTask // by name: "source S", "pump P", "destination D"
	wg      sync.WaitGroup
	stopAll context.CancelFunc
	base    func() (context.Context, context.CancelFunc)
}

// liveTask is one running background task.
type liveTask struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Live starts running the session's job continuously. onError receives
// error-stream rows that nothing reads. Close stops everything.
func (s *Session) Live(onError func(exec.ErrorRecord)) *Live {
	if onError == nil {
		onError = func(exec.ErrorRecord) {}
	}
	job := &Job{errs: exec.NewErrorStream(s.cfg.Alloc), onError: onError}
	b := &jobBuilder{s: s, ctx: context.Background(), job: job, streams: map[string]*exec.Stream{},
		readers: map[string]int{}, seq: map[string]int{}, live: true}
	b.sideSink = exec.ErrorSinkFunc(onError)
	b.errSink = exec.ErrorSinkFunc(func(r exec.ErrorRecord) {
		if job.errs.Stream().Readers() == 0 {
			onError(r)
		}
		job.errs.ReportError(r)
	})
	b.streams[exec.ErrorStreamName] = job.errs.Stream()
	root, stopAll := context.WithCancel(context.Background())
	l := &Live{s: s, b: b, tasks: map[string]*liveTask{}, stopAll: stopAll,
		base: func() (context.Context, context.CancelFunc) { return context.WithCancel(root) }}
	l.start("error stream", job.errs.Run)
	return l
}

// start runs fn as a background task named name.
func (l *Live) start(name string, fn func(ctx context.Context) error) {
	ctx, cancel := l.base()
	t := &liveTask{cancel: cancel, done: make(chan struct{})}
	l.mu.Lock()
	l.tasks[name] = t
	l.mu.Unlock()
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(t.done)
		if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.err = err
			l.b.errSink.ReportError(exec.ErrorRecord{Time: time.Now(), Level: "ERROR", Name: "TASK", Message: fmt.Sprintf("%s stopped: %v", name, err)})
		}
	}()
}

// Running lists the background tasks and whether each still runs.
func (l *Live) Running() map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]bool{}
	for name, t := range l.tasks {
		select {
		case <-t.done:
			out[name] = false
		default:
			out[name] = true
		}
	}
	return out
}

// stream returns the running stream for def, creating it.
func (l *Live) stream(def *StreamDef) *exec.Stream {
	if st, ok := l.b.streams[def.Name]; ok {
		return st
	}
	st := exec.NewStream(def.Name, streamScope(def, l.s.isSourceStream(def)).schema(), l.s.cfg.QueueBatches)
	st.AwaitWriters()
	l.b.streams[def.Name] = st
	return st
}

// ensureStreams creates the streams a plan reads.
func (l *Live) ensureStreams(plan Node) error {
	for _, name := range scannedStreams(plan) {
		def, ok := l.s.cat.lookupStream(name)
		if !ok {
			return fmt.Errorf("unknown stream %s", quoteIdent(name))
		}
		l.stream(def)
	}
	return nil
}

// startSources starts the sources of the streams a plan reads, once its
// readers have subscribed.
func (l *Live) startSources(plan Node) error {
	for _, name := range scannedStreams(plan) {
		def, _ := l.s.cat.lookupStream(name)
		if !l.s.isSourceStream(def) {
			continue
		}
		l.mu.Lock()
		_, running := l.tasks["source "+def.Name]
		l.mu.Unlock()
		if running {
			continue
		}
		before := len(l.b.job.producers)
		if err := l.b.source(def); err != nil {
			return err
		}
		for _, t := range l.b.job.producers[before:] {
			l.start(t.Name, t.Run)
		}
		l.b.job.producers = l.b.job.producers[:before]
	}
	return nil
}

// Exec executes a statement. A pump starts running at once; a SELECT
// STREAM is planned and returned as Result.Query for Query to run.
func (l *Live) Exec(ctx context.Context, st sql.Statement) (*Result, error) {
	res, err := l.s.Exec(ctx, st)
	if err != nil {
		return nil, err
	}
	switch st := st.(type) {
	case *sql.CreatePump:
		if st.Stopped {
			l.stopTask("pump " + st.Name) // OR REPLACE … STOPPED
			return res, nil
		}
		return res, l.startPump(st.Name)
	case *sql.PumpControl:
		if !st.Start {
			l.stopTask("pump " + st.Name)
			return res, nil
		}
		l.mu.Lock()
		_, running := l.tasks["pump "+st.Name]
		l.mu.Unlock()
		if running {
			return res, nil
		}
		return res, l.startPump(st.Name)
	case *sql.Insert:
		return res, l.startPump(l.s.cat.order[len(l.s.cat.order)-1])
	case *sql.Drop:
		if st.Kind == sql.KindPump {
			l.stopTask("pump " + st.Name)
		}
	}
	return res, nil
}

// startPump starts a pump of the catalog, and the destination of its
// target when the target leaves the application.
func (l *Live) startPump(name string) error {
	p := l.s.cat.pumps[name]
	if err := l.ensureStreams(p.plan); err != nil {
		return err
	}
	target, _ := l.s.cat.lookupStream(p.Insert.Target)
	targetStream := l.stream(target)
	if err := l.ensureDestination(target); err != nil {
		return err
	}
	l.stopTask("pump " + name) // OR REPLACE: the old one stops
	before := len(l.b.job.producers)
	if err := l.b.pump(name, p.plan, targetStream, target.Name); err != nil {
		return err
	}
	tasks := append([]exec.Task(nil), l.b.job.producers[before:]...)
	l.b.job.producers = l.b.job.producers[:before]
	// The pump has subscribed; its sources start (and register as the
	// streams' writers) before it runs.
	if err := l.startSources(p.plan); err != nil {
		return err
	}
	for _, t := range tasks {
		l.start(t.Name, t.Run)
	}
	return nil
}

// ensureDestination starts delivering def to its connector or output
// binding, when it has one.
func (l *Live) ensureDestination(def *StreamDef) error {
	opts, bound := l.s.binding(l.s.outputs, def.Name)
	if !bound {
		c := def.Connector()
		if c == "" || !l.s.cfg.Connectors.IsSink(c) {
			return nil
		}
		opts = def.Options
	}
	l.mu.Lock()
	_, running := l.tasks["destination "+def.Name]
	l.mu.Unlock()
	if running {
		return nil
	}
	sub, err := l.stream(def).Subscribe()
	if err != nil {
		return err
	}
	before := len(l.b.job.consumers)
	if err := l.b.deliver(def.Name, sub, streamScope(def, l.s.isSourceStream(def)), opts, false); err != nil {
		return err
	}
	for _, t := range l.b.job.consumers[before:] {
		l.start(t.Name, t.Run)
	}
	l.b.job.consumers = l.b.job.consumers[:before]
	return nil
}

// StopPump stops a running pump; its definition stays in the catalog.
func (l *Live) StopPump(name string) error {
	l.mu.Lock()
	_, ok := l.tasks["pump "+name]
	l.mu.Unlock()
	if !ok {
		return fmt.Errorf("no running pump %s", quoteIdent(name))
	}
	l.stopTask("pump " + name)
	return nil
}

func (l *Live) stopTask(name string) {
	l.mu.Lock()
	t, ok := l.tasks[name]
	delete(l.tasks, name)
	l.mu.Unlock()
	if ok {
		t.cancel()
		<-t.done
	}
}

// QueryStats describes a finished or cancelled query.
type QueryStats struct {
	Rows    int64
	Elapsed time.Duration
}

// Query runs the SELECT STREAM named name (from Exec's Result.Query) and
// hands each batch to show (which must not keep it after returning) until
// ctx ends or the query's input ends. The pumps go on either way.
func (l *Live) Query(ctx context.Context, name string, show func(arrow.RecordBatch) error) (QueryStats, error) {
	var q *adhocQuery
	for _, x := range l.s.queries {
		if x.name == name {
			q = x
		}
	}
	if q == nil {
		return QueryStats{}, fmt.Errorf("no query %s", name)
	}
	if err := l.ensureStreams(q.plan); err != nil {
		return QueryStats{}, err
	}
	op, err := l.b.lower(q.plan, l.b.env(name, false))
	if err != nil {
		return QueryStats{}, err
	}
	if err := l.startSources(q.plan); err != nil {
		op.Close()
		return QueryStats{}, err
	}
	var exprs []exec.Expr
	var names []string
	for i, f := range q.plan.Scope().fields {
		if !f.Hidden {
			exprs = append(exprs, exec.Column(i, f.Name, f.Type))
			names = append(names, f.Name)
		}
	}
	proj, err := exec.NewProject(l.b.env(name, false), op, exprs, names)
	if err != nil {
		op.Close()
		return QueryStats{}, err
	}
	defer proj.Close()
	start := time.Now()
	var stats QueryStats
	for {
		b, err := proj.Next(ctx)
		if errors.Is(err, io.EOF) || ctx.Err() != nil {
			stats.Elapsed = time.Since(start)
			return stats, nil
		}
		if err != nil {
			stats.Elapsed = time.Since(start)
			return stats, err
		}
		stats.Rows += b.NumRows()
		err = nil
		if b.NumRows() > 0 {
			err = show(b)
		}
		b.Release()
		if err != nil {
			stats.Elapsed = time.Since(start)
			return stats, err
		}
	}
}

// QuerySchema returns the columns a query shows.
func (l *Live) QuerySchema(name string) (*arrow.Schema, bool) {
	for _, x := range l.s.queries {
		if x.name == name {
			var fs []arrow.Field
			for _, f := range x.plan.Scope().fields {
				if !f.Hidden {
					fs = append(fs, arrow.Field{Name: f.Name, Type: f.Type, Nullable: true})
				}
			}
			return arrow.NewSchema(fs, nil), true
		}
	}
	return nil, false
}

// Close stops every task and waits for them.
func (l *Live) Close() {
	l.stopAll()
	l.b.job.errs.Close()
	l.wg.Wait()
}
