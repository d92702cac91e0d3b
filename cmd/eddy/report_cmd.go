package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/eddy-sql/eddy/cmd/eddy/report"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sql"
)

// reportUsage is the help of eddy report.
const reportUsage = `usage: eddy report FILE.sql... --state DIR [--once | --at TIME] [--out DIR] [--report NAME]...
  --state DIR     the state directory of eddy run --state (retained history)
  --once          run every report now, for its latest scheduled time, or, when the
                  retained history ends before that run's window (replayed data),
                  for the first scheduled time after the newest retained row
  --at TIME       run every report for scheduled time TIME (ISO 8601)
  --out DIR       write reports to DIR instead of their default directory
  --report NAME   run only this report (repeatable)
without --once or --at, reports run on their schedules until Ctrl-C
`

// cmdReport runs an application's reports now or on their schedules.
func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, []string{"state", "at", "out", "report"}, []string{"once"})
	if err != nil {
		fmt.Fprintf(stderr, "eddy report: %v (eddy report --help lists the flags)\n", err)
		return 2
	}
	state := fs.last("state", "")
	switch {
	case len(fs.args) == 0:
		fmt.Fprintln(stderr, "eddy report: no SQL file given: the application whose reports to run (usage: eddy report FILE.sql... --state DIR)")
		return 2
	case state == "":
		fmt.Fprintln(stderr, "eddy report: --state DIR is needed: the directory eddy run --state kept the retained history in")
		return 2
	}
	var at time.Time
	if v := fs.last("at", ""); v != "" {
		ms, err := sources.ParseTimestamp(v)
		if err != nil {
			fmt.Fprintf(stderr, "eddy report: --at %q: %v\n", v, err)
			return 2
		}
		at = time.UnixMilli(ms).UTC()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := newAppWithState(stdout, stderr, "", state)
	sched, reps, err := loadReports(ctx, a, fs.args, state, fs.last("out", ""), stderr)
	if err != nil {
		printError(stderr, err)
		return 2
	}
	if names := fs.values["report"]; len(names) > 0 {
		reps, err = pickReports(reps, names)
		if err != nil {
			fmt.Fprintf(stderr, "eddy report: %v\n", err)
			return 2
		}
	}
	if len(reps) == 0 {
		fmt.Fprintln(stderr, "eddy report: the application has no CREATE REPORT")
		return 2
	}
	if !fs.bools["once"] && at.IsZero() {
		for _, r := range reps {
			if _, err := report.Newest(state, r); errors.Is(err, report.ErrNoHistory) {
				fmt.Fprintf(stderr, "eddy %v (its runs are empty until there is some)\n", err)
			}
		}
		if err := sched.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			printError(stderr, err)
			return 1
		}
		return 0
	}
	code := 0
	for _, r := range reps {
		// A run over no history at all is a mistake (no eddy run --state
		// yet, or another directory), not an empty report.
		newest, err := report.Newest(state, r)
		if err != nil {
			fmt.Fprintf(stderr, "eddy %v\n", err)
			code = 1
			continue
		}
		t := at
		if t.IsZero() {
			var replayed bool
			if t, replayed = report.OnceTime(r, newest, time.Now()); replayed {
				fmt.Fprintf(stderr, "eddy report: %s: the newest retained row is at %s, before the latest scheduled run; running for %s, whose window holds it (--at TIME picks another)\n",
					r.Def.Name, newest.UTC().Format(time.RFC3339Nano), t.UTC().Format(time.RFC3339))
			}
		}
		where, err := sched.RunOnce(ctx, r, t)
		if err != nil {
			code = 1
			continue
		}
		fmt.Fprintln(stdout, where)
	}
	return code
}

func pickReports(reps []*report.Report, names []string) ([]*report.Report, error) {
	var out []*report.Report
	for _, n := range names {
		found := false
		for _, r := range reps {
			if r.Def.Name == n || r.Def.Name == sqlUpper(n) {
				out, found = append(out, r), true
			}
		}
		if !found {
			return nil, fmt.Errorf("--report %s: no such report", n)
		}
	}
	return out, nil
}

// sqlUpper folds an unquoted name as SQL does.
func sqlUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// loadReports executes the application's files in a's session and returns
// a scheduler of its reports (retries and runs logged on stderr).
func loadReports(ctx context.Context, a *app, files []string, stateDir, outDir string, stderr io.Writer) (*report.Scheduler, []*report.Report, error) {
	var stmts []sql.Statement
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			return nil, nil, err
		}
		parsed, err := sql.Parse(&sql.Source{Name: name, Text: string(text)})
		if err != nil {
			return nil, nil, err
		}
		for _, st := range parsed {
			if _, err := a.session.Exec(ctx, st); err != nil {
				return nil, nil, err
			}
		}
		stmts = append(stmts, parsed...)
	}
	return newScheduler(a, stmts, stateDir, outDir, stderr)
}

// newScheduler builds the scheduler of the session's reports.
func newScheduler(a *app, stmts []sql.Statement, stateDir, outDir string, stderr io.Writer) (*report.Scheduler, []*report.Report, error) {
	var reps []*report.Report
	for _, d := range a.session.Reports() {
		r, err := report.NewReport(d)
		if err != nil {
			return nil, nil, err
		}
		reps = append(reps, r)
	}
	var mu sync.Mutex
	cfg := report.Config{
		Connectors: a.conns, Alloc: a.conns.alloc, StateDir: stateDir, Clock: a.conns.clock,
		Log: func(msg string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stderr, "eddy: %s\n", msg)
		},
	}
	return report.NewScheduler(cfg, report.NewRunner(cfg, stmts), reps, outDir), reps, nil
}

// startReports runs the reports of an application loaded into a (from
// files) on their schedules, alongside its pumps, until stop is called or
// ctx is done. A failing report is retried and logged; it never stops the
// pumps. With no report it does nothing; with reports it needs stateDir.
func startReports(ctx context.Context, a *app, files []string, stateDir string, stderr io.Writer) (stop func(), err error) {
	if len(a.session.Reports()) == 0 {
		return func() {}, nil
	}
	if stateDir == "" {
		return nil, fmt.Errorf("reports need a state directory (eddy run --state DIR)")
	}
	var stmts []sql.Statement
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		parsed, err := sql.Parse(&sql.Source{Name: name, Text: string(text)})
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, parsed...)
	}
	sched, _, err := newScheduler(a, stmts, stateDir, "", stderr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sched.Run(ctx)
	}()
	return func() { cancel(); <-done }, nil
}
