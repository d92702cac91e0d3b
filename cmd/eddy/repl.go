package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

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
		if input {
			a.session.BindInput(n, opts)
		} else {
			a.session.BindOutput(n, opts)
		}
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
	live := a.session.Live(func(r exec.ErrorRecord) { printErrorRecord(errOut, r) })
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
	})
	if err != nil {
		fmt.Fprintf(errOut, "eddy repl: %v\n", err)
		return 1
	}
	return 0
}

// isTerminal tells whether f is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// stdinIsTerminal tells whether plain `eddy` should start the REPL: its
// standard input is a terminal.
func stdinIsTerminal(stdin io.Reader) bool { return isTerminal(stdin) }
