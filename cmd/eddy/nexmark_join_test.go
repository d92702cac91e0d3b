package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/eddy-sql/eddy/sources/generator"
)

// nexmarkEvents returns the first n Nexmark events.
func nexmarkEvents(t *testing.T, n int64) []generator.Event {
	t.Helper()
	g, err := generator.NewNexmark(generator.NexmarkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]generator.Event, 0, n)
	for range n {
		out = append(out, g.Next())
	}
	return out
}

// expectedNexmarkJoin computes a join query's rows in plain Go over the
// generator's events (nested loops and maps, no engine code); it returns
// the columns compared and the sorted rows.
func expectedNexmarkJoin(query string, evs []generator.Event) ([]string, []string) {
	var persons []generator.Person
	var auctions []generator.Auction
	var bids []generator.Bid
	for _, e := range evs {
		switch e.Kind {
		case generator.PersonEvent:
			persons = append(persons, e.Person)
		case generator.AuctionEvent:
			auctions = append(auctions, e.Auction)
		case generator.BidEvent:
			bids = append(bids, e.Bid)
		}
	}
	const hour = 3_600_000 // state_ttl of q3 and q20
	within := func(a, b int64) bool { return a-b <= hour && b-a <= hour }
	var want []string
	switch query {
	case "q3":
		for _, a := range auctions {
			for _, p := range persons {
				if a.Category == 10 && a.Seller == p.ID && (p.State == "OR" || p.State == "ID" || p.State == "CA") && within(a.DateTime, p.DateTime) {
					want = append(want, fmt.Sprintf("%s %s %s %d", p.Name, p.City, p.State, a.ID))
				}
			}
		}
		slices.Sort(want)
		return []string{"NAME", "CITY", "STATE", "ID"}, want
	case "q20":
		for _, b := range bids {
			for _, a := range auctions {
				if b.Auction == a.ID && a.Category == 10 && within(b.DateTime, a.DateTime) {
					want = append(want, fmt.Sprintf("%d %d %d %d %s %d %d %d", b.Auction, b.Bidder, b.Price, b.DateTime, a.ItemName, a.DateTime, a.Seller, a.Category))
				}
			}
		}
		slices.Sort(want)
		return []string{"AUCTION", "BIDDER", "PRICE", "BID_TIME", "ITEM_NAME", "AUCTION_TIME", "SELLER", "CATEGORY"}, want
	case "q7":
		maxes := map[int64]int64{} // window end → highest price
		for _, b := range bids {
			end := b.DateTime/10_000*10_000 + 10_000
			if p, ok := maxes[end]; !ok || b.Price > p {
				maxes[end] = b.Price
			}
		}
		for _, b := range bids {
			for end, p := range maxes {
				if b.Price == p && b.DateTime >= end-10_000 && b.DateTime <= end {
					want = append(want, fmt.Sprintf("%d %d %d %d", b.Auction, b.Price, b.Bidder, b.DateTime))
				}
			}
		}
		slices.Sort(want)
		return []string{"AUCTION", "PRICE", "BIDDER", "DATE_TIME"}, want
	case "q8":
		type pw struct {
			id    int64
			name  string
			start int64
		}
		people := map[pw]bool{}
		for _, p := range persons {
			people[pw{p.ID, p.Name, p.DateTime / 10_000 * 10_000}] = true
		}
		sellers := map[[2]int64]bool{}
		for _, a := range auctions {
			sellers[[2]int64{a.Seller, a.DateTime / 10_000 * 10_000}] = true
		}
		for p := range people {
			if sellers[[2]int64{p.id, p.start}] {
				want = append(want, fmt.Sprintf("%d %s %d", p.id, p.name, p.start))
			}
		}
		slices.Sort(want)
		return []string{"ID", "NAME", "STARTTIME"}, want
	case "q5":
		counts := map[[2]int64]int64{} // (auction, window start) → bids
		for _, b := range bids {
			last := b.DateTime / 2_000 * 2_000
			for s := last - 8_000; s <= last; s += 2_000 {
				counts[[2]int64{b.Auction, s}]++
			}
		}
		maxes := map[int64]int64{}
		for k, n := range counts {
			maxes[k[1]] = max(maxes[k[1]], n)
		}
		for k, n := range counts {
			if n >= maxes[k[1]] {
				want = append(want, fmt.Sprintf("%d %d", k[0], n))
			}
		}
		slices.Sort(want)
		return []string{"AUCTION", "NUM"}, want
	case "q13":
		for _, b := range bids {
			want = append(want, fmt.Sprintf("%d %d %d %d %d", b.Auction, b.Bidder, b.Price, b.DateTime, sideInputValue(b.Auction%10_000)))
		}
		slices.Sort(want)
		return []string{"AUCTION", "BIDDER", "PRICE", "DATE_TIME", "value"}, want
	}
	panic("expectedNexmarkJoin: no Go computation for " + query)
}

// TestNexmarkJoinsMatchGo runs the join queries on the generator through
// SQL and compares every output row with a Go model of the query.
func TestNexmarkJoinsMatchGo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		query  string
		events int64
		batch  int
	}{
		{name: "q3 joins category 10 auctions with their sellers in three states", query: "q3", events: 300_000},
		{name: "q3 with small batches", query: "q3", events: 100_000, batch: 97},
		{name: "q5 finds the auctions with the most bids per hop window", query: "q5", events: 150_000},
		{name: "q7 finds the bids at their window's highest price", query: "q7", events: 300_000},
		{name: "q7 with small batches", query: "q7", events: 100_000, batch: 113},
		{name: "q8 finds sellers who joined in the same window", query: "q8", events: 300_000},
		{name: "q13 enriches every bid from the side input", query: "q13", events: 50_000},
		{name: "q20 expands bids with their category 10 auctions", query: "q20", events: 200_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cols, want := expectedNexmarkJoin(tc.query, nexmarkEvents(t, tc.events))
			if len(want) == 0 {
				t.Fatalf("the model of %s has no rows: the test proves nothing", tc.query)
			}
			got := runNexmarkRows(t, nexmarkRun{query: tc.query, events: tc.events, batchSize: tc.batch, dir: t.TempDir()}, cols...)
			diffRows(t, got, want)
		})
	}
}
