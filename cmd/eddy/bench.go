package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/eddy-sql/eddy/sql"
)

// nexmarkQueries are the Nexmark queries `eddy bench` runs, in Eddy's
// dialect, over the built-in generator's bid table.
var nexmarkQueries = map[string]string{
	"q0": `SELECT STREAM AUCTION, BIDDER, PRICE, DATE_TIME, EXTRA FROM BID`,
	"q1": `SELECT STREAM AUCTION, BIDDER, 0.908 * PRICE AS PRICE, DATE_TIME, EXTRA FROM BID`,
	"q2": `SELECT STREAM AUCTION, PRICE FROM BID WHERE MOD(AUCTION, 123) = 0`,
}

const nexmarkBidStream = `CREATE STREAM BID (
    AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL VARCHAR,
    URL VARCHAR, DATE_TIME TIMESTAMP, EXTRA VARCHAR
) WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '%d');
`

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, []string{"query", "events"}, nil)
	if err != nil || len(fs.args) != 1 || fs.args[0] != "nexmark" {
		fmt.Fprintln(stderr, "usage: eddy bench nexmark [--query q0|q1|q2] [--events N]")
		return 2
	}
	q := fs.last("query", "q1")
	query, ok := nexmarkQueries[q]
	if !ok {
		names := make([]string, 0, len(nexmarkQueries))
		for k := range nexmarkQueries {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprintf(stderr, "eddy bench: unknown query %q (have %v)\n", q, names)
		return 2
	}
	events, err := strconv.ParseInt(fs.last("events", "10000000"), 10, 64)
	if err != nil || events <= 0 {
		fmt.Fprintln(stderr, "eddy bench: --events wants a positive number")
		return 2
	}
	a := newApp(stdout, stderr, "")
	a.session.BindOutput("QUERY_1", map[string]string{"connector": "discard"})
	ctx := context.Background()
	text := fmt.Sprintf(nexmarkBidStream, events) + query + ";\n"
	if err := a.execText(ctx, &sql.Source{Name: "nexmark-" + q, Text: text}, stdout); err != nil {
		printError(stderr, err)
		return 1
	}
	job, err := a.session.Build(ctx, nil)
	if err != nil {
		printError(stderr, err)
		return 1
	}
	cpu0 := cpuSeconds()
	start := time.Now()
	if err := job.Run(ctx); err != nil {
		printError(stderr, err)
		return 1
	}
	wall := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	fmt.Fprintf(stdout, "nexmark %s: %d events in %.2fs wall, %.2fs CPU: %.0f events/s, %.0f events per CPU-second\n",
		q, events, wall, cpu, float64(events)/wall, float64(events)/cpu)
	return 0
}

// cpuSeconds returns the process's user plus system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
