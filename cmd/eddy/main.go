package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/eddy-sql/eddy/sinks/discard"
	_ "github.com/eddy-sql/eddy/sinks/file"
	_ "github.com/eddy-sql/eddy/sinks/firehose"
	_ "github.com/eddy-sql/eddy/sinks/function"
	_ "github.com/eddy-sql/eddy/sinks/kafka"
	_ "github.com/eddy-sql/eddy/sinks/kinesis"
	_ "github.com/eddy-sql/eddy/sinks/stdout"
	_ "github.com/eddy-sql/eddy/sources/file"
	_ "github.com/eddy-sql/eddy/sources/generator"
	_ "github.com/eddy-sql/eddy/sources/http"
	_ "github.com/eddy-sql/eddy/sources/kafka"
	_ "github.com/eddy-sql/eddy/sources/kinesis"
	_ "github.com/eddy-sql/eddy/sources/s3"
	_ "github.com/eddy-sql/eddy/sources/stdin"
)

const usage = `eddy — streaming SQL for Kinesis Data Analytics applications and Flink-style SQL

usage:
  eddy run [flags] FILE.sql...      run an application until its inputs end (or Ctrl-C)
      --input NAME=URI               bind input stream NAME: CONNECTOR[:TARGET][?key=value&...]
      --reference NAME=URI           bind reference table NAME (file, s3 or http; refresh=5m to reload)
      --output NAME=URI              bind output stream NAME (default: stdout)
      --format table|json|csv        stdout format (default: table on a terminal, else json)
      --set KEY=VALUE                a setting, as SET KEY = 'VALUE' in SQL (checkpoint_interval,
                                     max_state, max_memory, max_windows_per_row)
      --state DIR                    keep checkpoints in DIR and resume from them
      --stop-timeout DURATION        after SIGINT or SIGTERM, flush for at most this long (10s)
      --drain                        on a stop, emit the windows still open as partial results
      --explain                      print the plans and exit
                                     (eddy run --help: flags and exit statuses)
  eddy report FILE.sql... --state DIR [--once | --at TIME] [--out DIR] [--report NAME]...
                                     run scheduled reports now, for a time, or on their schedules
  eddy repl [FILE.sql...] [--input NAME=URI]... [--output NAME=URI]... [--format table|json|csv] [--history FILE]
                                     the interactive shell (plain eddy on a terminal starts it too)
  eddy discover URI                  sample a source and print a CREATE STREAM for it
  eddy bench nexmark [--query q0|q1|q2|q5-hop|q7-max|q11|q12|tumble] [--events N | --file BIDS.jsonl]
                                     run a Nexmark query on the built-in generator or a bids file
  eddy gen nexmark --events N [--table bid|auction|person] [--seed S] [-o FILE]
                                     write Nexmark events as JSON lines
  eddy serve --data DIR [--listen 127.0.0.1:8080] [--config FILE] [--token-file FILE]
                                     host applications as a service: the Kinesis Data Analytics
                                     API, Eddy's API, /metrics (eddy serve --help: all flags)
  eddy submit FILE.sql... [--name NAME] [--input NAME=URI]... [--output NAME=URI]... [--start POS]
                                     create (--replace: replace) and start an application on a server
  eddy apps | eddy stop NAME | eddy logs NAME [--rows N]
                                     list, stop a served application, or show its error stream
                                     (all take --server URL, default $EDDY_SERVER or
                                     http://127.0.0.1:8080, and --token-file FILE or $EDDY_TOKEN)
  eddy connectors                    list source and destination connectors
  eddy help                          this text

examples:
  eddy run examples/ticker_alerts.sql
  eddy run app.sql --input SOURCE_SQL_STREAM_001='file:ticks.jsonl?rowtime=EVENT_TIME' \
                   --output DESTINATION_SQL_STREAM=stdout --format json
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// A write to a closed stdout pipe returns EPIPE, which eddy reports
	// ("stdout closed: …"), instead of killing the process without a word.
	signal.Ignore(syscall.SIGPIPE)
	if len(args) == 0 {
		if stdinIsTerminal(stdin) {
			return cmdRepl(nil, stdin, stdout, stderr)
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "repl":
		return cmdRepl(args[1:], stdin, stdout, stderr)
	case "discover":
		return cmdDiscover(args[1:], stdout, stderr)
	case "bench":
		return cmdBench(args[1:], stdout, stderr)
	case "gen":
		return cmdGen(args[1:], stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "serve":
		return cmdServe(args[1:], stdout, stderr)
	case "submit":
		return cmdSubmit(args[1:], stdout, stderr)
	case "apps", "stop", "logs":
		return cmdClient(args[0], args[1:], stdout, stderr)
	case "connectors":
		fmt.Fprintln(stdout, connectorNames())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "eddy: unknown command %q\n\n%s", args[0], usage)
	return 2
}
