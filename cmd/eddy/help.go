package main

import (
	"fmt"
	"io"
	"strings"
)

// command is one eddy subcommand: what `eddy help` lists and what
// `eddy CMD --help` and `eddy help CMD` print.
type command struct {
	name string
	// synopsis is the one line of `eddy help`.
	synopsis string
	// usage is the full help: the usage line, flags, notes and examples
	// that work from the root of the repository.
	usage string
}

// commands are the subcommands, in `eddy help` order.
var commands = []command{
	{"run", "run an application until its inputs end (or Ctrl-C)", runUsage + `
examples (from the root of the repository):
  eddy run cmd/eddy/examples/ticker_alerts.sql
  eddy run cmd/eddy/examples/ticker_alerts.sql --explain
  eddy run cmd/eddy/examples/csv_ticks.sql --state /tmp/eddy-state --format json
`},
	{"repl", "the interactive shell (plain eddy on a terminal starts it too)", `usage: eddy repl [flags] [FILE.sql...]
  --input NAME=URI         bind input stream NAME, as eddy run --input
  --output NAME=URI        bind output stream NAME, as eddy run --output
  --format table|json|csv  how SELECT STREAM rows show (default table)
  --history FILE           keep the line history in FILE ("" keeps none)
The files run first. On a terminal, \help lists the meta-commands; with
standard input not a terminal, statements are read from it as a script,
errors are printed as FILE:LINE:COL, and eddy exits 2 if any failed.
examples (from the root of the repository):
  eddy repl cmd/eddy/examples/ticker_alerts.sql
  echo 'SELECT STREAM * FROM SOURCE_SQL_STREAM_001;' | eddy repl cmd/eddy/examples/ticker_alerts.sql
`},
	{"report", "run scheduled reports now, for a time, or on their schedules", reportUsage + `
examples (from the root of the repository):
  eddy run cmd/eddy/examples/csv_ticks.sql --state /tmp/eddy-state
  eddy report cmd/eddy/examples/csv_ticks.sql --state /tmp/eddy-state --once --out /tmp/eddy-reports
`},
	{"discover", "sample a source and print a CREATE STREAM for it", `usage: eddy discover [--name STREAM] FILE | CONNECTOR[:TARGET][?key=value&...]
  --name STREAM  the stream name of the CREATE STREAM (default SOURCE_SQL_STREAM_001)
A plain file name is read with the file connector; its format comes from
its extension (.csv and .tsv: CSV, the header line detected; .json,
.jsonl, .ndjson: JSON lines; .gz files by the extension before it).
'stdin?format=csv' samples standard input (eddy run replays the sample).
CSV columns are named from a header row, JSON keys as written (quoted).
Comments say which odd sample values were outvoted (at run time they go
to the error stream) and how VARCHAR(n) was sized: the next power of two
at least twice the longest sample, at least 16.
Secret options show as '***'.
examples (from the root of the repository):
  eddy discover cmd/eddy/examples/ticks.csv
  eddy discover 'file:cmd/eddy/examples/ticks.csv?format=csv&header=true'
  eddy discover 'kafka:ticks?brokers=localhost:9092'
`},
	{"bench", "run a Nexmark query on the built-in generator or a bids file", ""}, // benchHelp
	{"gen", "write Nexmark events as JSON lines", genUsage + `
  --events N                   how many Nexmark events of all kinds (bids are 92%)
  --table bid|auction|person   which events to write (default bid)
  --seed S                     the generator's seed (default 0)
  -o FILE                      write to FILE instead of stdout
examples:
  eddy gen nexmark --events 1000 | head -3
  eddy gen nexmark --events 5434784 -o /tmp/bids.jsonl   # 5,000,000 bids
`},
	{"serve", "host applications as a service: the Kinesis Data Analytics API, Eddy's API, /metrics", serveUsage + `examples:
  eddy serve --data /tmp/eddy-apps
  aws kinesisanalytics --endpoint-url http://127.0.0.1:8080 list-applications
`},
	{"submit", "create and start an application on a server", submitUsage + `example (with eddy serve running):
  eddy submit cmd/eddy/examples/ticker_alerts.sql --name ticker_alerts
`},
	{"import", "run a KDA application from its describe-application JSON, here or on a server", importUsage + `examples:
  aws kinesisanalytics describe-application --application-name ticker_alerts > ticker_alerts.json
  eddy import ticker_alerts.json --print
  eddy import ticker_alerts.json --config services.json --start TRIM_HORIZON
  eddy import ticker_alerts.json --server http://127.0.0.1:8080 --replace
`},
	{"apps", "list the applications of a server", "usage: eddy apps [--server URL] [--token-file FILE]\n" + clientFlagsHelp + "example:\n  eddy apps\n"},
	{"stop", "stop an application of a server", "usage: eddy stop NAME [--server URL] [--token-file FILE]\n" + clientFlagsHelp + "example:\n  eddy stop ticker_alerts\n"},
	{"logs", "show an application's error stream and notices", "usage: eddy logs NAME [--rows N] [--server URL] [--token-file FILE]\n  --rows N            how many of the last rows (default 100)\n" + clientFlagsHelp + "example:\n  eddy logs ticker_alerts --rows 50\n"},
	{"connectors", "list source and destination connectors", `usage: eddy connectors
Lists every source and destination connector with one line each. The
history connector (source and destination) keeps and replays retained
streams for reports; it is not bound by hand.
example:
  eddy connectors
`},
	{"version", "print the version, commit and Go version", `usage: eddy version   (or eddy --version)
Prints the version eddy was built as (a release tag, or the module version
go install recorded, or "devel"), the commit and the Go version.
example:
  eddy version
`},
	{"completion", "print a shell completion script (bash, zsh or fish)", `usage: eddy completion bash|zsh|fish
Prints a script that completes eddy's subcommands and flags.
examples:
  source <(eddy completion bash)
  eddy completion zsh > "${fpath[1]}/_eddy"
  eddy completion fish > ~/.config/fish/completions/eddy.fish
`},
	{"help", "this text, or the help of one command", `usage: eddy help [COMMAND]
examples:
  eddy help
  eddy help run
`},
}

// lookupCommand returns the subcommand called name.
func lookupCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			if c.name == "bench" {
				c.usage = benchHelp()
			}
			return c, true
		}
	}
	return command{}, false
}

// helpOf returns the help of the subcommand called name.
func helpOf(name string) string {
	c, _ := lookupCommand(name)
	return c.usage
}

// globalUsage is the text of `eddy help`.
func globalUsage() string {
	var b strings.Builder
	b.WriteString("eddy — streaming SQL for Kinesis Data Analytics applications and Flink-style SQL\n\nusage: eddy COMMAND [flags] [arguments]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-11s %s\n", c.name, c.synopsis)
	}
	b.WriteString(`
eddy COMMAND --help (or eddy help COMMAND) prints a command's flags and examples.
eddy --version prints the version.

examples (from the root of the repository):
  eddy run cmd/eddy/examples/ticker_alerts.sql
  eddy discover cmd/eddy/examples/ticks.csv
  eddy run app.sql --input SOURCE_SQL_STREAM_001='file:ticks.jsonl?rowtime=EVENT_TIME' \
                   --output DESTINATION_SQL_STREAM=stdout --format json
`)
	return b.String()
}

// wantsHelp tells whether args ask for help: -h, -help or --help before
// any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "--help" || a == "-help" {
			return true
		}
	}
	return false
}

// cmdHelp is `eddy help [COMMAND]`.
func cmdHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, globalUsage())
		return exitOK
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "eddy help: unknown command %q (have: %s)\n", args[0], commandNames())
		return exitUsage
	}
	fmt.Fprint(stdout, c.usage)
	return exitOK
}

// commandNames lists the subcommands, comma-separated.
func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// plural returns "1 row", "2 rows": n and noun, with an s unless n is 1.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// clientFlagsHelp describes the flags eddy apps, stop and logs share.
const clientFlagsHelp = `  --server URL        the server (default $EDDY_SERVER or http://127.0.0.1:8080)
  --token-file FILE   the API token (default $EDDY_TOKEN)
`
