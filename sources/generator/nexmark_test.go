package generator

import (
	"regexp"
	"testing"
)

func TestNexmarkEventMix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    NexmarkConfig
		events int
	}{
		{"from 0", NexmarkConfig{}, 5000},
		{"flink offsets", NexmarkConfig{FirstEventID: 1, FirstEventNumber: 1}, 5000},
		{"odd start", NexmarkConfig{FirstEventID: 12345}, 50 * 37},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, err := NewNexmark(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var n [3]int
			for range tc.events {
				n[g.Next().Kind]++
			}
			want := [3]int{tc.events * 2 / 100, tc.events * 6 / 100, tc.events * 92 / 100}
			if n != want {
				t.Fatalf("person/auction/bid = %v, want %v", n, want)
			}
			if g.Events() != int64(tc.events) {
				t.Fatalf("Events() = %d, want %d", g.Events(), tc.events)
			}
		})
	}
}

func TestNexmarkDeterministic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		a, b     NexmarkConfig
		wantSame bool
	}{
		{"same config", NexmarkConfig{}, NexmarkConfig{}, true},
		{"zero config is the default", NexmarkConfig{}, NexmarkConfig{BaseTime: DefaultBaseTime(), EventRate: DefaultEventRate}, true},
		{"same seed", NexmarkConfig{Seed: 99}, NexmarkConfig{Seed: 99}, true},
		{"other seed", NexmarkConfig{}, NexmarkConfig{Seed: 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ga, _ := NewNexmark(tc.a)
			gb, _ := NewNexmark(tc.b)
			same := true
			for range 2000 {
				if formatEvent(ga.Next()) != formatEvent(gb.Next()) {
					same = false
				}
			}
			if same != tc.wantSame {
				t.Fatalf("runs equal = %v, want %v", same, tc.wantSame)
			}
		})
	}
}

func TestNexmarkBidDistribution(t *testing.T) {
	t.Parallel()
	g, err := NewNexmark(NexmarkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	var buckets [3]int
	hotAuction, hotBidder, hotChannel := 0, 0, 0
	prev := int64(0)
	for range n {
		b := g.NextBid()
		if b.Price < 100 || b.Price > 100_000_000 {
			t.Fatalf("price %d outside 100..100,000,000", b.Price)
		}
		switch {
		case b.Price < 10_000:
			buckets[0]++
		case b.Price < 1_000_000:
			buckets[1]++
		default:
			buckets[2]++
		}
		eid := g.k - 1
		if b.Auction == lastBase0AuctionID(eid)/hotBatch*hotBatch+firstAuctionID {
			hotAuction++
		}
		if b.Bidder == lastBase0PersonID(eid)/hotBatch*hotBatch+1+firstPersonID {
			hotBidder++
		}
		switch b.Channel {
		case "Google", "Facebook", "Baidu", "Apple":
			hotChannel++
		}
		if b.DateTime < prev {
			t.Fatalf("date_time went back: %d after %d", b.DateTime, prev)
		}
		prev = b.DateTime
		if l := len(b.Extra); l < 54 || l > 81 {
			t.Fatalf("extra length %d outside 54..81", l)
		}
	}
	for i, c := range buckets {
		if f := float64(c) / n; f < 0.32 || f > 0.35 {
			t.Errorf("price decade pair %d holds %.3f of bids, want ~1/3", i, f)
		}
	}
	checkFrac := func(what string, c int, lo, hi float64) {
		if f := float64(c) / n; f < lo || f > hi {
			t.Errorf("%s: %.3f of bids, want %.2f..%.2f", what, f, lo, hi)
		}
	}
	// The cold path may also land on the hot id, so hot shares are a bit above p.
	checkFrac("hot auction", hotAuction, 0.50, 0.56)
	checkFrac("hot bidder", hotBidder, 0.75, 0.77)
	checkFrac("hot channel", hotChannel, 0.49, 0.51)
}

var (
	emailRe = regexp.MustCompile(`^[a-z]([a-z ]*[a-z])?@[a-z]([a-z ]*[a-z])?\.com$`)
	cardRe  = regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`)
	urlRe   = regexp.MustCompile(`^https://www\.nexmark\.com/[a-z_]+/[a-z_]+/[a-z_]+/item\.htm\?query=1(&channel_id=-?\d+)?$`)
)

func TestNexmarkFields(t *testing.T) {
	t.Parallel()
	g, err := NewNexmark(NexmarkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	lastPerson, lastAuction := int64(firstPersonID-1), int64(firstAuctionID-1)
	for range 20_000 {
		ev := g.Next()
		switch ev.Kind {
		case PersonEvent:
			p := ev.Person
			if p.ID != lastPerson+1 {
				t.Fatalf("person id %d after %d", p.ID, lastPerson)
			}
			lastPerson = p.ID
			if !emailRe.MatchString(p.EmailAddress) || !cardRe.MatchString(p.CreditCard) {
				t.Fatalf("bad person %+v", p)
			}
			if len(p.Name) < 8 || p.City == "" || len(p.State) != 2 {
				t.Fatalf("bad person %+v", p)
			}
		case AuctionEvent:
			a := ev.Auction
			if a.ID != lastAuction+1 {
				t.Fatalf("auction id %d after %d", a.ID, lastAuction)
			}
			lastAuction = a.ID
			if a.Category < 10 || a.Category > 14 || a.Reserve <= a.InitialBid || a.Expires <= a.DateTime {
				t.Fatalf("bad auction %+v", a)
			}
			if a.Seller < firstPersonID || a.Seller > lastPerson+personIDLead {
				t.Fatalf("auction seller %d beyond person %d", a.Seller, lastPerson)
			}
			if a.ItemName == "" || a.ItemName[0] == ' ' || a.ItemName[len(a.ItemName)-1] == ' ' {
				t.Fatalf("item name %q is not trimmed", a.ItemName)
			}
		case BidEvent:
			b := ev.Bid
			if !urlRe.MatchString(b.URL) {
				t.Fatalf("bad url %q", b.URL)
			}
			if b.Auction < firstAuctionID || b.Auction > lastAuction+auctionIDLead {
				t.Fatalf("bid auction %d beyond auction %d", b.Auction, lastAuction)
			}
		}
	}
}

func TestNewNexmarkRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  NexmarkConfig
	}{
		{"negative rate", NexmarkConfig{EventRate: -1}},
		{"negative first id", NexmarkConfig{FirstEventID: -1}},
		{"negative first number", NexmarkConfig{FirstEventNumber: -5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewNexmark(tc.cfg); err == nil {
				t.Fatal("NewNexmark accepted an invalid config")
			}
		})
	}
}

func TestEventKindString(t *testing.T) {
	t.Parallel()
	for kind, want := range map[EventKind]string{PersonEvent: "person", AuctionEvent: "auction", BidEvent: "bid", 7: "EventKind(7)"} {
		t.Run(want, func(t *testing.T) {
			t.Parallel()
			if kind.String() != want {
				t.Fatalf("%d.String() = %q", int(kind), kind.String())
			}
		})
	}
}
