package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"
)

// errAborted is returned by Prompt when the person presses Ctrl-C.
var errAborted = errors.New("repl: prompt aborted")

// lineReader reads the lines of statements.
type lineReader interface {
	// Prompt shows prompt and returns the next line without its line
	// break; io.EOF at the end of the input (Ctrl-D), errAborted on
	// Ctrl-C.
	Prompt(prompt string) (string, error)
	// AppendHistory records an entry for recalling (and saves it).
	AppendHistory(entry string)
	// Close restores the terminal.
	Close() error
}

// plainReader reads lines from a non-terminal input, with no prompt.
type plainReader struct {
	r *bufio.Reader
}

func newPlainReader(r io.Reader) *plainReader {
	if r == nil {
		r = strings.NewReader("")
	}
	return &plainReader{r: bufio.NewReader(r)}
}

// Prompt returns the next line of the input.
func (p *plainReader) Prompt(string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// AppendHistory does nothing: scripts have no history.
func (p *plainReader) AppendHistory(string) {}

// Close does nothing.
func (p *plainReader) Close() error { return nil }

// terminalReader edits lines on the terminal with liner.
type terminalReader struct {
	st      *liner.State
	history string // file, "" for none
	last    string
	warn    io.Writer
}

// newTerminalReader puts the terminal in line-editing mode and loads the
// history file. Trouble saving history is reported on warn.
func newTerminalReader(history string, complete liner.WordCompleter, warn io.Writer) (*terminalReader, error) {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	st.SetTabCompletionStyle(liner.TabPrints)
	st.SetWordCompleter(complete)
	st.SetMultiLineMode(true)
	t := &terminalReader{st: st, history: history, warn: warn}
	if history != "" {
		f, err := os.Open(history)
		switch {
		case err == nil:
			var n int
			n, err = st.ReadHistory(f)
			f.Close()
			if err != nil {
				st.Close()
				return nil, fmt.Errorf("repl: history %s: %w", history, err)
			}
			if n > 2*liner.HistoryLimit {
				compactHistory(st, history)
			}
		case !errors.Is(err, os.ErrNotExist):
			st.Close()
			return nil, fmt.Errorf("repl: history: %w", err)
		}
	}
	return t, nil
}

// Prompt reads a line with editing.
func (t *terminalReader) Prompt(prompt string) (string, error) {
	line, err := t.st.Prompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errAborted
	}
	return line, err
}

// AppendHistory adds entry to the history and to the history file.
func (t *terminalReader) AppendHistory(entry string) {
	if entry == "" || entry == t.last {
		return
	}
	t.last = entry
	t.st.AppendHistory(entry)
	if t.history == "" {
		return
	}
	if err := appendHistoryFile(t.history, entry); err != nil {
		t.history = "" // say it once, then go on without
		fmt.Fprintf(t.warn, "%v (history is not saved)\n", err)
	}
}

// appendHistoryFile appends one entry to the history file, creating it and
// its directory.
func appendHistoryFile(path, entry string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("repl: history: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("repl: history: %w", err)
	}
	_, err = fmt.Fprintln(f, entry)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("repl: history: %w", err)
	}
	return nil
}

// compactHistory rewrites the history file with the entries st keeps, so
// that appending does not grow it without end. Failing is harmless.
func compactHistory(st *liner.State, path string) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	_, err = st.WriteHistory(f)
	if cerr := f.Close(); err == nil && cerr == nil {
		_ = os.Rename(tmp, path)
		return
	}
	_ = os.Remove(tmp)
}

// Close restores the terminal.
func (t *terminalReader) Close() error { return t.st.Close() }

// HistoryPath returns where the REPL keeps its history, from the
// environment: $EDDY_HISTORY when set, else $XDG_STATE_HOME/eddy/history,
// else ~/.eddy_history; "" when none can be found.
func HistoryPath(getenv func(string) string) string {
	if p := getenv("EDDY_HISTORY"); p != "" {
		return p
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "eddy", "history")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".eddy_history")
	}
	return ""
}
