package serve

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/cmd/eddy/report"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
)

// maxReportRuns is how many runs of each report the server remembers.
const maxReportRuns = 20

// Report statuses of a ReportRun.
const (
	RunSucceeded = "SUCCEEDED"
	RunFailed    = "FAILED"
)

// ReportRun is one run of a report as Eddy's API lists it.
type ReportRun struct {
	ID int64 `json:"id"`
	// Scheduled is the run's scheduled time, the end of the history
	// window it read; Started and Finished bound the run, retries included.
	Scheduled time.Time `json:"scheduled"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	Status    string    `json:"status"`
	Error     string    `json:"error,omitempty"`
	Rows      int       `json:"rows"`
	Attempts  int       `json:"attempts"`
	// Manual is set for a run asked for through the API (run now).
	Manual bool `json:"manual,omitempty"`
	// Destination is the connector the report went to, when not a file.
	Destination string `json:"destination,omitempty"`
	// Output is the API path of the rendered file, when there is one.
	Output string `json:"output,omitempty"`
	// Format is the rendering (html, markdown, csv, json).
	Format string `json:"format"`

	file string
}

// ReportInfo is a report of an application as Eddy's API lists it (GET
// /v1/applications/NAME/reports).
type ReportInfo struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	Schedule string `json:"schedule"`
	Format   string `json:"format"`
	// NextRun is its next scheduled time while the application runs.
	NextRun *time.Time `json:"next_run,omitempty"`
	// Queued tells that a run asked for through the API has not finished.
	Queued bool `json:"queued,omitempty"`
	// Runs are its last runs, newest first.
	Runs []ReportRun `json:"runs"`
}

// appReports are an application's reports: those of its last start, the
// scheduler that runs them while it runs, and the runs remembered. It is
// safe for concurrent use.
type appReports struct {
	mu      sync.Mutex
	reports []*report.Report // of the last start
	running bool             // the scheduler runs
	runs    map[string][]ReportRun
	queued  map[string]bool
	manual  string // the report whose run-now request is running
	nextID  int64
	now     chan *report.Report // run-now requests to the scheduler
}

func newAppReports() *appReports {
	return &appReports{runs: map[string][]ReportRun{}, queued: map[string]bool{}}
}

// reportsOf reads the reports declared in session s; a report's dir must
// lie inside the confinement.
func (m *Manager) reportsOf(s *planner.Session) ([]*report.Report, error) {
	var out []*report.Report
	for _, d := range s.Reports() {
		r, err := report.NewReport(d)
		if err != nil {
			return nil, invalid("%v", err)
		}
		if r.Dir != "" {
			if err := m.confine.allowed("report "+d.Name+" dir", r.Dir); err != nil {
				return nil, invalid("%v", err)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// startReports runs reps on their schedules over the run's retained
// history until ctx is done or the returned stop is called (which waits).
func (a *application) startReports(ctx context.Context, run *runState, reps []*report.Report, redact *planner.Redactor) (stop func()) {
	ar := a.reports
	ar.mu.Lock()
	ar.reports = reps
	if len(reps) == 0 {
		ar.mu.Unlock()
		return func() {}
	}
	ar.running = true
	ar.now = make(chan *report.Report, 8)
	runNow := ar.now
	ar.mu.Unlock()

	m := a.mgr
	cfg := report.Config{
		Connectors: &confinedConnectors{inner: m.opts.Connectors(redact), confine: m.confine},
		StateDir:   run.stateDir,
		Clock:      m.opts.Clock,
		Log: func(msg string) {
			msg = redact.Text(planner.RedactSQL(msg))
			m.log.Info(msg, "application", a.name)
			a.rows.add(exec.ErrorRecord{Time: m.opts.Clock(), Level: "INFO", Name: "REPORT", Message: msg}, nil)
		},
		Ran: func(o report.Outcome) { ar.record(a.name, o, redact) },
	}
	sched := report.NewScheduler(cfg, report.NewRunner(cfg, run.stmts), reps, "")
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ar.loop(ctx, sched, cfg, runNow)
	}()
	return func() {
		cancel()
		<-done
		ar.mu.Lock()
		ar.running, ar.now = false, nil
		clear(ar.queued)
		ar.mu.Unlock()
	}
}

// loop runs what is due, then waits for the next run (at most a minute,
// so clock changes are noticed) or a run-now request, until ctx is done.
func (ar *appReports) loop(ctx context.Context, sched *report.Scheduler, cfg report.Config, runNow chan *report.Report) {
	for {
		now := cfg.Clock()
		sched.Tick(ctx, now)
		wait := time.Minute
		if next := sched.Next(now); !next.IsZero() && next.Sub(now) < wait {
			wait = max(next.Sub(now), 10*time.Millisecond)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case r := <-runNow:
			t.Stop()
			ar.runNow(ctx, sched, cfg, r)
		}
	}
}

// runNow runs r as eddy report --once does: for its latest scheduled
// time, or, when the retained history ends before that run's window, for
// the first scheduled time after the newest retained row.
func (ar *appReports) runNow(ctx context.Context, sched *report.Scheduler, cfg report.Config, r *report.Report) {
	ar.mu.Lock()
	ar.manual = r.Def.Name
	ar.mu.Unlock()
	defer func() {
		ar.mu.Lock()
		ar.manual = ""
		delete(ar.queued, r.Def.Name)
		ar.mu.Unlock()
	}()
	now := cfg.Clock()
	newest, err := report.Newest(cfg.StateDir, r)
	if err != nil {
		cfg.Ran(report.Outcome{Report: r.Def.Name, Scheduled: r.Schedule.Prev(now), Started: now, Finished: now, Attempts: 1, Err: err})
		return
	}
	at, _ := report.OnceTime(r, newest, now)
	sched.RunOnce(ctx, r, at)
}

// record remembers a run's outcome.
func (ar *appReports) record(app string, o report.Outcome, redact *planner.Redactor) {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	ar.nextID++
	run := ReportRun{ID: ar.nextID, Scheduled: o.Scheduled.UTC(), Started: o.Started.UTC(), Finished: o.Finished.UTC(), Status: RunSucceeded,
		Rows: o.Rows, Attempts: o.Attempts, Manual: ar.manual == o.Report, file: o.File}
	for _, r := range ar.reports {
		if r.Def.Name == o.Report {
			run.Format = string(r.Format)
		}
	}
	if o.Err != nil {
		run.Status, run.Error = RunFailed, redact.Text(planner.RedactSQL(o.Err.Error()))
	} else if o.File == "" {
		run.Destination = o.Where
	}
	if run.file != "" {
		run.Output = fmt.Sprintf("/v1/applications/%s/reports/%s/runs/%d", url.PathEscape(app), url.PathEscape(o.Report), run.ID)
	}
	runs := append(ar.runs[o.Report], run)
	if len(runs) > maxReportRuns {
		runs = append(runs[:0:0], runs[len(runs)-maxReportRuns:]...)
	}
	ar.runs[o.Report] = runs
}

// list describes the reports of the last start with their last runs.
func (ar *appReports) list(now time.Time) []ReportInfo {
	ar.mu.Lock()
	defer ar.mu.Unlock()
	out := []ReportInfo{}
	for _, r := range ar.reports {
		info := ReportInfo{Name: r.Def.Name, Title: r.Title, Schedule: r.Schedule.String(), Format: string(r.Format), Queued: ar.queued[r.Def.Name], Runs: []ReportRun{}}
		if ar.running {
			if next := r.Schedule.Next(now); !next.IsZero() {
				next = next.UTC()
				info.NextRun = &next
			}
		}
		runs := ar.runs[r.Def.Name]
		for i := len(runs) - 1; i >= 0; i-- {
			info.Runs = append(info.Runs, runs[i])
		}
		out = append(out, info)
	}
	return out
}

// find returns report name of the last start (as written or upper case).
func (ar *appReports) find(name string) (*report.Report, bool) {
	for _, r := range ar.reports {
		if r.Def.Name == name || r.Def.Name == strings.ToUpper(name) {
			return r, true
		}
	}
	return nil, false
}

// Reports lists application app's reports with their last runs.
func (m *Manager) Reports(app string) ([]ReportInfo, error) {
	a, err := m.get(app)
	if err != nil {
		return nil, err
	}
	return a.reports.list(m.opts.Clock()), nil
}

// RunReport asks for a run of report name of application app now; it
// happens in the background (Reports shows it queued, then its run).
func (m *Manager) RunReport(app, name string) error {
	a, err := m.get(app)
	if err != nil {
		return err
	}
	ar := a.reports
	ar.mu.Lock()
	defer ar.mu.Unlock()
	r, ok := ar.find(name)
	if !ok {
		return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("application %s has no report %s", app, name)}
	}
	if !ar.running {
		return inUse("application %s is not running: its reports run with it", app)
	}
	if ar.queued[r.Def.Name] {
		return inUse("report %s already has a run queued", r.Def.Name)
	}
	select {
	case ar.now <- r:
		ar.queued[r.Def.Name] = true
		return nil
	default:
		return &apiError{Type: errLimitExceeded, Message: "too many report runs queued"}
	}
}

// ReportOutput returns the rendered file of run id of report name and its
// format.
func (m *Manager) ReportOutput(app, name string, id int64) ([]byte, string, error) {
	a, err := m.get(app)
	if err != nil {
		return nil, "", err
	}
	ar := a.reports
	ar.mu.Lock()
	var file, format string
	key := name
	if r, ok := ar.find(name); ok {
		key = r.Def.Name
	} else if _, ok := ar.runs[name]; !ok {
		key = strings.ToUpper(name) // a report the last start no longer has
	}
	for _, run := range ar.runs[key] {
		if run.ID == id {
			file, format = run.file, run.Format
		}
	}
	ar.mu.Unlock()
	if file == "" {
		return nil, "", &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("report %s of application %s has no run %d with a file", name, app, id)}
	}
	data, err := os.ReadFile(filepath.Clean(file))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("run %d of report %s: its file is gone (a fresh start removes the state of earlier ones)", id, name)}
	}
	if err != nil {
		return nil, "", err
	}
	return data, format, nil
}

// statementsOf parses the statements an application's session runs: the
// declarations of its inputs and its code (the reports' runner keeps the
// CREATE STREAM statements).
func statementsOf(p *plan, code string) ([]sql.Statement, error) {
	var out []sql.Statement
	for _, src := range []*sql.Source{{Name: "input configuration", Text: p.prelude}, {Text: code}} {
		if strings.TrimSpace(src.Text) == "" {
			continue
		}
		stmts, err := sql.Parse(src)
		if err != nil {
			return nil, err
		}
		out = append(out, stmts...)
	}
	return out, nil
}

// confinedConnectors are the host's connectors with every option checked
// against the confinement, uncounted: what a report's run reads and
// delivers to is not the application's input or output.
type confinedConnectors struct {
	inner   planner.Connectors
	confine *confinement
}

var _ planner.Connectors = (*confinedConnectors)(nil)

func (c *confinedConnectors) IsSource(name string) bool { return c.inner.IsSource(name) }
func (c *confinedConnectors) IsSink(name string) bool   { return c.inner.IsSink(name) }

// OpenSource opens a source after checking its options.
func (c *confinedConnectors) OpenSource(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (*planner.OpenedSource, error) {
	if err := c.confine.check(options); err != nil {
		return nil, err
	}
	return c.inner.OpenSource(ctx, stream, schema, options, errs)
}

// DiscoverSource samples a source after checking its options.
func (c *confinedConnectors) DiscoverSource(ctx context.Context, options map[string]string) ([]planner.Column, error) {
	if err := c.confine.check(options); err != nil {
		return nil, err
	}
	return c.inner.DiscoverSource(ctx, options)
}

// OpenSink opens a destination after checking its options.
func (c *confinedConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	if err := c.confine.check(options); err != nil {
		return nil, err
	}
	return c.inner.OpenSink(ctx, stream, schema, options, errs)
}
