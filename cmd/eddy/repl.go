package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/eddy-sql/eddy/cmd/eddy/repl"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sql"
)

// cmdRepl runs `eddy repl [flags] [FILE.sql…]`: the interactive shell, or
// on a non-terminal input the same statements read as a script.
func cmdRepl(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, []string{"input", "output", "format", "history"}, nil)
	if err != nil {
		fmt.Fprintf(stderr, "eddy repl: %v\n", err)
		return 2
	}
	format := encode.Table
	if f := fs.last("format", ""); f != "" {
		if format, err = encode.ParseFormat(f); err != nil {
			fmt.Fprintf(stderr, "eddy repl: --format %s: want table, json or csv\n", f)
			return 2
		}
	}
	terminal := isTerminal(stdin) && isTerminal(stdout)
	out, errOut := repl.LockedWriters(stdout, stderr)
	a := newApp(out, errOut, string(format))
	bind := func(input bool, name, uri string) error {
		n, opts, err := parseBinding(name+"="+uri, input)
		if err != nil {
			return err
		}
		a.bind(input, n, opts)
		return nil
	}
	for _, kind := range []string{"input", "output"} {
		for _, b := range fs.values[kind] {
			name, uri, _ := strings.Cut(b, "=")
			if err := bind(kind == "input", name, uri); err != nil {
				fmt.Fprintf(stderr, "eddy repl: --%s %v\n", kind, err)
				return 2
			}
		}
	}
	history := fs.last("history", repl.HistoryPath(os.Getenv))
	elog := newErrorLog(errOut, time.Now)
	elog.redact = a.redact.Text
	logCtx, stopLog := context.WithCancel(context.Background())
	defer stopLog()
	go elog.run(logCtx)
	live := a.session.Live(elog.Report)
	defer elog.Flush() // after live.Close: the counts of the last second
	defer live.Close()
	err = repl.Run(context.Background(), repl.Config{
		Live:        live,
		Stream:      a.session.Stream,
		Bind:        bind,
		Words:       append(sql.Keywords(), exec.DefaultFunctions().Names()...),
		In:          stdin,
		Out:         out,
		Err:         errOut,
		Terminal:    terminal,
		HistoryFile: history,
		Format:      format,
		Files:       fs.args,
		Redact:      a.redact.Text,
	})
	if errors.Is(err, repl.ErrStatementFailed) {
		return exitUsage // a script with errors: each was printed
	}
	if err != nil {
		fmt.Fprintf(errOut, "eddy repl: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// isTerminal tells whether f is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// stdinIsTerminal tells whether plain `eddy` should start the REPL: its
// standard input is a terminal.
func stdinIsTerminal(stdin io.Reader) bool { return isTerminal(stdin) }
