package generator

import "testing"

func TestTableFill(t *testing.T) {
	t.Parallel()
	newTab := func(kind, table string) table {
		cfg := config{kind: kind, table: table}
		tbl, err := cfg.newTable()
		if err != nil {
			t.Fatal(err)
		}
		return tbl
	}
	tests := []struct {
		name        string
		kind, table string
		maxEvents   int64
		maxRows     int
		wantRows    int
		wantEvents  int64
	}{
		{"ticker stops at rows", "ticker", "", 100, 10, 10, 10},
		{"ticker stops at events", "ticker", "", 3, 10, 3, 3},
		{"bids skip other kinds", "nexmark", "bid", 50, 1000, 46, 50},
		{"bids stop at rows", "nexmark", "bid", 1000, 10, 10, 14},
		{"auctions", "nexmark", "auction", 100, 1000, 6, 100},
		{"auctions stop at rows", "nexmark", "auction", 100, 2, 2, 3},
		{"persons", "nexmark", "person", 101, 1000, 3, 101},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tbl := newTab(tc.kind, tc.table)
			rows, events := tbl.fill(tc.maxEvents, tc.maxRows)
			if rows != tc.wantRows || events != tc.wantEvents || tbl.len() != rows {
				t.Fatalf("fill = %d rows (len %d), %d events; want %d, %d", rows, tbl.len(), events, tc.wantRows, tc.wantEvents)
			}
			tbl.reset()
			if tbl.len() != 0 {
				t.Fatalf("reset left %d rows", tbl.len())
			}
		})
	}
}
