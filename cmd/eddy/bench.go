package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
)

// nexmarkQuery is a Nexmark query `eddy bench` runs, in Eddy's dialect,
// over the bid stream BID.
type nexmarkQuery struct {
	doc string
	sql string
	// procTime makes ROWTIME the arrival (processing) time instead of
	// DATE_TIME.
	procTime bool
	// streams are the generator's tables the query reads (default: BID).
	streams []string
	// prelude is SQL run before the query (settings, tables).
	prelude string
	// sideInput makes the run write q13's side input file and declare it
	// as the reference table SIDE_INPUT.
	sideInput bool
}

// nexmarkQueries are the Nexmark queries. The window queries use event time
// DATE_TIME unless procTime is set. The regular joins (q3, q20) are bounded
// by state_ttl: rows whose DATE_TIMEs are more than an hour apart do not
// match, which over the benchmark's span of event time (10 000 events per
// second) is every pair Flink's unbounded join would find.
var nexmarkQueries = map[string]nexmarkQuery{
	"q0": {doc: "pass-through projection", sql: `SELECT STREAM AUCTION, BIDDER, PRICE, DATE_TIME, EXTRA FROM BID`},
	"q1": {doc: "currency conversion 0.908 * PRICE", sql: `SELECT STREAM AUCTION, BIDDER, 0.908 * PRICE AS PRICE, DATE_TIME, EXTRA FROM BID`},
	"q2": {doc: "selection MOD(AUCTION, 123) = 0", sql: `SELECT STREAM AUCTION, PRICE FROM BID WHERE MOD(AUCTION, 123) = 0`},
	"q5-hop": {doc: "q5's inner aggregate: bids per auction per HOP window of 10 s sliding by 2 s", sql: `SELECT STREAM AUCTION, COUNT(*) AS NUM, window_start AS STARTTIME, window_end AS ENDTIME
FROM TABLE(HOP(TABLE BID, DESCRIPTOR(DATE_TIME), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
GROUP BY AUCTION, window_start, window_end`},
	"q7-max": {doc: "q7's inner aggregate: highest price per 10 s tumbling window", sql: `SELECT STREAM MAX(PRICE) AS MAXPRICE, window_end AS DATE_TIME
FROM TABLE(TUMBLE(TABLE BID, DESCRIPTOR(DATE_TIME), INTERVAL '10' SECOND))
GROUP BY window_start, window_end`},
	"q11": {doc: "bids per bidder session with a 10 s gap", sql: `SELECT STREAM BIDDER, COUNT(*) AS BID_COUNT,
    SESSION_START(DATE_TIME, INTERVAL '10' SECOND) AS STARTTIME,
    SESSION_END(DATE_TIME, INTERVAL '10' SECOND) AS ENDTIME
FROM BID GROUP BY BIDDER, SESSION(DATE_TIME, INTERVAL '10' SECOND)`},
	"q12": {doc: "bids per bidder per 10 s tumbling window of processing time", procTime: true, sql: `SELECT STREAM BIDDER, COUNT(*) AS BID_COUNT, window_start, window_end
FROM TABLE(TUMBLE(TABLE BID, DESCRIPTOR(APPROXIMATE_ARRIVAL_TIME), INTERVAL '10' SECOND))
GROUP BY BIDDER, window_start, window_end`},
	"q3": {doc: "local item suggestion: auctions of category 10 joined with their sellers in OR, ID or CA", streams: []string{"AUCTION", "PERSON"},
		prelude: `SET state_ttl = '1h'`, sql: `SELECT STREAM P.NAME, P.CITY, P.STATE, A.ID
FROM AUCTION AS A JOIN PERSON AS P ON A.SELLER = P.ID
WHERE A.CATEGORY = 10 AND (P.STATE = 'OR' OR P.STATE = 'ID' OR P.STATE = 'CA')`},
	"q5": {doc: "hot items: auctions with the most bids per HOP window of 10 s sliding by 2 s (window join with the max per window)", sql: `SELECT STREAM AB.AUCTION, AB.NUM
FROM (SELECT STREAM AUCTION, COUNT(*) AS NUM, window_start AS STARTTIME, window_end AS ENDTIME
      FROM TABLE(HOP(TABLE BID, DESCRIPTOR(DATE_TIME), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
      GROUP BY AUCTION, window_start, window_end) AS AB
JOIN (SELECT STREAM MAX(CB.NUM) AS MAXN, CB.STARTTIME, CB.ENDTIME
      FROM (SELECT STREAM COUNT(*) AS NUM, window_start AS STARTTIME, window_end AS ENDTIME
            FROM TABLE(HOP(TABLE BID, DESCRIPTOR(DATE_TIME), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
            GROUP BY AUCTION, window_start, window_end) AS CB
      GROUP BY CB.STARTTIME, CB.ENDTIME, STEP(CB.ROWTIME BY INTERVAL '2' SECOND)) AS MB
ON AB.STARTTIME = MB.STARTTIME AND AB.ENDTIME = MB.ENDTIME AND AB.NUM >= MB.MAXN`},
	"q7": {doc: "highest bid: bids at the highest price of their 10 s tumbling window", sql: `SELECT STREAM B.AUCTION, B.PRICE, B.BIDDER, B.DATE_TIME, B.EXTRA
FROM BID AS B
JOIN (SELECT STREAM MAX(PRICE) AS MAXPRICE, window_end AS DATE_TIME
      FROM TABLE(TUMBLE(TABLE BID, DESCRIPTOR(DATE_TIME), INTERVAL '10' SECOND))
      GROUP BY window_start, window_end) AS B1
ON B.PRICE = B1.MAXPRICE
WHERE B.DATE_TIME BETWEEN B1.DATE_TIME - INTERVAL '10' SECOND AND B1.DATE_TIME`},
	"q8": {doc: "new users: persons who created auctions in the same 10 s tumbling window (window join)", streams: []string{"PERSON", "AUCTION"}, sql: `SELECT STREAM P.ID, P.NAME, P.STARTTIME
FROM (SELECT STREAM ID, NAME, window_start AS STARTTIME, window_end AS ENDTIME
      FROM TABLE(TUMBLE(TABLE PERSON, DESCRIPTOR(DATE_TIME), INTERVAL '10' SECOND))
      GROUP BY ID, NAME, window_start, window_end) AS P
JOIN (SELECT STREAM SELLER, window_start AS STARTTIME, window_end AS ENDTIME
      FROM TABLE(TUMBLE(TABLE AUCTION, DESCRIPTOR(DATE_TIME), INTERVAL '10' SECOND))
      GROUP BY SELLER, window_start, window_end) AS A
ON P.ID = A.SELLER AND P.STARTTIME = A.STARTTIME AND P.ENDTIME = A.ENDTIME`},
	"q13": {doc: "bounded side input join: bids enriched from a reference table by MOD(AUCTION, 10000)", sideInput: true, sql: `SELECT STREAM B.AUCTION, B.BIDDER, B.PRICE, B.DATE_TIME, S."value"
FROM BID AS B JOIN SIDE_INPUT AS S ON MOD(B.AUCTION, 10000) = S."key"`},
	"q20": {doc: "expand bid with auction: bids joined with their auctions of category 10", streams: []string{"BID", "AUCTION"},
		prelude: `SET state_ttl = '1h'`, sql: `SELECT STREAM B.AUCTION, B.BIDDER, B.PRICE, B.CHANNEL, B.URL, B.DATE_TIME AS BID_TIME,
    A.ITEM_NAME, A.DESCRIPTION, A.INITIAL_BID, A.RESERVE, A.DATE_TIME AS AUCTION_TIME, A.EXPIRES, A.SELLER, A.CATEGORY
FROM BID AS B JOIN AUCTION AS A ON B.AUCTION = A.ID
WHERE A.CATEGORY = 10`},
	"tumble": {doc: "COUNT, SUM and MAX of PRICE per auction per 10 s tumbling window", sql: `SELECT STREAM AUCTION, window_start, window_end, COUNT(*) AS NUM, SUM(PRICE) AS TOTAL, MAX(PRICE) AS MAXPRICE
FROM TABLE(TUMBLE(TABLE BID, DESCRIPTOR(DATE_TIME), INTERVAL '10' SECOND))
GROUP BY AUCTION, window_start, window_end`},
}

// nexmarkQueryNames returns the query names, sorted.
func nexmarkQueryNames() []string {
	names := make([]string, 0, len(nexmarkQueries))
	for k := range nexmarkQueries {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// nexmarkBidColumns declares the bid stream's columns; JSON keys from
// `eddy gen` match them case-insensitively.
const nexmarkBidColumns = `AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL VARCHAR,
    URL VARCHAR, DATE_TIME TIMESTAMP, EXTRA VARCHAR`

// nexmarkColumns declares the generator's tables.
var nexmarkColumns = map[string]string{
	"BID": nexmarkBidColumns,
	"AUCTION": `ID BIGINT, ITEM_NAME VARCHAR, DESCRIPTION VARCHAR, INITIAL_BID BIGINT, RESERVE BIGINT,
    DATE_TIME TIMESTAMP, EXPIRES TIMESTAMP, SELLER BIGINT, CATEGORY BIGINT, EXTRA VARCHAR`,
	"PERSON": `ID BIGINT, NAME VARCHAR, EMAIL_ADDRESS VARCHAR, CREDIT_CARD VARCHAR, CITY VARCHAR, STATE VARCHAR,
    DATE_TIME TIMESTAMP, EXTRA VARCHAR`,
}

// sideInputRows is the size of q13's side input: keys 0 … 9999.
const sideInputRows = 10_000

// sideInputValue is q13's side input value of key k.
func sideInputValue(k int64) int64 { return k*7 + 3 }

// writeSideInput writes q13's side input as JSON lines into dir.
func writeSideInput(dir string) (string, error) {
	path := dir + "/side_input.jsonl"
	var b bytes.Buffer
	for k := range int64(sideInputRows) {
		fmt.Fprintf(&b, `{"key":%d,"value":%d}`+"\n", k, sideInputValue(k))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("bench: side input: %w", err)
	}
	return path, nil
}

// nexmarkRun is one run of a Nexmark query: its input and what sees its
// output.
type nexmarkRun struct {
	query string // a key of nexmarkQueries
	// events is the number of Nexmark events of all kinds the generator
	// makes (bids are 92% of them); unused with file.
	events int64
	// file, when set, is a JSON-lines file of bids (as `eddy gen` writes)
	// read instead of the generator, in bounded mode.
	file string
	// batchSize is the source's batch size; 0 is the connector default.
	batchSize int
	// parallelism, when positive, is SET parallelism: the cores the file
	// source decodes on.
	parallelism int
	alloc       memory.Allocator // nil: a Go allocator
	clock       func() time.Time // nil: time.Now
	// onBatch, when set, sees every output batch before the discard sink
	// releases it; it must not keep or release it.
	onBatch func(arrow.RecordBatch) error
	// dir holds files a run writes (q13's side input); "" is a temporary
	// directory.
	dir string
}

// script returns the application: the BID stream and the query.
func (r nexmarkRun) script() (string, error) {
	q, ok := nexmarkQueries[r.query]
	if !ok {
		return "", fmt.Errorf("bench: %s", unknownQuery(r.query))
	}
	opts := []string{}
	if r.file != "" {
		opts = append(opts, "connector = 'file'", "path = "+sqlString(r.file), "format = 'json'")
		if !q.procTime {
			opts = append(opts, "rowtime = 'DATE_TIME'")
		}
	} else {
		if r.events <= 0 {
			return "", errors.New("bench: events must be positive")
		}
		opts = append(opts, "connector = 'generator'", "kind = 'nexmark'", fmt.Sprintf("count = '%d'", r.events))
		if q.procTime {
			opts = append(opts, "rowtime = 'APPROXIMATE_ARRIVAL_TIME'")
		}
	}
	if r.batchSize > 0 {
		opts = append(opts, fmt.Sprintf("batch_size = '%d'", r.batchSize))
	}
	streams := q.streams
	if len(streams) == 0 {
		streams = []string{"BID"}
	}
	if r.file != "" && (len(streams) != 1 || streams[0] != "BID") {
		return "", fmt.Errorf("bench: %s reads %s; a file holds only bids", r.query, strings.Join(streams, " and "))
	}
	var b strings.Builder
	if r.parallelism > 0 {
		fmt.Fprintf(&b, "SET parallelism = '%d';\n", r.parallelism)
	}
	for _, st := range streams {
		o := slices.Clone(opts)
		if r.file == "" {
			o = append(o, "table = '"+strings.ToLower(st)+"'")
		}
		fmt.Fprintf(&b, "CREATE STREAM %s (\n    %s\n) WITH (%s);\n", st, nexmarkColumns[st], strings.Join(o, ", "))
	}
	if q.sideInput {
		dir := r.dir
		if dir == "" {
			d, err := os.MkdirTemp("", "eddy-nexmark-")
			if err != nil {
				return "", err
			}
			dir = d
		}
		path, err := writeSideInput(dir)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "CREATE TABLE SIDE_INPUT (\"key\" BIGINT, \"value\" BIGINT) WITH (connector = 'file', path = %s, format = 'json');\n", sqlString(path))
	}
	if q.prelude != "" {
		b.WriteString(q.prelude + ";\n")
	}
	b.WriteString(q.sql + ";\n")
	return b.String(), nil
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// build parses and plans the run and opens its source and sink.
func (r nexmarkRun) build(ctx context.Context) (*planner.Job, *nexmarkConnectors, error) {
	text, err := r.script()
	if err != nil {
		return nil, nil, err
	}
	alloc, clock := r.alloc, r.clock
	if alloc == nil {
		alloc = memory.NewGoAllocator()
	}
	if clock == nil {
		clock = time.Now
	}
	conns := &nexmarkConnectors{
		registryConnectors: &registryConnectors{alloc: alloc, clock: clock, stdout: stdoutTarget{w: io.Discard}, defaults: map[string]string{}},
		onBatch:            r.onBatch,
	}
	s := planner.NewSession(planner.Config{
		Connectors: conns, Alloc: alloc, Clock: clock,
		DefaultOutput: map[string]string{"connector": "discard"},
	})
	stmts, err := sql.Parse(&sql.Source{Name: "nexmark-" + r.query, Text: text})
	if err != nil {
		return nil, nil, err
	}
	for _, st := range stmts {
		if _, err := s.Exec(ctx, st); err != nil {
			return nil, nil, err
		}
	}
	job, err := s.Build(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	return job, conns, nil
}

// run builds the job and runs it to the end of its input; it returns the
// rows the query output.
func (r nexmarkRun) run(ctx context.Context) (int64, error) {
	job, conns, err := r.build(ctx)
	if err != nil {
		return 0, err
	}
	if err := job.Run(ctx); err != nil {
		return 0, err
	}
	if n := job.Errors(); n > 0 {
		return 0, fmt.Errorf("bench: %s went to the error stream", plural(n, "row"))
	}
	return conns.rows(), nil
}

// nexmarkConnectors are the registry's connectors with every destination
// watched: onBatch sees each batch and the rows are counted.
type nexmarkConnectors struct {
	*registryConnectors
	onBatch func(arrow.RecordBatch) error
	mu      sync.Mutex
	sinks   []*countingSink
}

func (c *nexmarkConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	inner, err := c.registryConnectors.OpenSink(ctx, stream, schema, options, errs)
	if err != nil {
		return nil, err
	}
	s := &countingSink{inner: inner, onBatch: c.onBatch}
	c.mu.Lock()
	c.sinks = append(c.sinks, s)
	c.mu.Unlock()
	return s, nil
}

// rows returns the rows written to every destination.
func (c *nexmarkConnectors) rows() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, s := range c.sinks {
		n += s.rows
	}
	return n
}

// countingSink counts rows and shows batches to onBatch on their way to
// inner, which releases them.
type countingSink struct {
	inner   planner.Sink
	onBatch func(arrow.RecordBatch) error
	rows    int64
}

func (s *countingSink) Write(ctx context.Context, b arrow.RecordBatch) error {
	s.rows += b.NumRows()
	if s.onBatch != nil {
		if err := s.onBatch(b); err != nil {
			b.Release()
			return err
		}
	}
	return s.inner.Write(ctx, b)
}

func (s *countingSink) Close(ctx context.Context) error { return s.inner.Close(ctx) }

const benchUsage = "usage: eddy bench nexmark [--query Q] [--events N] [--file BIDS.jsonl [--no-yardstick]] [--parallelism N]"

// benchHelp is the help of eddy bench: flags, queries and examples.
func benchHelp() string {
	var b strings.Builder
	b.WriteString(benchUsage + `
  --query Q        the query (default q1), one of those below
  --events N       Nexmark events the generator makes (default 10000000; bids are 92%)
  --file FILE      read bids from a JSON-lines file (eddy gen nexmark) instead
  --no-yardstick   with --file, skip timing encoding/json decoding the same file
  --parallelism N  SET parallelism = N (default: every core)
  --cpuprofile F   write a CPU profile of the run to F (go tool pprof F)
Prints events/s and CPU seconds, end to end through a discarding destination.
queries:
`)
	for _, name := range nexmarkQueryNames() {
		fmt.Fprintf(&b, "  %-7s %s\n", name, nexmarkQueries[name].doc)
	}
	b.WriteString(`examples:
  eddy bench nexmark --query q1 --events 1000000
  eddy gen nexmark --events 1086957 -o /tmp/bids.jsonl && eddy bench nexmark --query q2 --file /tmp/bids.jsonl
`)
	return b.String()
}

// unknownQuery explains a --query that names no query.
func unknownQuery(q string) string {
	return fmt.Sprintf("unknown query %q (have %s)", q, strings.Join(nexmarkQueryNames(), ", "))
}

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, []string{"query", "events", "file", "parallelism", "cpuprofile"}, []string{"no-yardstick"})
	if err != nil || len(fs.args) != 1 || fs.args[0] != "nexmark" {
		if err != nil {
			fmt.Fprintf(stderr, "eddy bench: %v\n", err)
		}
		fmt.Fprint(stderr, benchHelp())
		return 2
	}
	r := nexmarkRun{query: fs.last("query", "q1"), file: fs.last("file", "")}
	if _, ok := nexmarkQueries[r.query]; !ok {
		fmt.Fprintf(stderr, "eddy bench: %s\n", unknownQuery(r.query))
		return 2
	}
	if r.file == "" {
		r.events, err = strconv.ParseInt(fs.last("events", "10000000"), 10, 64)
		if err != nil || r.events <= 0 {
			fmt.Fprintln(stderr, "eddy bench: --events wants a positive number")
			return 2
		}
	} else if len(fs.values["events"]) > 0 {
		fmt.Fprintln(stderr, "eddy bench: --events and --file exclude each other (the file holds the bids)")
		return 2
	}
	if v := fs.last("parallelism", ""); v != "" {
		if r.parallelism, err = strconv.Atoi(v); err != nil || r.parallelism < 1 {
			fmt.Fprintln(stderr, "eddy bench: --parallelism wants a whole number of cores, at least 1")
			return 2
		}
	}
	var bids, size int64
	if r.file != "" {
		// Counted before the clock starts, so the rate is per bid.
		if bids, size, err = countLines(r.file); err != nil {
			fmt.Fprintf(stderr, "eddy bench: %v\n", err)
			return 1
		}
	}
	ctx := context.Background()
	job, conns, err := r.build(ctx)
	if err != nil {
		printError(stderr, err)
		return 1
	}
	if path := fs.last("cpuprofile", ""); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(stderr, "eddy bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "eddy bench: %v\n", err)
			return 1
		}
	}
	cpu0 := cpuSeconds()
	start := time.Now()
	err = job.Run(ctx)
	wall := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	pprof.StopCPUProfile()
	if err != nil {
		printError(stderr, err)
		return 1
	}
	if n := job.Errors(); n > 0 {
		fmt.Fprintf(stderr, "eddy: %s went to the error stream\n", plural(n, "row"))
	}
	par := r.parallelism
	if par == 0 {
		par = runtime.GOMAXPROCS(0)
	}
	if r.file != "" {
		fmt.Fprintf(stdout, "nexmark %s over %s, parallelism %d: %d bids (%.0f MB) in %.2fs wall, %.2fs CPU: %.0f bids/s, %.0f bids per CPU-second, %.1f MB/s; %d rows out\n",
			r.query, r.file, par, bids, float64(size)/1e6, wall, cpu, float64(bids)/wall, float64(bids)/cpu, float64(size)/1e6/wall, conns.rows())
		if !fs.bools["no-yardstick"] {
			// The yardstick runs after Eddy, in the same process and run,
			// so both see the same machine and the same page cache.
			yard, n, err := jsonYardstick(r.file)
			if err != nil {
				fmt.Fprintf(stderr, "eddy bench: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdout, "yardstick: encoding/json into structs on one goroutine: %d bids in %.2fs; Eddy took %.2f× its time\n",
				n, yard.Seconds(), wall/yard.Seconds())
		}
		return 0
	}
	fmt.Fprintf(stdout, "nexmark %s, parallelism %d: %d events in %.2fs wall, %.2fs CPU: %.0f events/s, %.0f events per CPU-second; %d rows out\n",
		r.query, par, r.events, wall, cpu, float64(r.events)/wall, float64(r.events)/cpu, conns.rows())
	return 0
}

// yardstickBid is a Nexmark bid as encoding/json decodes it.
type yardstickBid struct {
	Auction  int64     `json:"auction"`
	Bidder   int64     `json:"bidder"`
	Price    int64     `json:"price"`
	Channel  string    `json:"channel"`
	URL      string    `json:"url"`
	DateTime time.Time `json:"date_time"`
	Extra    string    `json:"extra"`
}

// jsonYardstick decodes every line of a JSON-lines bid file into a struct
// with encoding/json on one goroutine: the yardstick the bench's times are
// compared with. It returns the time taken and the lines decoded.
func jsonYardstick(path string) (time.Duration, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("bench: yardstick: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	start := time.Now()
	var n, sum int64
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var b yardstickBid
		if err := json.Unmarshal(line, &b); err != nil {
			return 0, 0, fmt.Errorf("bench: yardstick: line %d: %w", n+1, err)
		}
		n++
		sum += b.Price
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("bench: yardstick: %w", err)
	}
	_ = sum
	return time.Since(start), n, nil
}

// countLines returns the number of lines of a file (a last line without a
// newline counts) and its size.
func countLines(path string) (lines, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	last := byte('\n')
	for {
		n, rerr := f.Read(buf)
		if n > 0 {
			lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
			last = buf[n-1]
			size += int64(n)
		}
		if rerr == io.EOF {
			if last != '\n' {
				lines++
			}
			return lines, size, nil
		}
		if rerr != nil {
			return 0, 0, fmt.Errorf("bench: count lines of %s: %w", path, rerr)
		}
	}
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
