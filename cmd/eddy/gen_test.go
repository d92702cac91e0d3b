package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/sources/generator"
)

// genJSONBid is a bid line of `eddy gen`, decoded with encoding/json.
type genJSONBid struct {
	Auction  *int64  `json:"auction"`
	Bidder   *int64  `json:"bidder"`
	Price    *int64  `json:"price"`
	Channel  *string `json:"channel"`
	URL      *string `json:"url"`
	DateTime *string `json:"date_time"`
	Extra    *string `json:"extra"`
}

// runGen runs cmdGen and returns its exit code, stdout and stderr.
func runGen(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cmdGen(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestGenBidsAreTheGeneratorsBids decodes every line `eddy gen` writes
// with encoding/json and compares it with the generator's Go API.
func TestGenBidsAreTheGeneratorsBids(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events int64
		seed   int64
	}{
		{name: "one event is a person, no bids", events: 1},
		{name: "a few hundred events", events: 321},
		{name: "twenty thousand events", events: 20_000},
		{name: "another seed", events: 5_000, seed: 42},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"nexmark", "--events", itoa(tc.events)}
			if tc.seed != 0 {
				args = append(args, "--seed", itoa(tc.seed))
			}
			code, out, errOut := runGen(args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			g, err := generator.NewNexmark(generator.NexmarkConfig{Seed: tc.seed})
			if err != nil {
				t.Fatal(err)
			}
			var want []generator.Bid
			for range tc.events {
				if ev := g.Next(); ev.Kind == generator.BidEvent {
					want = append(want, ev.Bid)
				}
			}
			sc := bufio.NewScanner(strings.NewReader(out))
			sc.Buffer(nil, 1<<20)
			n := 0
			for sc.Scan() {
				var got genJSONBid
				dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&got); err != nil {
					t.Fatalf("line %d %q: %v", n+1, sc.Text(), err)
				}
				if n >= len(want) {
					t.Fatalf("more than the %d bids of %d events", len(want), tc.events)
				}
				if got.Auction == nil || got.Bidder == nil || got.Price == nil || got.Channel == nil || got.URL == nil || got.DateTime == nil || got.Extra == nil {
					t.Fatalf("line %d %q lacks a key", n+1, sc.Text())
				}
				ts, err := time.Parse(time.RFC3339Nano, *got.DateTime)
				if err != nil {
					t.Fatalf("line %d: date_time %q: %v", n+1, *got.DateTime, err)
				}
				w := want[n]
				if *got.Auction != w.Auction || *got.Bidder != w.Bidder || *got.Price != w.Price ||
					*got.Channel != w.Channel || *got.URL != w.URL || ts.UnixMilli() != w.DateTime || *got.Extra != w.Extra {
					t.Fatalf("line %d = %q, want %+v", n+1, sc.Text(), w)
				}
				n++
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Fatalf("gen wrote %d bids, the first %d events hold %d", n, tc.events, len(want))
			}
			// The bid lines are those generator.WriteBidsJSON writes.
			var ref bytes.Buffer
			if err := generator.WriteBidsJSON(&ref, len(want), generator.NexmarkConfig{Seed: tc.seed}); err != nil {
				t.Fatal(err)
			}
			if ref.String() != out {
				t.Fatal("gen output differs from generator.WriteBidsJSON")
			}
		})
	}
}

// TestGenTables checks the auction and person tables: valid JSON whose ids
// are those of the generator's events of that kind.
func TestGenTables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		table string
		kind  generator.EventKind
		keys  int
	}{
		{name: "auctions", table: "auction", kind: generator.AuctionEvent, keys: 10},
		{name: "persons", table: "person", kind: generator.PersonEvent, keys: 8},
		{name: "table name is case-insensitive", table: "PERSON", kind: generator.PersonEvent, keys: 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const events = 3_000
			code, out, errOut := runGen("nexmark", "--events", itoa(events), "--table", tc.table)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			g, err := generator.NewNexmark(generator.NexmarkConfig{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for range events {
				switch ev := g.Next(); {
				case ev.Kind != tc.kind:
				case tc.kind == generator.AuctionEvent:
					ids = append(ids, ev.Auction.ID)
				default:
					ids = append(ids, ev.Person.ID)
				}
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != len(ids) || len(ids) == 0 {
				t.Fatalf("gen wrote %d rows, the generator has %d", len(lines), len(ids))
			}
			for i, line := range lines {
				var obj map[string]any
				if err := json.Unmarshal([]byte(line), &obj); err != nil {
					t.Fatalf("line %d %q: %v", i+1, line, err)
				}
				if len(obj) != tc.keys {
					t.Fatalf("line %d has %d keys, want %d: %s", i+1, len(obj), tc.keys, line)
				}
				if id, _ := obj["id"].(float64); int64(id) != ids[i] {
					t.Fatalf("line %d id = %v, want %d", i+1, obj["id"], ids[i])
				}
				if _, err := time.Parse(time.RFC3339Nano, obj["date_time"].(string)); err != nil {
					t.Fatalf("line %d date_time: %v", i+1, err)
				}
			}
		})
	}
}

// TestGenWritesFile checks -o: the file holds what stdout would, and
// stdout stays empty.
func TestGenWritesFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		flag string
	}{
		{name: "short flag", flag: "-o"},
		{name: "long flag", flag: "--output"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "bids.jsonl")
			code, out, errOut := runGen("nexmark", "--events", "2000", tc.flag, path)
			if code != 0 || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
			}
			if !strings.Contains(errOut, "1840 bid rows of 2000 Nexmark events") {
				t.Fatalf("stderr %q does not report the rows written", errOut)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, want, _ := runGen("nexmark", "--events", "2000")
			if string(data) != want {
				t.Fatal("the file differs from stdout output")
			}
		})
	}
}

// TestGenUsage checks that bad command lines exit 2 with a message.
func TestGenUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no arguments", args: nil, want: "usage: eddy gen"},
		{name: "not nexmark", args: []string{"ticker", "--events", "10"}, want: "usage: eddy gen"},
		{name: "no events", args: []string{"nexmark"}, want: "--events wants a positive number"},
		{name: "zero events", args: []string{"nexmark", "--events", "0"}, want: "--events wants a positive number"},
		{name: "unknown table", args: []string{"nexmark", "--events", "10", "--table", "bids"}, want: "want bid, auction or person"},
		{name: "bad seed", args: []string{"nexmark", "--events", "10", "--seed", "x"}, want: "--seed x"},
		{name: "unknown flag", args: []string{"nexmark", "--events", "10", "--rate", "5"}, want: "unknown flag --rate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runGen(tc.args...)
			if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errOut, tc.want)
			}
		})
	}
}

// TestGenFileRoundTrip writes bids with `eddy gen`, reads them back with
// the file connector and checks each query gives the same rows as over the
// generator source.
func TestGenFileRoundTrip(t *testing.T) {
	t.Parallel()
	const events = 100_000
	path := filepath.Join(t.TempDir(), "bids.jsonl")
	if code, _, errOut := runGen("nexmark", "--events", itoa(events), "-o", path); code != 0 {
		t.Fatalf("gen exit %d: %s", code, errOut)
	}
	tests := []struct {
		name  string
		query string
		cols  []string
	}{
		{name: "q0", query: "q0", cols: []string{"AUCTION", "BIDDER", "PRICE", "DATE_TIME", "EXTRA"}},
		{name: "q2", query: "q2", cols: []string{"AUCTION", "PRICE"}},
		{name: "tumble", query: "tumble", cols: []string{"AUCTION", "WINDOW_START", "WINDOW_END", "NUM", "TOTAL", "MAXPRICE"}},
		{name: "q5-hop", query: "q5-hop", cols: []string{"AUCTION", "STARTTIME", "ENDTIME", "NUM"}},
		{name: "q7-max", query: "q7-max", cols: []string{"MAXPRICE", "DATE_TIME"}},
		{name: "q11", query: "q11", cols: []string{"BIDDER", "BID_COUNT", "STARTTIME", "ENDTIME"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := runNexmarkRows(t, nexmarkRun{query: tc.query, events: events}, tc.cols...)
			got := runNexmarkRows(t, nexmarkRun{query: tc.query, file: path}, tc.cols...)
			diffRows(t, got, want)
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
