package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/sources/generator"
)

const genUsage = "usage: eddy gen nexmark --events N [--table bid|auction|person] [--seed S] [-o FILE]"

// cmdGen writes the rows of one Nexmark table among the first N events of
// the sequence as JSON lines, to stdout or a file: the input of
// `eddy bench nexmark --file` and of runs over the file connector. Keys are
// the generator's column names in lower case (date_time, item_name, …);
// timestamps are ISO 8601 UTC with milliseconds.
func cmdGen(args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, []string{"events", "table", "seed", "o", "output"}, nil)
	if err != nil || len(fs.args) != 1 || fs.args[0] != "nexmark" {
		if err != nil {
			fmt.Fprintf(stderr, "eddy gen: %v\n", err)
		}
		fmt.Fprintln(stderr, genUsage)
		return 2
	}
	events, err := strconv.ParseInt(fs.last("events", ""), 10, 64)
	if err != nil || events <= 0 {
		fmt.Fprintf(stderr, "eddy gen: --events wants a positive number\n%s\n", genUsage)
		return 2
	}
	var kind generator.EventKind
	switch table := strings.ToLower(fs.last("table", "bid")); table {
	case "bid":
		kind = generator.BidEvent
	case "auction":
		kind = generator.AuctionEvent
	case "person":
		kind = generator.PersonEvent
	default:
		fmt.Fprintf(stderr, "eddy gen: --table %s: want bid, auction or person\n", table)
		return 2
	}
	seed, err := strconv.ParseInt(fs.last("seed", "0"), 10, 64)
	if err != nil {
		fmt.Fprintf(stderr, "eddy gen: --seed %s: want an integer\n", fs.last("seed", ""))
		return 2
	}
	path := fs.last("o", fs.last("output", ""))
	w, closeOut := stdout, func() error { return nil }
	if path != "" && path != "-" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(stderr, "eddy gen: %v\n", err)
			return 1
		}
		w, closeOut = f, f.Close
	}
	rows, err := writeNexmarkJSON(w, events, kind, generator.NexmarkConfig{Seed: seed})
	if cerr := closeOut(); err == nil && cerr != nil {
		err = fmt.Errorf("gen: %w", cerr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "eddy %v\n", err)
		return 1
	}
	if path != "" && path != "-" {
		fmt.Fprintf(stderr, "eddy gen: wrote %d %s rows of %d Nexmark events to %s\n", rows, kind, events, path)
	}
	return 0
}

// writeNexmarkJSON writes the events of kind among the first events events
// of the sequence cfg describes as JSON lines, and returns how many it
// wrote. Bids are written exactly as generator.WriteBidsJSON writes them.
func writeNexmarkJSON(w io.Writer, events int64, kind generator.EventKind, cfg generator.NexmarkConfig) (int64, error) {
	g, err := generator.NewNexmark(cfg)
	if err != nil {
		return 0, fmt.Errorf("gen: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var (
		line []byte
		rows int64
	)
	for range events {
		ev := g.Next()
		if ev.Kind != kind {
			continue
		}
		switch kind {
		case generator.BidEvent:
			line = appendBid(line[:0], &ev.Bid)
		case generator.AuctionEvent:
			line = appendAuction(line[:0], &ev.Auction)
		default:
			line = appendPerson(line[:0], &ev.Person)
		}
		if _, err := bw.Write(line); err != nil {
			return rows, fmt.Errorf("gen: write: %w", err)
		}
		rows++
	}
	if err := bw.Flush(); err != nil {
		return rows, fmt.Errorf("gen: write: %w", err)
	}
	return rows, nil
}

// jsonLine appends the fields of one JSON object, each value already encoded.
type jsonLine struct{ b []byte }

func (j *jsonLine) key(k string) {
	if len(j.b) == 0 {
		j.b = append(j.b, '{')
	} else {
		j.b = append(j.b, ',')
	}
	j.b = append(j.b, '"')
	j.b = append(j.b, k...)
	j.b = append(j.b, '"', ':')
}

func (j *jsonLine) int(k string, v int64) { j.key(k); j.b = strconv.AppendInt(j.b, v, 10) }

func (j *jsonLine) str(k, v string) { j.key(k); j.b = appendJSONText(j.b, v) }

// time appends epoch milliseconds as an ISO 8601 UTC string.
func (j *jsonLine) time(k string, ms int64) {
	j.key(k)
	j.b = append(j.b, '"')
	j.b = time.UnixMilli(ms).UTC().AppendFormat(j.b, "2006-01-02T15:04:05.000Z07:00")
	j.b = append(j.b, '"')
}

func (j *jsonLine) end() []byte { return append(j.b, '}', '\n') }

func appendBid(dst []byte, b *generator.Bid) []byte {
	j := jsonLine{b: dst}
	j.int("auction", b.Auction)
	j.int("bidder", b.Bidder)
	j.int("price", b.Price)
	j.str("channel", b.Channel)
	j.str("url", b.URL)
	j.time("date_time", b.DateTime)
	j.str("extra", b.Extra)
	return j.end()
}

func appendAuction(dst []byte, a *generator.Auction) []byte {
	j := jsonLine{b: dst}
	j.int("id", a.ID)
	j.str("item_name", a.ItemName)
	j.str("description", a.Description)
	j.int("initial_bid", a.InitialBid)
	j.int("reserve", a.Reserve)
	j.time("date_time", a.DateTime)
	j.time("expires", a.Expires)
	j.int("seller", a.Seller)
	j.int("category", a.Category)
	j.str("extra", a.Extra)
	return j.end()
}

func appendPerson(dst []byte, p *generator.Person) []byte {
	j := jsonLine{b: dst}
	j.int("id", p.ID)
	j.str("name", p.Name)
	j.str("email_address", p.EmailAddress)
	j.str("credit_card", p.CreditCard)
	j.str("city", p.City)
	j.str("state", p.State)
	j.time("date_time", p.DateTime)
	j.str("extra", p.Extra)
	return j.end()
}

// appendJSONText appends s as a JSON string, escaping quotes, backslashes
// and control bytes; other bytes pass through (generated text is ASCII).
func appendJSONText(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
