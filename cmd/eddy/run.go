package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/term"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// stdoutTarget is where the stdout connector writes.
type stdoutTarget struct {
	w        io.Writer
	terminal bool
}

// app is an application being set up from SQL files and flags.
type app struct {
	session *planner.Session
	conns   *registryConnectors
	checked *checkedConnectors
	// redact removes the secret option values the application was given
	// from everything printed.
	redact *planner.Redactor
	stderr io.Writer
	// bound are the streams bound from the command line, by kind.
	mu    sync.Mutex
	bound map[bool][]string
}

// newApp makes a session whose connectors come from the registries.
func newApp(stdout, stderr io.Writer, format string) *app {
	return newAppWithState(stdout, stderr, format, "")
}

// newAppWithState is newApp with checkpoints kept in stateDir ("" for none).
func newAppWithState(stdout, stderr io.Writer, format, stateDir string) *app {
	alloc := memory.NewGoAllocator()
	terminal := false
	if f, ok := stdout.(*os.File); ok {
		terminal = term.IsTerminal(int(f.Fd()))
	}
	conns := &registryConnectors{alloc: alloc, clock: time.Now, stdout: stdoutTarget{w: stdout, terminal: terminal}, defaults: map[string]string{}}
	if format != "" {
		conns.defaults["format"] = format
	}
	a := &app{conns: conns, redact: &planner.Redactor{}, stderr: stderr, bound: map[bool][]string{}}
	a.checked = &checkedConnectors{Connectors: conns, redact: a.redact, bound: a.isBound, sinks: &sinkTracker{clock: time.Now}}
	a.session = planner.NewSession(planner.Config{
		Connectors: a.checked, Alloc: alloc, Clock: time.Now, StateDir: stateDir,
		Log: func(msg string) { fmt.Fprintf(stderr, "eddy: %s\n", a.redact.Text(msg)) },
	})
	a.checked.stream = a.session.Stream
	return a
}

// bind binds stream name, as an input or an output, to a connector with
// options given on the command line (or by \input, \output).
func (a *app) bind(input bool, name string, opts map[string]string) {
	a.redact.Add(opts)
	a.mu.Lock()
	a.bound[input] = append(a.bound[input], name)
	a.mu.Unlock()
	if input {
		a.session.BindInput(name, opts)
	} else {
		a.session.BindOutput(name, opts)
	}
}

// isBound tells whether stream name was bound from the command line.
func (a *app) isBound(input bool, name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range a.bound[input] {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// printError prints err like printError, with the application's secrets
// removed.
func (a *app) printError(w io.Writer, err error) { printErrorRedacted(w, err, a.redact) }

// loadFiles parses and executes every statement of the files in order.
func (a *app) loadFiles(ctx context.Context, files []string, out io.Writer) error {
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		if err := a.execText(ctx, &sql.Source{Name: name, Text: string(text)}, out); err != nil {
			return err
		}
	}
	return nil
}

// execText parses and executes the statements of one source.
func (a *app) execText(ctx context.Context, src *sql.Source, out io.Writer) error {
	stmts, err := sql.Parse(src)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		res, err := a.session.Exec(ctx, st)
		if err != nil {
			return err
		}
		if res.Text != "" && isReport(st) {
			fmt.Fprint(out, a.redact.Text(planner.RedactSQL(res.Text)))
		}
	}
	return nil
}

// isReport tells whether a statement's result text is worth printing in a
// batch run (SHOW, DESCRIBE, EXPLAIN), unlike DDL confirmations.
func isReport(st sql.Statement) bool {
	switch st.(type) {
	case *sql.Show, *sql.Describe, *sql.Explain:
		return true
	}
	return false
}

// printError prints err for a person: SQL errors with the line and a
// caret. Secret option values in WITH clauses never show.
func printError(w io.Writer, err error) { printErrorRedacted(w, err, nil) }

// printErrorRedacted is printError that also removes the secret values r
// remembers.
func printErrorRedacted(w io.Writer, err error, r *planner.Redactor) {
	var se *sql.Error
	if errors.As(err, &se) {
		fmt.Fprintln(w, planner.PrettyError(se, r))
		return
	}
	fmt.Fprintf(w, "eddy: %s\n", r.Text(planner.RedactSQL(err.Error())))
}

// exitCodeOf returns the exit status for an error that ends eddy: 2 for a
// SQL, option or usage error, 1 for anything else.
func exitCodeOf(err error) int {
	var se *sql.Error
	var ue *usageError
	if errors.As(err, &se) || errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

// runUsage is the help of eddy run.
const runUsage = `usage: eddy run [flags] FILE.sql...
  --input NAME=URI         bind input stream NAME: CONNECTOR[:TARGET][?key=value&...]
  --output NAME=URI        bind output stream NAME (default: stdout)
  --reference NAME=URI     bind reference table NAME (CREATE TABLE), loaded before the pumps start
  --format table|json|csv  stdout format (default: table on a terminal, else json)
  --set KEY=VALUE          a setting, as SET KEY = 'VALUE' in SQL (checkpoint_interval,
                           max_state, max_memory, max_windows_per_row)
  --state DIR              keep checkpoints in DIR and resume from them
  --stop-timeout DURATION  after SIGINT or SIGTERM, flush for at most this long (default 10s)
  --drain                  on SIGINT or SIGTERM, emit the windows still open (as partial
                           results) instead of keeping them for the next run with --state
  --explain                print the plans and exit
exit status:
  0    finished: every bounded input exhausted and all output flushed
  1    a runtime failure (a source, pump or destination failed)
  2    a usage, SQL or connector option error (SQL ones with line:col)
  130  stopped by SIGINT, 143 by SIGTERM; if the flush did not finish within
       --stop-timeout (or a second signal came), stderr says what was not flushed
  141  stdout's reader went away (as with | head); stderr says "stdout closed"
`

func cmdRun(args []string, stdout, stderr io.Writer) int {
	return runApp(args, stdout, stderr, nil)
}

// runApp is eddy run; notify subscribes to the stop signals (nil: SIGINT
// and SIGTERM of the process).
func runApp(args []string, stdout, stderr io.Writer, notify func(chan<- os.Signal)) int {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprint(stdout, helpOf("run"))
			return exitOK
		}
	}
	fs, err := parseFlags(args, []string{"input", "output", "format", "set", "state", "stop-timeout", "reference"}, []string{"explain", "drain"})
	if err != nil {
		fmt.Fprintf(stderr, "eddy run: %v (eddy run --help lists the flags)\n", err)
		return exitUsage
	}
	if len(fs.args) == 0 {
		fmt.Fprintln(stderr, "eddy run: no SQL file given (usage: eddy run [flags] FILE.sql...; try eddy run cmd/eddy/examples/ticker_alerts.sql from the repository's root)")
		return exitUsage
	}
	format := fs.last("format", "")
	if format != "" && format != "table" && format != "json" && format != "csv" {
		fmt.Fprintf(stderr, "eddy run: --format %s: want table, json or csv\n", format)
		return exitUsage
	}
	stopTimeout := defaultStopTimeout
	if v := fs.last("stop-timeout", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fmt.Fprintf(stderr, "eddy run: --stop-timeout %q: want a duration such as 10s\n", v)
			return exitUsage
		}
		stopTimeout = d
	}
	a := newAppWithState(stdout, stderr, format, fs.last("state", ""))
	a.session.SetDrain(fs.bools["drain"])
	for _, kind := range []string{"input", "output"} {
		for _, b := range fs.values[kind] {
			name, opts, err := parseBinding(b, kind == "input")
			if err != nil {
				fmt.Fprintf(stderr, "eddy run: --%s %v\n", kind, err)
				return exitUsage
			}
			a.bind(kind == "input", name, opts)
		}
	}
	for _, ref := range fs.values["reference"] { // --reference NAME=URI: a reference table
		name, opts, err := parseBinding(ref, true)
		if err != nil {
			fmt.Fprintf(stderr, "eddy run: --reference %v\n", err)
			return exitUsage
		}
		a.session.BindReference(name, opts)
	}
	var sets []string
	for _, kv := range fs.values["set"] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(stderr, "eddy run: --set %q: want KEY=VALUE\n", kv)
			return exitUsage
		}
		sets = append(sets, fmt.Sprintf("SET %s = '%s';", k, strings.ReplaceAll(v, "'", "''")))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := newStopper(cancel, stderr, notify)
	defer stop.Close()
	// A signal while the application loads (discovery can take a while)
	// stops it with the signal's status.
	loadFailed := func(err error) int {
		if sig, ok := stop.signalled(); ok {
			return signalExit(sig)
		}
		a.printError(stderr, err)
		return exitCodeOf(err)
	}
	if len(sets) > 0 {
		if err := a.execText(ctx, &sql.Source{Name: "--set", Text: strings.Join(sets, "\n")}, stdout); err != nil {
			if exitCodeOf(err) == exitFailure {
				err = &usageError{err: err}
			}
			return loadFailed(err)
		}
	}
	if err := a.loadFiles(ctx, fs.args, stdout); err != nil {
		if exitCodeOf(err) == exitFailure {
			err = &usageError{err: err} // a file that cannot be read, an unknown statement
		}
		return loadFailed(err)
	}
	if fs.bools["explain"] { // the plans, opening no source or destination
		text, err := a.session.ExplainApp()
		if err != nil {
			return loadFailed(err)
		}
		fmt.Fprint(stdout, a.redact.Text(planner.RedactSQL(text)))
		return exitOK
	}
	elog := newErrorLog(stderr, time.Now)
	elog.redact = a.redact.Text
	job, err := a.session.Build(ctx, elog.Report)
	if err != nil {
		return loadFailed(err)
	}
	stopReports, err := startReports(ctx, a, fs.args, fs.last("state", ""), stderr)
	if err != nil {
		return loadFailed(err)
	}
	logCtx, stopLog := context.WithCancel(context.Background())
	go elog.run(logCtx)
	defer stopLog()
	done := make(chan error, 1)
	go func() { done <- job.Run(ctx) }()
	err, abandoned, why := stop.wait(done, stopTimeout)
	stopLog()
	elog.Flush()
	if abandoned {
		sig, _ := stop.signalled()
		fmt.Fprintf(stderr, "eddy: %s: exiting before everything was flushed: %s\n", signalName(sig), why)
		unflushed := a.checked.sinks.unflushed()
		for _, u := range unflushed {
			fmt.Fprintf(stderr, "eddy: not flushed: %s\n", u)
		}
		if len(unflushed) == 0 {
			fmt.Fprintln(stderr, "eddy: not flushed: rows still inside the pipeline (sources, pumps or windows had not stopped)")
		}
		if fs.last("state", "") != "" {
			fmt.Fprintln(stderr, "eddy: the next run with the same --state resumes from the last checkpoint")
		}
		fmt.Fprint(stderr, elog.Totals())
		return signalExit(sig)
	}
	stopReports()
	if taken, failed, bytes, took := job.Checkpoints(); taken+failed > 0 {
		fmt.Fprintf(stderr, "eddy: %s taken, %d abandoned; the last held %d bytes of state and took %s\n", plural(taken, "checkpoint"), failed, bytes, took.Round(time.Millisecond))
	}
	if totals := elog.Totals(); totals != "" {
		fmt.Fprint(stderr, totals)
	} else if n := job.Errors(); n > 0 {
		fmt.Fprintf(stderr, "eddy: %s went to the error stream\n", plural(n, "row"))
	}
	printLateRows(stderr, job.LateRows())
	for _, l := range a.conns.truncs.lines() {
		fmt.Fprintln(stderr, l)
	}
	if err != nil {
		if errors.Is(err, syscall.EPIPE) {
			fmt.Fprintf(stderr, "eddy: stdout closed: its reader went away; stopping (%s)\n", a.redact.Text(err.Error()))
			return exitPipe
		}
		a.printError(stderr, err)
		return exitCodeOf(err)
	}
	if sig, ok := stop.signalled(); ok {
		return signalExit(sig)
	}
	return exitOK
}

// printLateRows tells how many late rows each pump's windows dropped or
// only counted (late_rows = drop | count); rows sent to the error stream
// are in its totals already.
func printLateRows(w io.Writer, late []planner.LateRows) {
	for _, l := range late {
		what := ""
		switch l.Policy {
		case window.LateDrop:
			what = "dropped (late_rows = drop)"
		case window.LateCount:
			what = "counted and left out (late_rows = count)"
		default:
			continue
		}
		fmt.Fprintf(w, "eddy: %s: %d late rows %s\n", l.Pump, l.Rows, what)
	}
}
