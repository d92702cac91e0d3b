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
		fmt.Fprint(stderr, globalUsage())
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "--help", "-help":
		if wantsHelp(rest) {
			return cmdHelp([]string{"help"}, stdout, stderr)
		}
		return cmdHelp(rest, stdout, stderr)
	case "--version", "-version", "-v":
		name = "version"
	}
	c, ok := lookupCommand(name)
	if !ok {
		fmt.Fprintf(stderr, "eddy: unknown command %q (have: %s; eddy help lists them)\n", name, commandNames())
		return exitUsage
	}
	if wantsHelp(rest) {
		fmt.Fprint(stdout, c.usage)
		return exitOK
	}
	switch name {
	case "run":
		return cmdRun(rest, stdout, stderr)
	case "repl":
		return cmdRepl(rest, stdin, stdout, stderr)
	case "discover":
		return cmdDiscover(rest, stdout, stderr)
	case "bench":
		return cmdBench(rest, stdout, stderr)
	case "gen":
		return cmdGen(rest, stdout, stderr)
	case "report":
		return cmdReport(rest, stdout, stderr)
	case "serve":
		return cmdServe(rest, stdout, stderr)
	case "submit":
		return cmdSubmit(rest, stdout, stderr)
	case "import":
		return cmdImport(rest, stdout, stderr)
	case "apps", "stop", "logs":
		return cmdClient(name, rest, stdout, stderr)
	case "connectors":
		if len(rest) > 0 {
			fmt.Fprintf(stderr, "eddy connectors: takes no arguments (%q)\n", rest[0])
			return exitUsage
		}
		fmt.Fprintln(stdout, connectorNames())
		return exitOK
	case "version":
		return cmdVersion(rest, stdout, stderr)
	case "completion":
		return cmdCompletion(rest, stdout, stderr)
	}
	panic("eddy: command " + name + " has no handler") // commands and this switch disagree
}
