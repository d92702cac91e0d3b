package repl

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sql"
)

// metaCommand is one backslash command.
type metaCommand struct {
	name string
	args string // for \help
	help string
	run  func(r *repl, ctx context.Context, arg string) error
}

// metaCommands are the REPL's backslash commands, in \help order.
var metaCommands = []metaCommand{
	{`\help`, "", "this list", nil}, // meta runs it: help reads this list
	{`\streams`, "", "list streams", func(r *repl, ctx context.Context, _ string) error {
		r.execText(ctx, "SHOW STREAMS;")
		return nil
	}},
	{`\pumps`, "", "list pumps and whether each runs", (*repl).pumps},
	{`\describe`, "NAME", "columns of a stream", func(r *repl, ctx context.Context, arg string) error {
		if arg == "" {
			return fmt.Errorf(`\describe: which stream? (\describe NAME)`)
		}
		r.execText(ctx, "DESCRIBE "+arg+";")
		return nil
	}},
	{`\explain`, "STMT", "the plan of a statement", func(r *repl, ctx context.Context, arg string) error {
		arg = strings.TrimSuffix(strings.TrimSpace(arg), ";")
		if arg == "" {
			return fmt.Errorf(`\explain: which statement? (\explain SELECT STREAM …)`)
		}
		r.execText(ctx, "EXPLAIN "+arg+";")
		return nil
	}},
	{`\format`, "table|json|csv", "how SELECT STREAM rows show", (*repl).setFormat},
	{`\timing`, "[on|off]", "print how long each statement takes", (*repl).setTiming},
	{`\source`, "FILE.sql", "run the statements of a file", func(r *repl, ctx context.Context, arg string) error {
		if arg == "" {
			return fmt.Errorf(`\source: which file? (\source FILE.sql)`)
		}
		return r.source(ctx, arg)
	}},
	{`\input`, "NAME URI", "bind a stream to a source, as eddy run --input", func(r *repl, _ context.Context, arg string) error {
		return r.bind(true, arg)
	}},
	{`\output`, "NAME URI", "bind a stream to a destination, as eddy run --output", func(r *repl, _ context.Context, arg string) error {
		return r.bind(false, arg)
	}},
	{`\errors`, "", "tail the error stream (Ctrl-C stops)", func(r *repl, ctx context.Context, _ string) error {
		r.execText(ctx, "SELECT STREAM * FROM error_stream;")
		return nil
	}},
	{`\stop`, "PUMP", "stop a running pump", func(r *repl, _ context.Context, arg string) error {
		if arg == "" {
			return fmt.Errorf(`\stop: which pump? (\stop PUMP)`)
		}
		name := identName(arg)
		if err := r.cfg.Live.StopPump(name); err != nil {
			return err
		}
		fmt.Fprintf(r.cfg.Out, "stopped pump %s\n", arg)
		return nil
	}},
	{`\quit`, "", "stop everything and leave (also \\q, Ctrl-D)", func(*repl, context.Context, string) error { return errQuit }},
}

// meta runs a backslash command line.
func (r *repl) meta(ctx context.Context, line string) error {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case `\q`, `\exit`:
		return errQuit
	case `\?`, `\h`:
		name = `\help`
	case `\d`:
		name = `\describe`
		if arg == "" {
			name = `\streams`
		}
	}
	if name == `\help` {
		r.help()
		return nil
	}
	for _, c := range metaCommands {
		if c.name == name {
			return c.run(r, ctx, arg)
		}
	}
	return fmt.Errorf(`unknown command %s (\help lists them)`, name)
}

// help prints the meta-commands.
func (r *repl) help() {
	var b strings.Builder
	b.WriteString("End SQL statements with \";\"; they may span lines. SELECT STREAM shows rows as they come: Ctrl-C stops it, pumps keep running.\n")
	for _, c := range metaCommands {
		left := c.name
		if c.args != "" {
			left += " " + c.args
		}
		fmt.Fprintf(&b, "  %-26s %s\n", left, c.help)
	}
	b.WriteString("Tab completes keywords, functions, streams, pumps and columns; Up and Down recall history.\n")
	fmt.Fprint(r.cfg.Out, b.String())
}

// pumps lists the pumps with their targets and whether each still runs.
func (r *repl) pumps(ctx context.Context, _ string) error {
	st, err := sql.Parse(&sql.Source{Text: "SHOW PUMPS;"})
	if err != nil {
		return err
	}
	res, err := r.cfg.Live.Exec(ctx, st[0])
	if err != nil {
		return err
	}
	running := r.cfg.Live.Running()
	lines := strings.Split(strings.TrimRight(res.Text, "\n"), "\n")
	if res.Text == "" {
		fmt.Fprintln(r.cfg.Out, "(no pumps)")
		return nil
	}
	for _, l := range lines {
		name, _, _ := strings.Cut(l, " -> ")
		state := "stopped"
		if running["pump "+identName(name)] {
			state = "running"
		}
		fmt.Fprintf(r.cfg.Out, "%s (%s)\n", l, state)
	}
	return nil
}

// setFormat changes how query rows show.
func (r *repl) setFormat(_ context.Context, arg string) error {
	if arg == "" {
		fmt.Fprintf(r.cfg.Out, "format is %s\n", r.format)
		return nil
	}
	f, err := encode.ParseFormat(arg)
	if err != nil {
		return fmt.Errorf(`\format: %w`, err)
	}
	r.format = f
	fmt.Fprintf(r.cfg.Out, "format is %s\n", f)
	return nil
}

// setTiming turns timing on, off, or over.
func (r *repl) setTiming(_ context.Context, arg string) error {
	switch strings.ToLower(arg) {
	case "":
		r.timing = !r.timing
	case "on":
		r.timing = true
	case "off":
		r.timing = false
	default:
		return fmt.Errorf(`\timing: want on or off, not %q`, arg)
	}
	state := "off"
	if r.timing {
		state = "on"
	}
	fmt.Fprintf(r.cfg.Out, "timing is %s\n", state)
	return nil
}

// source runs the statements of a file; errors name the file.
func (r *repl) source(ctx context.Context, path string) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf(`\source: %w`, err)
	}
	r.execSource(ctx, &sql.Source{Name: path, Text: string(text)})
	return nil
}

// bind binds NAME URI as an input or output.
func (r *repl) bind(input bool, arg string) error {
	cmd := `\output`
	if input {
		cmd = `\input`
	}
	name, uri, _ := strings.Cut(arg, " ")
	uri = strings.TrimSpace(uri)
	if name == "" || uri == "" {
		return fmt.Errorf("%s: want %s NAME CONNECTOR[:TARGET][?key=value&…]", cmd, cmd)
	}
	if r.cfg.Bind == nil {
		return fmt.Errorf("%s: bindings are not available here", cmd)
	}
	if err := r.cfg.Bind(input, name, strings.Trim(uri, `'`)); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	fmt.Fprintf(r.cfg.Out, "%s %s bound to %s\n", strings.TrimPrefix(cmd, `\`), name, r.redact(planner.RedactBinding(uri)))
	return nil
}

// identName reads a stream or pump name as SQL does: "quoted" keeps its
// case, a plain name is upper-cased.
func identName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToUpper(s)
}

// metaNames returns the meta-command names, for completion.
func metaNames() []string {
	out := []string{`\q`}
	for _, c := range metaCommands {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return out
}
