package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/term"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
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
	stderr  io.Writer
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
	s := planner.NewSession(planner.Config{
		Connectors: conns, Alloc: alloc, Clock: time.Now, StateDir: stateDir,
		Log: func(msg string) { fmt.Fprintf(stderr, "eddy: %s\n", msg) },
	})
	return &app{session: s, conns: conns, stderr: stderr}
}

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
			fmt.Fprint(out, res.Text)
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

// printError prints err for a person: SQL errors with the line and a caret.
func printError(w io.Writer, err error) {
	var se *sql.Error
	if errors.As(err, &se) {
		fmt.Fprintln(w, se.Pretty())
		return
	}
	fmt.Fprintf(w, "eddy: %v\n", err)
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, []string{"input", "output", "format", "set", "state", "reference"}, []string{"explain"})
	if err != nil {
		fmt.Fprintf(stderr, "eddy run: %v\n", err)
		return 2
	}
	if len(fs.args) == 0 {
		fmt.Fprintln(stderr, "eddy run: no SQL file given (usage: eddy run [flags] FILE.sql...)")
		return 2
	}
	format := fs.last("format", "")
	if format != "" && format != "table" && format != "json" && format != "csv" {
		fmt.Fprintf(stderr, "eddy run: --format %s: want table, json or csv\n", format)
		return 2
	}
	a := newAppWithState(stdout, stderr, format, fs.last("state", ""))
	for _, in := range fs.values["input"] {
		name, opts, err := parseBinding(in, true)
		if err != nil {
			fmt.Fprintf(stderr, "eddy run: --input %v\n", err)
			return 2
		}
		a.session.BindInput(name, opts)
	}
	for _, ref := range fs.values["reference"] { // --reference NAME=URI: a reference table
		name, opts, err := parseBinding(ref, true)
		if err != nil {
			fmt.Fprintf(stderr, "eddy run: --reference %v\n", err)
			return 2
		}
		a.session.BindReference(name, opts)
	}
	for _, out := range fs.values["output"] {
		name, opts, err := parseBinding(out, false)
		if err != nil {
			fmt.Fprintf(stderr, "eddy run: --output %v\n", err)
			return 2
		}
		a.session.BindOutput(name, opts)
	}
	var sets []string
	for _, kv := range fs.values["set"] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(stderr, "eddy run: --set %q: want KEY=VALUE\n", kv)
			return 2
		}
		sets = append(sets, fmt.Sprintf("SET %s = '%s';", k, strings.ReplaceAll(v, "'", "''")))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(sets) > 0 {
		if err := a.execText(ctx, &sql.Source{Name: "--set", Text: strings.Join(sets, "\n")}, stdout); err != nil {
			printError(stderr, err)
			return 2
		}
	}
	if err := a.loadFiles(ctx, fs.args, stdout); err != nil {
		printError(stderr, err)
		return 2
	}
	job, err := a.session.Build(ctx, func(r exec.ErrorRecord) { printErrorRecord(stderr, r) })
	if err != nil {
		printError(stderr, err)
		return 1
	}
	if fs.bools["explain"] {
		fmt.Fprint(stdout, job.Explain())
		return 0
	}
	stopReports, err := startReports(ctx, a, fs.args, fs.last("state", ""), stderr)
	if err != nil {
		printError(stderr, err)
		return 1
	}
	defer stopReports()
	err = job.Run(ctx)
	if taken, failed, bytes, took := job.Checkpoints(); taken+failed > 0 {
		fmt.Fprintf(stderr, "eddy: %d checkpoints taken, %d abandoned; the last held %d bytes of state and took %s\n", taken, failed, bytes, took.Round(time.Millisecond))
	}
	if err != nil {
		printError(stderr, err)
		return 1
	}
	if n := job.Errors(); n > 0 {
		fmt.Fprintf(stderr, "eddy: %d rows went to the error stream\n", n)
	}
	return 0
}

// printErrorRecord prints an error-stream row nobody reads, on stderr.
func printErrorRecord(w io.Writer, r exec.ErrorRecord) {
	var where []string
	if r.Stream != "" {
		where = append(where, "stream "+r.Stream)
	}
	if r.Pump != "" {
		where = append(where, "pump "+r.Pump)
	}
	if r.Origin != "" {
		pos := r.Origin
		if r.Partition != "" {
			pos += " partition " + r.Partition
		}
		if r.Position != "" {
			pos += " position " + r.Position
		} else {
			pos += fmt.Sprintf(" offset %d", r.Offset)
		}
		where = append(where, pos)
	}
	fmt.Fprintf(w, "error_stream: %s: %s (%s): %s\n", r.Name, r.Message, strings.Join(where, ", "), r.DataRow)
}
