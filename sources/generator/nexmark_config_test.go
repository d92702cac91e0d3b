package generator

import "testing"

func TestNexmarkStructuralVectors(t *testing.T) {
	t.Parallel()
	// SPEC §3.9: rate 10 000/s, one generator, group size 1.
	type vec struct {
		k, eid   int64
		kind     EventKind
		entity   int64 // person or auction id; 0 for bids
		dt       int64 // dateTime - baseTime in ms
		hotBase  int64 // hot auction (bids) or hot seller (auctions)
		hotBidID int64 // hot bidder (bids)
	}
	tests := []struct {
		name string
		cfg  NexmarkConfig
		vecs []vec
	}{
		{"project convention 0/0", NexmarkConfig{}, []vec{
			{0, 0, PersonEvent, 1000, 0, 0, 0},
			{1, 1, AuctionEvent, 1000, 0, 1000, 0},
			{2, 2, AuctionEvent, 1001, 0, 1000, 0},
			{3, 3, AuctionEvent, 1002, 0, 1000, 0},
			{4, 4, BidEvent, 0, 0, 1000, 1001},
			{49, 49, BidEvent, 0, 4, 1000, 1001},
			{50, 50, PersonEvent, 1001, 5, 0, 0},
			{51, 51, AuctionEvent, 1003, 5, 1000, 0},
			{100, 100, PersonEvent, 1002, 10, 0, 0},
			{4999, 4999, BidEvent, 0, 499, 1200, 1001},
			{5000, 5000, PersonEvent, 1100, 500, 0, 0},
		}},
		{"flink convention 1/1", NexmarkConfig{FirstEventID: 1, FirstEventNumber: 1}, []vec{
			{0, 2, AuctionEvent, 1001, 0, 1000, 0},
			{2, 4, BidEvent, 0, 0, 1000, 1001},
			{48, 50, PersonEvent, 1001, 4, 0, 0},
			{99, 101, AuctionEvent, 1006, 10, 1000, 0},
			{4999, 5001, AuctionEvent, 1300, 500, 1100, 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tl, err := newTimeline(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			base := DefaultBaseTime().UnixMilli()
			for _, v := range tc.vecs {
				eid := tl.eventID(v.k)
				if eid != v.eid {
					t.Errorf("k=%d: event id %d, want %d", v.k, eid, v.eid)
				}
				if got := kindOf(eid); got != v.kind {
					t.Errorf("k=%d: kind %v, want %v", v.k, got, v.kind)
				}
				if got := tl.timestamp(tl.number(v.k)) - base; got != v.dt {
					t.Errorf("k=%d: dateTime-base %d, want %d", v.k, got, v.dt)
				}
				switch v.kind {
				case PersonEvent:
					if got := lastBase0PersonID(eid) + firstPersonID; got != v.entity {
						t.Errorf("k=%d: person %d, want %d", v.k, got, v.entity)
					}
				case AuctionEvent:
					if got := lastBase0AuctionID(eid) + firstAuctionID; got != v.entity {
						t.Errorf("k=%d: auction %d, want %d", v.k, got, v.entity)
					}
					if got := lastBase0PersonID(eid)/hotBatch*hotBatch + firstPersonID; got != v.hotBase {
						t.Errorf("k=%d: hot seller %d, want %d", v.k, got, v.hotBase)
					}
				case BidEvent:
					if got := lastBase0AuctionID(eid)/hotBatch*hotBatch + firstAuctionID; got != v.hotBase {
						t.Errorf("k=%d: hot auction %d, want %d", v.k, got, v.hotBase)
					}
					if got := lastBase0PersonID(eid)/hotBatch*hotBatch + 1 + firstPersonID; got != v.hotBidID {
						t.Errorf("k=%d: hot bidder %d, want %d", v.k, got, v.hotBidID)
					}
				}
			}
		})
	}
}
