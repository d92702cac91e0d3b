package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/sources/generator"
)

// expectedNexmarkScalar computes q14, q21 and q22 over the generator's
// bids with plain Go, independently of the engine, and returns the columns
// to compare and the sorted rows.
func expectedNexmarkScalar(t *testing.T, query string, bids []generator.Bid) ([]string, []string) {
	t.Helper()
	var want []string
	switch query {
	case "q14":
		for _, b := range bids {
			// 0.908 * PRICE, exact in thousandths
			milli := b.Price * 908
			if milli <= 1_000_000_000 || milli >= 50_000_000_000 {
				continue
			}
			h := time.UnixMilli(b.DateTime).UTC().Hour()
			kind := "otherTime"
			switch {
			case h >= 8 && h <= 18:
				kind = "dayTime"
			case h <= 6 || h >= 20:
				kind = "nightTime"
			}
			want = append(want, fmt.Sprintf("%d %d %de-3 %s %d %d", b.Auction, b.Bidder, milli, kind, b.DateTime, strings.Count(b.Extra, "c")))
		}
		slices.Sort(want)
		return []string{"AUCTION", "BIDDER", "PRICE", "BIDTIMETYPE", "DATE_TIME", "C_COUNTS"}, want
	case "q21":
		re := regexp.MustCompile(`(&|^)channel_id=([^&]*)`)
		ids := map[string]string{"apple": "0", "google": "1", "facebook": "2", "baidu": "3"}
		for _, b := range bids {
			m := re.FindStringSubmatch(b.URL)
			id, hot := ids[strings.ToLower(b.Channel)]
			if !hot {
				if m == nil {
					continue
				}
				id = m[2]
			}
			want = append(want, fmt.Sprintf("%d %d %d %s %s", b.Auction, b.Bidder, b.Price, b.Channel, id))
		}
		slices.Sort(want)
		return []string{"AUCTION", "BIDDER", "PRICE", "CHANNEL", "CHANNEL_ID"}, want
	case "q22":
		for _, b := range bids {
			parts := strings.Split(b.URL, "/")
			dir := func(i int) string {
				if i < len(parts) {
					return parts[i]
				}
				return "NULL"
			}
			want = append(want, fmt.Sprintf("%d %d %d %s %s %s %s", b.Auction, b.Bidder, b.Price, b.Channel, dir(3), dir(4), dir(5)))
		}
		slices.Sort(want)
		return []string{"AUCTION", "BIDDER", "PRICE", "CHANNEL", "DIR1", "DIR2", "DIR3"}, want
	}
	t.Fatalf("no Go model for %s", query)
	return nil, nil
}

// TestNexmarkScalarQueriesMatchGo runs q14 (with its SQL function), q21
// and q22 on the generator and compares every row with the Go model.
func TestNexmarkScalarQueriesMatchGo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		query  string
		events int64
		batch  int
	}{
		{name: "q14 buckets hours and counts c with a SQL function", query: "q14", events: 100_000},
		{name: "q14 with odd batch sizes", query: "q14", events: 30_000, batch: 333},
		{name: "q21 takes the channel id from the name or the URL", query: "q21", events: 30_000},
		{name: "q22 splits URL directories", query: "q22", events: 50_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cols, want := expectedNexmarkScalar(t, tc.query, nexmarkBids(t, tc.events))
			got := runNexmarkRows(t, nexmarkRun{query: tc.query, events: tc.events, batchSize: tc.batch}, cols...)
			diffRows(t, got, want)
		})
	}
}
