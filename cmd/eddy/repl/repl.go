package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sql"
)

// Live is the running session the REPL drives; *planner.Live implements
// it. The REPL calls it from one goroutine.
type Live interface {
	// Exec executes a statement; a pump starts running at once, a SELECT
	// STREAM returns the name of a query in Result.Query.
	Exec(ctx context.Context, st sql.Statement) (*planner.Result, error)
	// Query runs a query until ctx ends or its input ends, handing each
	// batch to show (which must not keep it).
	Query(ctx context.Context, name string, show func(arrow.RecordBatch) error) (planner.QueryStats, error)
	// QuerySchema returns the columns a query shows.
	QuerySchema(name string) (*arrow.Schema, bool)
	// StopPump stops a running pump.
	StopPump(name string) error
	// Running lists the background tasks ("pump P", "source S", …) and
	// whether each still runs.
	Running() map[string]bool
}

// Config is what the REPL needs from its host.
type Config struct {
	// Live is the session statements run against. The host closes it
	// after Run returns.
	Live Live
	// Stream looks a stream up in the session's catalog, for completing
	// column names. Optional.
	Stream func(name string) (*planner.StreamDef, bool)
	// Bind binds stream name to a connector URI
	// (CONNECTOR[:TARGET][?key=value&…]) as an input (\input) or an output
	// (\output), the way eddy run's --input and --output do. Optional.
	Bind func(input bool, name, uri string) error
	// Words are completion candidates besides stream, pump and column
	// names: SQL keywords and function names.
	Words []string
	// In is where statements come from when Terminal is false. On a
	// terminal the line editor reads the process's standard input.
	In io.Reader
	// Out receives results and Err messages. Both must be safe for
	// concurrent use when background tasks write to them too (see
	// LockedWriters).
	Out, Err io.Writer
	// Terminal turns on the line editor, prompts, history and live
	// display; standard input and output must then be the terminal.
	Terminal bool
	// HistoryFile keeps the terminal's history between sessions; "" keeps
	// none.
	HistoryFile string
	// Format is how SELECT STREAM rows show at first: table (the default),
	// json or csv.
	Format encode.Format
	// Files are SQL files run before the first prompt, as by \source.
	Files []string
	// ScriptName names the input in the messages of a script (Terminal
	// false): errors read NAME:LINE:COL, the line counted in the whole
	// input. Default "stdin".
	ScriptName string
	// Redact removes secrets the host knows of (option values it bound)
	// from what the REPL prints; secret options in WITH clauses are
	// redacted anyway. Optional.
	Redact func(string) string
}

// repl is one REPL session.
type repl struct {
	cfg     Config
	in      lineReader
	format  encode.Format
	timing  bool
	pending strings.Builder // lines of a statement not yet ended by ';'
	// line counts the lines read; entryLine is the line the pending
	// statement began on (script positions).
	line, entryLine int

	// failed counts the entries, meta-commands and files that failed.
	failed int

	intr   chan os.Signal
	mu     sync.Mutex
	cancel context.CancelFunc // of the running query, for Ctrl-C
}

// errQuit is returned by a meta-command that ends the session.
var errQuit = errors.New("repl: quit")

// ErrStatementFailed is returned by Run on a non-terminal input (a script)
// when any statement or command failed; each error was printed as it
// happened.
var ErrStatementFailed = errors.New("repl: a statement failed")

// Run runs the REPL until its input ends, the person presses Ctrl-D or
// types \quit, or ctx ends. SQL errors are printed and the session goes
// on. Run returns an error when it cannot read its input, and, when the
// input is not a terminal, ErrStatementFailed if anything failed.
func Run(ctx context.Context, cfg Config) (err error) {
	if cfg.Live == nil {
		return errors.New("repl: no live session")
	}
	r := &repl{cfg: cfg, format: cfg.Format, intr: make(chan os.Signal, 1)}
	if r.format == "" {
		r.format = encode.Table
	}
	done := make(chan struct{})
	var watching sync.WaitGroup
	watching.Go(func() { r.watchInterrupts(done) })
	defer func() {
		signalStop(r.intr)
		close(done)
		watching.Wait()
	}()
	if cfg.Terminal {
		// Ctrl-C outside a query does nothing; at the prompt the line
		// editor reads it as a key.
		signalNotify(r.intr)
		in, err := newTerminalReader(cfg.HistoryFile, r.completer, cfg.Err)
		if err != nil {
			return err
		}
		r.in = in
		fmt.Fprintln(cfg.Out, `eddy — streaming SQL. End statements with ";". \help for help, Ctrl-D to quit.`)
	} else {
		r.in = newPlainReader(cfg.In)
	}
	defer r.in.Close()
	defer func() {
		if err == nil && !cfg.Terminal && r.failed > 0 {
			err = fmt.Errorf("%w (%d errors)", ErrStatementFailed, r.failed)
		}
	}()
	for _, f := range cfg.Files {
		if err := r.source(ctx, f); err != nil {
			r.printError(err)
		}
	}
	return r.loop(ctx)
}

// watchInterrupts cancels the running query on SIGINT.
func (r *repl) watchInterrupts(done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case <-r.intr:
			r.mu.Lock()
			if r.cancel != nil {
				r.cancel()
			}
			r.mu.Unlock()
		}
	}
}

// prompt returns the prompt for the next line.
func (r *repl) prompt() string {
	if r.pending.Len() > 0 {
		return "  ... "
	}
	return "eddy> "
}

// loop reads lines and runs what they make up.
func (r *repl) loop(ctx context.Context) error {
	for ctx.Err() == nil {
		line, err := r.in.Prompt(r.prompt())
		switch {
		case errors.Is(err, errAborted):
			r.pending.Reset() // Ctrl-C at the prompt drops the statement
			continue
		case errors.Is(err, io.EOF):
			if r.cfg.Terminal {
				fmt.Fprintln(r.cfg.Out)
			} else if !blank(r.pending.String()) {
				r.runEntry(ctx, r.pending.String()) // a last statement without ';'
			}
			return nil
		case err != nil:
			return fmt.Errorf("repl: reading input: %w", err)
		}
		r.line++
		if r.pending.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), `\`) {
			r.in.AppendHistory(strings.TrimSpace(line))
			if err := r.meta(ctx, strings.TrimSpace(line)); errors.Is(err, errQuit) {
				return nil
			} else if err != nil {
				r.printError(err)
			}
			continue
		}
		if r.pending.Len() > 0 {
			r.pending.WriteByte('\n')
		} else {
			r.entryLine = r.line
		}
		r.pending.WriteString(line)
		text := r.pending.String()
		if blank(text) {
			r.pending.Reset()
			continue
		}
		if complete(text) {
			r.pending.Reset()
			r.in.AppendHistory(historyEntry(text))
			r.runEntry(ctx, text)
		}
	}
	return nil
}

// historyEntry turns a statement typed over several lines into one line
// for the history: -- comments go (they would swallow what follows) and
// each line is trimmed.
func historyEntry(text string) string {
	lines := strings.Split(text, "\n")
	var kept []string
	var st scanState
	for _, l := range lines {
		if cut := lineCommentAt(&st, l); cut >= 0 {
			l = l[:cut]
		}
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, " ")
}

// runEntry parses and runs the statements of one entry. In a script the
// entry is placed at its line of the input, under the script's name, so
// errors point at NAME:LINE:COL of the whole script.
func (r *repl) runEntry(ctx context.Context, text string) {
	if r.cfg.Terminal {
		r.execSource(ctx, &sql.Source{Text: text})
		return
	}
	name := r.cfg.ScriptName
	if name == "" {
		name = "stdin"
	}
	r.execSource(ctx, &sql.Source{Name: name, Text: strings.Repeat("\n", max(r.entryLine-1, 0)) + text})
}

// execSource runs every statement of src in order, stopping at the first
// error, which it prints.
func (r *repl) execSource(ctx context.Context, src *sql.Source) bool {
	stmts, err := sql.Parse(src)
	if err != nil {
		r.printError(err)
		return false
	}
	for _, st := range stmts {
		if err := r.exec(ctx, st); err != nil {
			r.printError(err)
			return false
		}
	}
	return true
}

// exec runs one statement and prints its result.
func (r *repl) exec(ctx context.Context, st sql.Statement) error {
	start := time.Now()
	res, err := r.cfg.Live.Exec(ctx, st)
	if err != nil {
		return err
	}
	if res.Query != "" {
		return r.query(ctx, res.Query, st.Base().Text)
	}
	if res.Text != "" {
		fmt.Fprint(r.cfg.Out, withNewline(r.redact(planner.RedactSQL(res.Text))))
	}
	if r.timing {
		fmt.Fprintf(r.cfg.Out, "Time: %s\n", roundDuration(time.Since(start)))
	}
	return nil
}

// execText parses and runs text given by a meta-command.
func (r *repl) execText(ctx context.Context, text string) {
	r.execSource(ctx, &sql.Source{Text: text})
}

func withNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// printError prints err: a SQL error with its line and a caret under the
// column.
func (r *repl) printError(err error) {
	r.failed++
	var se *sql.Error
	if errors.As(err, &se) {
		fmt.Fprintln(r.cfg.Err, "ERROR: "+r.redact(planner.PrettyError(se, nil)))
		return
	}
	fmt.Fprintf(r.cfg.Err, "ERROR: %s\n", r.redact(planner.RedactSQL(err.Error())))
}

// redact removes the host's secrets from s.
func (r *repl) redact(s string) string {
	if r.cfg.Redact == nil {
		return s
	}
	return r.cfg.Redact(s)
}

// roundDuration rounds d for people: three significant digits or so.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
