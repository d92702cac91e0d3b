package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/sources/generator"
)

// Events per benchmark iteration: large enough that one iteration
// (-benchtime 1x) takes a good fraction of a second on one core.
const (
	benchGeneratorEvents = 2_000_000 // Nexmark events of all kinds (92% bids)
	benchFileBids        = 1_000_000 // bids in the JSON-lines file (~250 MB)
)

// benchBatchSizes are the source batch sizes each benchmark runs with; 4096
// is the generator's default.
var benchBatchSizes = []int{1024, 4096, 16384}

// benchNexmark runs query end to end (SQL front end, planner, operators,
// discard sink) once per iteration, over the generator or, with file, over
// a JSON-lines file of events bids. Building the job is not timed.
func benchNexmark(b *testing.B, query string, events int64, file string) {
	for _, bs := range benchBatchSizes {
		b.Run(fmt.Sprintf("batch=%d", bs), func(b *testing.B) {
			r := nexmarkRun{query: query, events: events, file: file, batchSize: bs, dir: b.TempDir()}
			if file != "" {
				r.events = 0
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				job, conns, err := r.build(ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := job.Run(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if conns.rows() == 0 || job.Errors() != 0 {
					b.Fatalf("%s: %d rows out, %d errors", query, conns.rows(), job.Errors())
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// benchBidsFile writes n bids as JSON lines into a temporary file.
func benchBidsFile(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bids.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := generator.WriteBidsJSON(f, n, generator.NexmarkConfig{}); err != nil {
		f.Close()
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func BenchmarkNexmarkQ0(b *testing.B) { benchNexmark(b, "q0", benchGeneratorEvents, "") }

func BenchmarkNexmarkQ1(b *testing.B) { benchNexmark(b, "q1", benchGeneratorEvents, "") }

func BenchmarkNexmarkQ2(b *testing.B) { benchNexmark(b, "q2", benchGeneratorEvents, "") }

// BenchmarkNexmarkTumble is COUNT, SUM and MAX per auction per 10 s
// tumbling window.
func BenchmarkNexmarkTumble(b *testing.B) { benchNexmark(b, "tumble", benchGeneratorEvents, "") }

// BenchmarkNexmarkHop is q5's inner aggregate: COUNT per auction per HOP
// window of 10 s sliding by 2 s.
func BenchmarkNexmarkHop(b *testing.B) { benchNexmark(b, "q5-hop", benchGeneratorEvents, "") }

// BenchmarkNexmarkSession is q11: bids per bidder session, gap 10 s.
func BenchmarkNexmarkSession(b *testing.B) { benchNexmark(b, "q11", benchGeneratorEvents, "") }

// BenchmarkNexmarkQ3 is a regular join of auctions and persons (state_ttl).
func BenchmarkNexmarkQ3(b *testing.B) { benchNexmark(b, "q3", benchGeneratorEvents, "") }

// BenchmarkNexmarkQ5 is HOP counts joined with their window's maximum.
func BenchmarkNexmarkQ5(b *testing.B) { benchNexmark(b, "q5", benchGeneratorEvents, "") }

// BenchmarkNexmarkQ7 is bids joined with their tumbling window's maximum.
func BenchmarkNexmarkQ7(b *testing.B) { benchNexmark(b, "q7", benchGeneratorEvents, "") }

// BenchmarkNexmarkQ8 is a window join of two tumbling aggregates.
func BenchmarkNexmarkQ8(b *testing.B) { benchNexmark(b, "q8", benchGeneratorEvents, "") }

// BenchmarkNexmarkQ13 is a lookup join with a side input table.
func BenchmarkNexmarkQ13(b *testing.B) { benchNexmark(b, "q13", benchGeneratorEvents, "") }

// BenchmarkNexmarkQ20 is a regular join of bids and auctions (state_ttl).
func BenchmarkNexmarkQ20(b *testing.B) { benchNexmark(b, "q20", benchGeneratorEvents, "") }

// BenchmarkNexmarkJSONFileQ2 runs q2 over a JSON-lines file of bids: events
// are bids here.
func BenchmarkNexmarkJSONFileQ2(b *testing.B) {
	benchNexmark(b, "q2", benchFileBids, benchBidsFile(b, benchFileBids))
}

// BenchmarkNexmarkJSONFileTumble runs the tumble query over a JSON-lines
// file of bids.
func BenchmarkNexmarkJSONFileTumble(b *testing.B) {
	benchNexmark(b, "tumble", benchFileBids, benchBidsFile(b, benchFileBids))
}

// TestCmdBench runs `eddy bench nexmark` on small inputs and checks the
// report, including q2's row count against the generator's Go API.
func TestCmdBench(t *testing.T) {
	t.Parallel()
	const events = 30_000
	path := filepath.Join(t.TempDir(), "bids.jsonl")
	if code, _, errOut := runGen("nexmark", "--events", itoa(events), "-o", path); code != 0 {
		t.Fatalf("gen exit %d: %s", code, errOut)
	}
	bids := nexmarkBids(t, events)
	q2 := 0
	for _, bid := range bids {
		if bid.Auction%123 == 0 {
			q2++
		}
	}
	if q2 == 0 {
		t.Fatal("no q2 rows in the test input")
	}
	bidsInFile := len(bids)
	tests := []struct {
		name string
		args []string
		code int
		want string // a regexp the output (stdout for 0, stderr otherwise) matches
	}{
		{name: "q2 counts its rows", args: []string{"nexmark", "--query", "q2", "--events", itoa(events)},
			want: fmt.Sprintf(`^nexmark q2, parallelism [0-9]+: %d events in [0-9.]+s wall, [0-9.]+s CPU: [0-9]+ events/s, [0-9]+ events per CPU-second; %d rows out\n$`, events, q2)},
		{name: "q2 over a file", args: []string{"nexmark", "--query", "q2", "--file", path},
			want: fmt.Sprintf(`^nexmark q2 over .*bids.jsonl, parallelism [0-9]+: %d bids \([0-9.]+ MB\) in [0-9.]+s wall, [0-9.]+s CPU: .* %d rows out\n`+
				`yardstick: encoding/json into structs on one goroutine: %d bids in [0-9.]+s; Eddy took [0-9.]+× its time\n$`, bidsInFile, q2, bidsInFile)},
		{name: "q2 over a file on one core", args: []string{"nexmark", "--query", "q2", "--file", path, "--parallelism", "1", "--no-yardstick"},
			want: fmt.Sprintf(`^nexmark q2 over .*bids.jsonl, parallelism 1: %d bids .* %d rows out\n$`, bidsInFile, q2)},
		{name: "q2 over a file on three cores", args: []string{"nexmark", "--query", "q2", "--file", path, "--parallelism=3", "--no-yardstick"},
			want: fmt.Sprintf(`^nexmark q2 over .*bids.jsonl, parallelism 3: %d bids .* %d rows out\n$`, bidsInFile, q2)},
		{name: "bad parallelism", args: []string{"nexmark", "--parallelism", "0"}, code: 2, want: `--parallelism wants a whole number of cores`},
		{name: "q0 default query flag order", args: []string{"--events", itoa(events), "nexmark", "--query=q0"},
			want: fmt.Sprintf(`; %d rows out\n$`, bidsInFile)},
		{name: "q5-hop", args: []string{"nexmark", "--query", "q5-hop", "--events", itoa(events)}, want: `^nexmark q5-hop, `},
		{name: "q7-max", args: []string{"nexmark", "--query", "q7-max", "--events", itoa(events)}, want: `; 1 rows out\n$`},
		{name: "q11", args: []string{"nexmark", "--query", "q11", "--events", itoa(events)}, want: `^nexmark q11, `},
		{name: "q12", args: []string{"nexmark", "--query", "q12", "--events", itoa(events)}, want: `^nexmark q12, `},
		{name: "tumble over a file", args: []string{"nexmark", "--query", "tumble", "--file", path}, want: `^nexmark tumble over `},
		{name: "unknown query", args: []string{"nexmark", "--query", "q99"}, code: 2, want: `unknown query "q99"`},
		{name: "not nexmark", args: []string{"tpch"}, code: 2, want: `usage: eddy bench nexmark`},
		{name: "bad events", args: []string{"nexmark", "--events", "-5"}, code: 2, want: `--events wants a positive number`},
		{name: "events and file", args: []string{"nexmark", "--events", "5", "--file", path}, code: 2, want: `exclude each other`},
		{name: "missing file", args: []string{"nexmark", "--file", filepath.Join(t.TempDir(), "none.jsonl")}, code: 1, want: `no such file`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := cmdBench(tc.args, &out, &errOut)
			text := out.String()
			if tc.code != 0 {
				text = errOut.String()
			}
			if code != tc.code || !regexp.MustCompile(tc.want).MatchString(text) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and output matching %q", code, out.String(), errOut.String(), tc.code, tc.want)
			}
		})
	}
}

// TestCountLines checks the line count the file benchmark reports.
func TestCountLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want int64
	}{
		{name: "empty", text: "", want: 0},
		{name: "terminated lines", text: "a\nb\n", want: 2},
		{name: "last line without newline", text: "a\nb", want: 2},
		{name: "longer than the read buffer", text: strings.Repeat(strings.Repeat("x", 999)+"\n", 3000), want: 3000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			n, size, err := countLines(path)
			if err != nil || n != tc.want || size != int64(len(tc.text)) {
				t.Fatalf("countLines = %d, %d, %v; want %d, %d", n, size, err, tc.want, len(tc.text))
			}
		})
	}
}
