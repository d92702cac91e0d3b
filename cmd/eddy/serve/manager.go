package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/cmd/eddy/report"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
)

// Options configure a Manager.
type Options struct {
	// Dir is the data directory: applications and their checkpoints.
	Dir string
	// Connectors returns the connectors of one application run; every
	// secret option value they see goes to r.
	Connectors func(r *planner.Redactor) planner.Connectors
	// Services says how ARNs reach their services (endpoints, region,
	// credentials).
	Services ServiceConfig
	// AllowPaths are the directories file paths of applications may lie
	// in; none allows no file paths.
	AllowPaths []string
	// Logger receives the server's structured logs; nil discards them.
	Logger *slog.Logger
	// Clock is the wall clock; nil means time.Now.
	Clock func() time.Time
	// Region and Account make application ARNs.
	Region, Account string
	// CheckpointInterval is the default checkpoint_interval of every
	// application ("" keeps the planner's 10s); an application's own SET
	// overrides it.
	CheckpointInterval string
	// LogRows is how many error-stream rows are kept per application for
	// eddy logs (default 1000).
	LogRows int
	// SampleInterval is how often the metrics history of every application
	// is sampled (DefaultSampleInterval when 0); HistorySamples how many
	// samples each keeps (DefaultHistorySamples when 0).
	SampleInterval time.Duration
	HistorySamples int
}

// Manager hosts applications: it creates, runs, stops, updates and
// deletes them and persists their configuration. It is safe for
// concurrent use.
type Manager struct {
	opts    Options
	store   store
	confine *confinement
	log     *slog.Logger

	mu     sync.Mutex
	byName map[string]*application
	closed bool
	ready  atomic.Bool
	runs   sync.WaitGroup // goroutines running jobs
	// stopSampling ends the metrics history's sampler; sampling is done
	// once it has.
	stopSampling context.CancelFunc
	sampling     chan struct{}
}

// application is one hosted application.
type application struct {
	name    string // never changes
	mgr     *Manager
	metrics *appMetrics
	rows    *rowLog
	history *historyRing
	reports *appReports

	mu     sync.Mutex
	cfg    *AppConfig
	status string
	run    *runState // nil when no job runs
	// warning is the last checkpoint failure of the current run: a
	// destination that cannot deliver shows here while the job goes on.
	warning string
	// graph is the pipeline of the last start, for the console.
	graph *Graph
}

// runState is one run of an application's job.
type runState struct {
	cancel   context.CancelFunc
	done     chan struct{}
	job      atomic.Pointer[planner.Job]
	stopping bool   // Stop or Delete asked for the end
	shutdown bool   // the server is stopping: the application resumes at the next start
	then     func() // runs after the job ended (a restart after an update)
	stateDir string // its checkpoints
	// reports are the application's reports, run with the job over the
	// retained history of stateDir; stmts its statements (the reports'
	// runner declares the streams from them).
	reports []*report.Report
	stmts   []sql.Statement
}

// NewManager loads the applications under opts.Dir. Call Resume to start
// those that were running, and Close to stop them all.
func NewManager(opts Options) (*Manager, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	if opts.LogRows <= 0 {
		opts.LogRows = 1000
	}
	if opts.SampleInterval <= 0 {
		opts.SampleInterval = DefaultSampleInterval
	}
	if opts.HistorySamples <= 0 {
		opts.HistorySamples = DefaultHistorySamples
	}
	if opts.Connectors == nil {
		return nil, errors.New("serve: no connectors")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("serve: data directory: %w", err)
	}
	confine, err := newConfinement(opts.AllowPaths)
	if err != nil {
		return nil, err
	}
	m := &Manager{opts: opts, store: store{dir: opts.Dir}, confine: confine, log: opts.Logger, byName: map[string]*application{}}
	cfgs, err := m.store.load()
	if err != nil {
		return nil, err
	}
	for _, c := range cfgs {
		m.byName[c.Name] = m.newApplication(c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.stopSampling, m.sampling = cancel, make(chan struct{})
	go func() {
		defer close(m.sampling)
		m.sampleLoop(ctx)
	}()
	return m, nil
}

func (m *Manager) newApplication(c *AppConfig) *application {
	return &application{name: c.Name, mgr: m, metrics: newAppMetrics(), rows: newRowLog(m.opts.LogRows),
		history: newHistoryRing(m.opts.HistorySamples), reports: newAppReports(), cfg: c, status: StatusReady}
}

// Resume starts every application that was running when the server
// stopped, from its last checkpoint; Ready reports true afterwards.
func (m *Manager) Resume() {
	for _, a := range m.apps() {
		a.mu.Lock()
		running := a.cfg.Running
		a.mu.Unlock()
		if !running {
			continue
		}
		m.log.Info("resuming application", "application", a.name)
		if err := a.start(PositionLastStoppedPoint, true); err != nil {
			m.log.Error("application did not resume", "application", a.name, "error", err.Error())
		}
	}
	m.ready.Store(true)
}

// Ready tells whether Resume has run.
func (m *Manager) Ready() bool { return m.ready.Load() }

// Close stops every job and waits for them (at most until ctx is done).
// Applications that were running stay marked so, and resume at the next
// start.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.stopSampling()
	<-m.sampling
	for _, a := range m.apps() {
		a.mu.Lock()
		if a.run != nil {
			a.run.shutdown = true
			a.run.cancel()
		}
		a.mu.Unlock()
	}
	done := make(chan struct{})
	go func() { m.runs.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("serve: jobs still stopping: %w", ctx.Err())
	}
}

// apps returns the applications in name order.
func (m *Manager) apps() []*application {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*application, 0, len(m.byName))
	for _, a := range m.byName {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// get finds an application.
func (m *Manager) get(name string) (*application, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.byName[name]
	if !ok {
		return nil, notFound(name)
	}
	return a, nil
}

// arn returns the ARN of application name.
func (m *Manager) arn(name string) string {
	return fmt.Sprintf("arn:aws:kinesisanalytics:%s:%s:application/%s", m.opts.Region, m.opts.Account, name)
}

// Create adds an application in status READY. Its code is parsed: a
// syntax error is a CodeValidationException.
func (m *Manager) Create(c *AppConfig) error {
	if err := checkName(c.Name); err != nil {
		return err
	}
	if err := m.validate(c); err != nil {
		return err
	}
	now := m.opts.Clock().UTC().Truncate(time.Second)
	c.ARN, c.Version, c.Created, c.Updated = m.arn(c.Name), 1, now, now
	c.Running, c.Generation, c.Position, c.LastError = false, 0, "", ""
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return &apiError{Type: errServiceUnavailable, Message: "the server is stopping"}
	}
	if _, ok := m.byName[c.Name]; ok {
		return inUse("application %s already exists", c.Name)
	}
	if err := m.store.save(c); err != nil {
		return err
	}
	m.byName[c.Name] = m.newApplication(c)
	m.log.Info("application created", "application", c.Name)
	return nil
}

// validate checks a configuration without running anything: the inputs,
// outputs and references map to connectors, bindings stay within the
// confinement, and the code parses.
func (m *Manager) validate(c *AppConfig) error {
	if len(c.Inputs) > 1 {
		return &apiError{Type: errLimitExceeded, Message: "an application has at most one streaming input"}
	}
	if len(c.Outputs) > 3 {
		return &apiError{Type: errLimitExceeded, Message: "an application has at most three outputs"}
	}
	if len(c.Refs) > 1 {
		return &apiError{Type: errLimitExceeded, Message: "an application has at most one reference data source"}
	}
	for _, in := range c.Inputs {
		if in.InputParallelism != nil && in.InputParallelism.Count != nil && *in.InputParallelism.Count != 1 {
			return invalid("InputParallelism Count %d: only 1 is supported", *in.InputParallelism.Count)
		}
		if in.NamePrefix == "" {
			return invalid("input NamePrefix is required")
		}
	}
	p, err := planOf(c, m.opts.Services, PositionNow)
	if err != nil {
		return err
	}
	for _, group := range []map[string]map[string]string{p.inputs, p.outputs, p.references} {
		for name, opts := range group {
			if err := m.confine.check(opts); err != nil {
				return invalid("%s: %v", name, err)
			}
		}
	}
	if c.Code != "" {
		if _, err := sql.Parse(&sql.Source{Text: c.Code}); err != nil {
			return asAPIError(err)
		}
	}
	return nil
}

// Start starts an application in status READY: position is NOW,
// TRIM_HORIZON or LAST_STOPPED_POINT. The code is checked at once (a
// CodeValidationException); the job is built and run in the background.
func (m *Manager) Start(name, position string) error {
	a, err := m.get(name)
	if err != nil {
		return err
	}
	switch position {
	case PositionNow, PositionTrimHorizon, PositionLastStoppedPoint:
	case "":
		position = PositionLastStoppedPoint
	default:
		return invalid("InputStartingPosition %q: want NOW, TRIM_HORIZON or LAST_STOPPED_POINT", position)
	}
	return a.start(position, false)
}

// Stop stops a running application; its windows stay in its checkpoint.
// It returns at once: the status is STOPPING until the job has flushed.
func (m *Manager) Stop(name string) error {
	a, err := m.get(name)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch a.status {
	case StatusReady, StatusStopping:
		return nil
	case StatusUpdating, StatusDeleting:
		return inUse("application %s is %s", name, a.status)
	}
	a.cfg.Running = false
	if err := m.store.save(a.cfg); err != nil {
		return err
	}
	a.status = StatusStopping
	a.run.stopping = true
	a.run.cancel()
	m.log.Info("stopping application", "application", name)
	return nil
}

// Update changes an application's configuration with change, applied to
// a copy, when version is its current version. A running application
// restarts with the new configuration from its last checkpoint.
func (m *Manager) Update(name string, version *int64, change func(*AppConfig) error) error {
	a, err := m.get(name)
	if err != nil {
		return err
	}
	if version == nil {
		return invalid("CurrentApplicationVersionId is required")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if *version != a.cfg.Version {
		return &apiError{Type: errConcurrentModification, Message: fmt.Sprintf("application %s is at version %d, not %d", name, a.cfg.Version, *version)}
	}
	switch a.status {
	case StatusReady, StatusRunning:
	default:
		return inUse("application %s is %s", name, a.status)
	}
	next := a.cfg.clone()
	if err := change(next); err != nil {
		return asAPIError(err)
	}
	if err := m.validate(next); err != nil {
		return err
	}
	next.Version++
	next.Updated = m.opts.Clock().UTC()
	if err := m.store.save(next); err != nil {
		return err
	}
	a.cfg = next
	m.log.Info("application updated", "application", name, "version", next.Version)
	if a.status == StatusRunning && a.run != nil {
		a.status = StatusUpdating
		a.run.then = func() {
			if err := a.start(PositionLastStoppedPoint, true); err != nil {
				m.log.Error("application did not restart after an update", "application", name, "error", err.Error())
			}
		}
		a.run.cancel()
	}
	return nil
}

// Delete stops and removes an application. created, when set, must be its
// CreateTimestamp (to the second).
func (m *Manager) Delete(name string, created *time.Time) error {
	a, err := m.get(name)
	if err != nil {
		return err
	}
	a.mu.Lock()
	if created != nil && !created.UTC().Truncate(time.Second).Equal(a.cfg.Created.Truncate(time.Second)) {
		a.mu.Unlock()
		// The application of that name is not the one the caller described
		// (it was deleted and created again): the one meant is gone.
		return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("application %s created at %s not found (it was created at %s)", name, created.UTC().Format(time.RFC3339), a.cfg.Created.Format(time.RFC3339))}
	}
	if a.status == StatusDeleting {
		a.mu.Unlock()
		return inUse("application %s is being deleted", name)
	}
	a.status = StatusDeleting
	run := a.run
	a.mu.Unlock()
	if run != nil {
		run.stopping = true
		run.cancel()
		<-run.done
	}
	m.mu.Lock()
	delete(m.byName, name)
	m.mu.Unlock()
	m.log.Info("application deleted", "application", name)
	return m.store.remove(name)
}

// start starts the application's job; resume tells that it is a restart
// (server start, update), not an API call.
func (a *application) start(position string, resume bool) error {
	m := a.mgr
	a.mu.Lock()
	if a.status != StatusReady && !(resume && a.status == StatusUpdating) {
		s := a.status
		a.mu.Unlock()
		return inUse("application %s is %s", a.cfg.Name, s)
	}
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		a.mu.Unlock()
		return &apiError{Type: errServiceUnavailable, Message: "the server is stopping"}
	}
	cfg := a.cfg
	old := cfg.Generation
	switch {
	case position == PositionNow || position == PositionTrimHorizon:
		cfg.Generation++
		cfg.Position = position
	case cfg.Generation == 0:
		cfg.Generation, cfg.Position = 1, PositionNow
	}
	cfg.Running, cfg.LastError, a.warning = true, "", ""
	if err := m.store.save(cfg); err != nil {
		a.mu.Unlock()
		return err
	}
	if cfg.Generation != old {
		removeOtherGenerations(m.store, cfg.Name, cfg.Generation)
	}
	snapshot := cfg.clone()
	ctx, cancel := context.WithCancel(context.Background())
	run := &runState{cancel: cancel, done: make(chan struct{}), stateDir: m.store.stateDir(cfg.Name, cfg.Generation)}
	a.run = run
	a.status = StatusStarting
	a.mu.Unlock()

	redact := &planner.Redactor{}
	sess, err := a.session(ctx, snapshot, redact)
	if err == nil {
		run.reports, err = m.reportsOf(sess)
	}
	if err == nil && len(run.reports) > 0 {
		var p *plan
		if p, err = planOf(snapshot, m.opts.Services, snapshot.Position); err == nil {
			run.stmts, err = statementsOf(p, snapshot.Code)
		}
	}
	if err != nil {
		cancel()
		a.finish(run, err, redact)
		return asAPIError(err)
	}
	m.runs.Add(1)
	go func() {
		defer m.runs.Done()
		a.runJob(ctx, run, sess, redact)
	}()
	return nil
}

// session makes the application's planner session and loads its
// configuration and code.
func (a *application) session(ctx context.Context, c *AppConfig, redact *planner.Redactor) (*planner.Session, error) {
	m := a.mgr
	p, err := planOf(c, m.opts.Services, c.Position)
	if err != nil {
		return nil, err
	}
	for _, g := range []map[string]map[string]string{p.inputs, p.outputs, p.references} {
		for _, opts := range g {
			redact.Add(opts)
		}
	}
	if m.opts.CheckpointInterval != "" {
		if _, set := c.Settings["checkpoint_interval"]; !set {
			p.settings = fmt.Sprintf("SET checkpoint_interval = '%s';\n", m.opts.CheckpointInterval) + p.settings
		}
	}
	conns := &appConnectors{inner: m.opts.Connectors(redact), confine: m.confine, metrics: a.metrics, ids: p.ids}
	dir := m.store.stateDir(c.Name, c.Generation)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("serve: state directory: %w", err)
	}
	name := c.Name
	s := planner.NewSession(planner.Config{
		Connectors: conns, Alloc: memory.NewGoAllocator(), Clock: m.opts.Clock, StateDir: dir,
		DefaultOutput: map[string]string{"connector": "discard"},
		Log: func(msg string) {
			msg = redact.Text(planner.RedactSQL(msg))
			rec := exec.ErrorRecord{Time: m.opts.Clock(), Level: "INFO", Name: "NOTICE", Message: msg}
			if strings.HasPrefix(msg, "checkpoint abandoned") {
				rec.Level, rec.Name = "WARNING", "CHECKPOINT"
				a.metrics.abandoned.Add(1)
				a.mu.Lock()
				a.warning = msg
				a.mu.Unlock()
				m.log.Warn(msg, "application", name)
			} else {
				m.log.Info(msg, "application", name)
			}
			a.rows.add(rec, nil)
		},
	})
	if err := p.load(ctx, s, c.Code); err != nil {
		return nil, err
	}
	if text, err := s.ExplainApp(); err == nil {
		g := parseExplain(text)
		a.mu.Lock()
		a.graph = &g
		a.mu.Unlock()
	}
	return s, nil
}

// runJob builds and runs the job until it ends, then settles the status.
func (a *application) runJob(ctx context.Context, run *runState, s *planner.Session, redact *planner.Redactor) {
	name := a.name
	job, err := s.Build(ctx, func(r exec.ErrorRecord) {
		a.metrics.countError(r.Name)
		a.metrics.tapOf(exec.ErrorStreamName).record(a.rows.add(r, redact))
	})
	if err == nil {
		a.metrics.tapStreams(job)
		run.job.Store(job)
		a.mu.Lock()
		if a.status == StatusStarting {
			a.status = StatusRunning
		}
		a.mu.Unlock()
		a.mgr.log.Info("application running", "application", name)
		stopReports := a.startReports(ctx, run, run.reports, redact)
		err = job.Run(ctx)
		stopReports()
	}
	a.finish(run, err, redact)
}

// finish records the end of a run: READY, the error if it failed, and
// whether it should run at the next server start.
func (a *application) finish(run *runState, err error, redact *planner.Redactor) {
	m := a.mgr
	a.mu.Lock()
	name := a.cfg.Name
	failed := err != nil && !errors.Is(err, context.Canceled)
	then := run.then
	if failed {
		msg := redact.Text(planner.RedactSQL(err.Error()))
		a.cfg.LastError = msg
		m.log.Error("application failed", "application", name, "error", msg)
		then = nil
	}
	if failed || !run.shutdown && then == nil {
		a.cfg.Running = false // failed, stopped, or every input ended
	}
	if a.status != StatusDeleting {
		if err := m.store.save(a.cfg); err != nil {
			m.log.Error("cannot save application", "application", name, "error", err.Error())
		}
		if then == nil {
			a.status = StatusReady
		}
	}
	if a.run == run {
		a.run = nil
	}
	a.mu.Unlock()
	close(run.done)
	m.log.Info("application stopped", "application", name)
	if then != nil {
		then()
	}
}

// removeOtherGenerations deletes the checkpoints of earlier starts.
func removeOtherGenerations(s store, name string, keep int) {
	dir := filepath.Join(s.appDir(name), "state")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != fmt.Sprintf("gen-%d", keep) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// nameStatus returns the application's name and status.
func (a *application) nameStatus() (string, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg.Name, a.status
}

// runningStateDir returns the checkpoint directory of the job that runs.
func (a *application) runningStateDir() (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.run == nil || a.run.job.Load() == nil {
		return "", false
	}
	return a.run.stateDir, true
}

// snapshot returns a copy of the configuration and the status.
func (a *application) snapshot() (*AppConfig, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg.clone(), a.status
}

// retag changes an application's tags (no new version, as in KDA).
func (m *Manager) retag(a *application, change func([]Tag) ([]Tag, error)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	next := a.cfg.clone()
	tags, err := change(next.Tags)
	if err != nil {
		return err
	}
	next.Tags = tags
	if err := m.store.save(next); err != nil {
		return err
	}
	a.cfg = next
	return nil
}

// waitReady waits until the application's job has ended.
func (m *Manager) waitReady(a *application) {
	a.mu.Lock()
	run := a.run
	a.mu.Unlock()
	if run != nil {
		<-run.done
	}
}

// info describes the application for Eddy's API; full adds the code and
// the bindings (secrets redacted).
func (a *application) info(full bool) AppInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	info := infoOf(a.cfg, a.status, full)
	info.Warning = a.warning
	return info
}
