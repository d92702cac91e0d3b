package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	_ "github.com/eddy-sql/eddy/sinks/history" // retained streams are written by it
	"github.com/eddy-sql/eddy/sources/history" // and runs read them with it
	"github.com/eddy-sql/eddy/sql"
)

// HistoryConnector is the source connector a run binds retained streams to.
const HistoryConnector = "history"

// Config is what running reports needs from the host.
type Config struct {
	// Connectors are the application's connectors; they must know the
	// history source (this package imports it) and any destination a
	// report delivers to.
	Connectors planner.Connectors
	// Alloc allocates every batch of a run; default: Go's allocator.
	Alloc memory.Allocator
	// StateDir holds retained history (planner.HistoryDir), the default
	// report directory (reports/NAME) and the last run time of each report.
	StateDir string
	// Clock is the wall clock; it gives the run time shown in reports and
	// drives the scheduler. Default: time.Now.
	Clock func() time.Time
	// Log receives one line per run, retry and failure.
	Log func(string)
	// Sleep waits d or until ctx is done (retry backoff); default a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Ran, when set, is told the outcome of every run the scheduler
	// makes (Scheduler.RunOnce, on schedule or not), once its retries are
	// done. It is called on the scheduler's goroutine.
	Ran func(Outcome)
}

// Outcome is one finished run of a report, as Config.Ran hears it.
type Outcome struct {
	Report string
	// Scheduled is the run's scheduled time (the end of its window);
	// Started and Finished bound the run, retries included.
	Scheduled, Started, Finished time.Time
	// Attempts counts the tries (1 when the first succeeded).
	Attempts int
	// Rows are the result rows of the last attempt that ran the query.
	Rows int
	// Where is the file or destination the report went to; File is the
	// file when it went to a directory ("" for a destination connector).
	Where, File string
	// Err is the last attempt's error; nil when the report was delivered.
	Err error
}

func (c *Config) defaults() {
	if c.Alloc == nil {
		c.Alloc = memory.NewGoAllocator()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Log == nil {
		c.Log = func(string) {}
	}
	if c.Sleep == nil {
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// Runner runs reports of one application: each run builds a fresh session
// from the application's CREATE STREAM statements, with every stream the
// report reads bound to its history.
type Runner struct {
	cfg     Config
	streams []*sql.CreateStream
}

// NewRunner returns a runner for the application whose statements are
// stmts (only CREATE STREAM statements are kept).
func NewRunner(cfg Config, stmts []sql.Statement) *Runner {
	cfg.defaults()
	r := &Runner{cfg: cfg}
	for _, st := range stmts {
		if cs, ok := st.(*sql.CreateStream); ok {
			r.streams = append(r.streams, cs)
		}
	}
	return r
}

// Result is one run of a report: its query's rows and where they come from.
// Release frees the batches.
type Result struct {
	Report   *Report
	Title    string
	Schedule string
	// Scheduled is the run's scheduled time, the end of the window
	// [From, To); RunAt is when it actually ran.
	Scheduled, From, To, RunAt time.Time
	// Location is the zone times are shown in.
	Location *time.Location
	Schema   *arrow.Schema
	Batches  []arrow.RecordBatch
	// Errors counts rows that went to the error stream during the run.
	Errors int64
}

// Rows returns the number of result rows.
func (r *Result) Rows() int {
	n := 0
	for _, b := range r.Batches {
		n += int(b.NumRows())
	}
	return n
}

// Release frees the result's batches; it may be called twice.
func (r *Result) Release() {
	for _, b := range r.Batches {
		b.Release()
	}
	r.Batches = nil
}

// Run runs rep for scheduled time at: its query over the history window
// that ends at at, with CURRENT_TIMESTAMP = at. The caller releases the
// result.
func (r *Runner) Run(ctx context.Context, rep *Report, at time.Time) (*Result, error) {
	from, to := rep.WindowAt(at)
	conns := &collectConnectors{Connectors: r.cfg.Connectors}
	defer conns.release()
	s := planner.NewSession(planner.Config{
		Connectors: conns, Alloc: r.cfg.Alloc, Clock: func() time.Time { return at },
		DefaultOutput: map[string]string{"connector": collectConnector},
		Bounded:       true, // history ends at T: plain GROUP BY and ORDER BY work
	})
	for _, cs := range r.streams {
		// Only the columns: the stream is read from its history, not its
		// connector, and keeps none of its own.
		decl := *cs
		decl.Options, decl.OrReplace = nil, true
		if _, err := s.Exec(ctx, &decl); err != nil {
			return nil, fmt.Errorf("report %s: %w", rep.Def.Name, err)
		}
	}
	for _, name := range rep.Def.Streams {
		s.BindInput(name, map[string]string{
			"connector": HistoryConnector, "dir": planner.HistoryDir(r.cfg.StateDir, name),
			"from": from.UTC().Format(time.RFC3339Nano), "to": to.UTC().Format(time.RFC3339Nano),
		})
	}
	q := &sql.SelectStatement{Stmt: sql.Stmt{Src: rep.Def.Src, Text: rep.Def.Text}, Query: rep.Def.Query}
	if rep.Def.Src == nil {
		q.Stmt.Src = &sql.Source{Name: rep.Def.Name, Text: rep.Def.Text}
	}
	if _, err := s.Exec(ctx, q); err != nil {
		return nil, fmt.Errorf("report %s: %w", rep.Def.Name, err)
	}
	job, err := s.Build(ctx, func(rec exec.ErrorRecord) {
		r.cfg.Log(fmt.Sprintf("report %s: error_stream: %s: %s", rep.Def.Name, rec.Name, rec.Message))
	})
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", rep.Def.Name, err)
	}
	if err := job.Run(ctx); err != nil {
		return nil, fmt.Errorf("report %s: run: %w", rep.Def.Name, err)
	}
	schema, batches := conns.take()
	return &Result{
		Report: rep, Title: rep.Title, Schedule: rep.Schedule.String(),
		Scheduled: at, From: from, To: to, RunAt: r.cfg.Clock(), Location: rep.Schedule.Location(),
		Schema: schema, Batches: batches, Errors: job.Errors(),
	}, nil
}

// ErrNoHistory is wrapped by the error of Newest when a stream a report
// reads has no retained history in the state directory: eddy run --state
// has not kept any yet, or the state directory is another one.
var ErrNoHistory = errors.New("no retained history")

// Newest returns the newest ROWTIME retained under stateDir of the streams
// rep reads: the
// time a report over replayed (event-time) data should be run for, rather
// than now. It returns an error wrapping ErrNoHistory when one of the
// streams has no history at all.
func Newest(stateDir string, rep *Report) (time.Time, error) {
	var newest time.Time
	for _, name := range rep.Def.Streams {
		dir := planner.HistoryDir(stateDir, name)
		segs, err := history.ListSegments(dir)
		if err != nil {
			return time.Time{}, fmt.Errorf("report %s: %w", rep.Def.Name, err)
		}
		if len(segs) == 0 {
			return time.Time{}, fmt.Errorf("report %s: %w of stream %s in %s: run the application with eddy run --state %s first, or give the --state directory it used",
				rep.Def.Name, ErrNoHistory, name, dir, stateDir)
		}
		for _, sg := range segs {
			if sg.Max.After(newest) {
				newest = sg.Max
			}
		}
	}
	return newest, nil
}

// OnceTime returns the scheduled time eddy report --once runs rep for,
// given the newest retained ROWTIME and now: the latest scheduled time up
// to now, unless the history ends before that run's window, as with
// replayed event-time data; then the first scheduled time after the
// newest row, whose window holds it. replayed tells which was chosen.
func OnceTime(rep *Report, newest, now time.Time) (at time.Time, replayed bool) {
	at = rep.Schedule.Prev(now.Add(time.Millisecond))
	if newest.IsZero() {
		return at, false
	}
	if next := rep.Schedule.Next(newest); !next.IsZero() && next.Before(at) {
		return next, true
	}
	return at, false
}
