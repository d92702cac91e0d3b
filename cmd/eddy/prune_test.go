package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/generator"
)

// TestPrunedDecodingKeepsResults runs a q2-like pump over a file of bids
// with malformed lines, once alone (the source decodes only AUCTION,
// PRICE and DATE_TIME) and once beside a second pump that reads every
// column (nothing is pruned), and checks that the pump's rows and the
// error-stream records are the same, except for the one documented
// difference: a value that does not convert to an unread column's type is
// not detected.
func TestPrunedDecodingKeepsResults(t *testing.T) {
	t.Parallel()
	if sources.ColumnsOption != planner.ColumnsOption {
		t.Fatalf("sources.ColumnsOption %q differs from planner.ColumnsOption %q", sources.ColumnsOption, planner.ColumnsOption)
	}
	dir := t.TempDir()
	var good bytes.Buffer
	if err := generator.WriteBidsJSON(&good, 3000, generator.NexmarkConfig{}); err != nil {
		t.Fatal(err)
	}
	bad := []string{
		`{"auction": 1230, "bidder": 1, "price": 5, "date_time": "2015-07-15T00:00:01.000Z"`, // unbalanced
		`[{"auction": 1230}]`, // not an object
		`{"auction": 1230, "price": 5, "date_time": "2015-07-15T00:00:01.000Z", "extra": {"a": [1, 2}}`,      // unread, unbalanced
		`{"auction": 1230, "price": 5, "date_time": "2015-07-15T00:00:01.000Z", "url": tru}`,                 // unread bad literal
		`{"auction": 1230, "price": 5, "date_time": "2015-07-15T00:00:01.000Z", "channel": "open}`,           // unread string left open
		`{"auction": 1230, "price": 5, "date_time": "2015-07-15T00:00:01.000Z", "channel": "bad \q escape"}`, // unread bad escape
		`{"auction": "x", "price": 5, "date_time": "2015-07-15T00:00:01.000Z"}`,                              // read column, wrong type
		`{"auction": 1230, "price": 5, "date_time": "not a time"}`,                                           // the rowtime column
		`{"auction": 1230, "price": 5}`, // no rowtime
		`{"auction": 1230, "price": 5, "date_time": "2015-07-15T00:00:01.000Z"} trailing`,
		`{"auction": 1230, "price": 5, "date_time": "2015-07-15T00:00:01.000Z", "channel": "\u00e9\ud83d\ude00 \"q\"", "extra": [{"n": null}, "\\"]}`, // good
	}
	const unreadMismatch = `{"auction": 1232, "bidder": "not a number", "price": 7, "date_time": "2015-07-15T00:00:01.000Z"}`
	lines := strings.SplitAfter(good.String(), "\n")
	var in strings.Builder
	for i, l := range lines {
		in.WriteString(l)
		if i%250 == 100 && i/250 < len(bad) {
			in.WriteString(bad[i/250] + "\n")
		}
	}
	in.WriteString(unreadMismatch + "\n")
	path := writeFile(t, dir, "bids.jsonl", in.String())
	const bid = `CREATE STREAM BID (AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL VARCHAR, URL VARCHAR, DATE_TIME TIMESTAMP, EXTRA VARCHAR);
CREATE STREAM OUT (AUCTION BIGINT, PRICE BIGINT);
CREATE PUMP Q2 AS INSERT INTO OUT SELECT STREAM AUCTION, PRICE FROM BID WHERE MOD(PRICE, 3) = 0;
`
	const all = `CREATE STREAM ALLCOLS (AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL VARCHAR, URL VARCHAR, DATE_TIME TIMESTAMP, EXTRA VARCHAR);
CREATE PUMP EVERYTHING AS INSERT INTO ALLCOLS SELECT STREAM * FROM BID;
`
	run := func(name, text string) (rows, errs []string) {
		t.Helper()
		app := writeFile(t, dir, name+".sql", text)
		out := filepath.Join(dir, name+".jsonl")
		args := []string{"run", app, "--input", "BID=file:" + path + "?rowtime=DATE_TIME&morsel_size=8192",
			"--output", "OUT=file:" + out, "--set", "parallelism=2"}
		if strings.Contains(text, "ALLCOLS") {
			args = append(args, "--output", "ALLCOLS=file:"+filepath.Join(dir, name+"-all.jsonl"))
		}
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		rows = strings.Split(strings.TrimSpace(string(data)), "\n")
		for _, l := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(l, "error_stream:") {
				errs = append(errs, l)
			}
		}
		return rows, errs
	}
	prunedRows, prunedErrs := run("pruned", bid)
	fullRows, fullErrs := run("full", bid+all)
	if len(prunedRows) < 10 || !slices.Equal(prunedRows, fullRows) {
		t.Fatalf("pump rows differ: %d pruned, %d full; first pruned %q, first full %q", len(prunedRows), len(fullRows), prunedRows[:min(3, len(prunedRows))], fullRows[:min(3, len(fullRows))])
	}
	var mismatch []string
	fullErrs = slices.DeleteFunc(fullErrs, func(l string) bool {
		if strings.Contains(l, "not a number") {
			mismatch = append(mismatch, l)
			return true
		}
		return false
	})
	if len(mismatch) != 1 {
		t.Fatalf("full decoding rejected %d lines with an unread column's bad value, want 1: %q", len(mismatch), mismatch)
	}
	if want := len(bad) - 1; len(prunedErrs) != want || !slices.Equal(prunedErrs, fullErrs) {
		t.Fatalf("error-stream records differ (want %d):\npruned:\n%s\nfull:\n%s", want, strings.Join(prunedErrs, "\n"), strings.Join(fullErrs, "\n"))
	}
}
