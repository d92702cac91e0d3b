package generator

import (
	"math"
)

// Bid is one Nexmark bid. Prices are in cents and DateTime is in epoch
// milliseconds (UTC). Its strings share the generator's static tables, so a
// Bid costs no allocation.
type Bid struct {
	Auction  int64
	Bidder   int64
	Price    int64
	Channel  string
	URL      string
	DateTime int64
	Extra    string
}

// Person is one Nexmark person (a new user). DateTime is in epoch
// milliseconds (UTC).
type Person struct {
	ID           int64
	Name         string
	EmailAddress string
	CreditCard   string
	City         string
	State        string
	DateTime     int64
	Extra        string
}

// Auction is one Nexmark auction. Prices are in cents; DateTime and Expires
// are in epoch milliseconds (UTC).
type Auction struct {
	ID          int64
	ItemName    string
	Description string
	InitialBid  int64
	Reserve     int64
	DateTime    int64
	Expires     int64
	Seller      int64
	Category    int64
	Extra       string
}

// Event is one event of the Nexmark sequence: exactly the field named by
// Kind is set. EventID is the id that seeded it.
type Event struct {
	Kind    EventKind
	EventID int64
	Person  Person
	Auction Auction
	Bid     Bid
}

// Nexmark generates the Nexmark event sequence of SPEC §3 deterministically:
// every event is a pure function of its position and the config. A Nexmark is
// not safe for concurrent use.
type Nexmark struct {
	tl    timeline
	seed  int64
	tab   *nexmarkTables
	k     int64 // events generated (or skipped) so far
	r     javaRandom
	arena []byte
}

// NewNexmark returns a generator positioned at the first event of cfg.
func NewNexmark(cfg NexmarkConfig) (*Nexmark, error) {
	tl, err := newTimeline(cfg)
	if err != nil {
		return nil, err
	}
	return &Nexmark{tl: tl, seed: cfg.Seed, tab: staticTables()}, nil
}

// Events returns how many events of all kinds the generator has produced or
// skipped so far.
func (g *Nexmark) Events() int64 { return g.k }

// Next returns the next event of any kind.
func (g *Nexmark) Next() Event {
	k := g.k
	g.k++
	eid := g.tl.eventID(k)
	ev := Event{Kind: kindOf(eid), EventID: eid}
	g.arena = g.arena[:0]
	switch ev.Kind {
	case PersonEvent:
		var p personRec
		g.genPerson(k, eid, &p)
		ev.Person = g.person(&p)
	case AuctionEvent:
		var a auctionRec
		g.genAuction(k, eid, &a)
		ev.Auction = g.auction(&a)
	default:
		var b bidRec
		g.genBid(k, eid, &b)
		ev.Bid = g.bid(&b)
	}
	return ev
}

// NextBid skips to the next bid event and returns it.
func (g *Nexmark) NextBid() Bid {
	var b bidRec
	g.nextBidRec(&b)
	return g.bid(&b)
}

// nextBidRec skips to the next bid event and generates it into rec.
func (g *Nexmark) nextBidRec(rec *bidRec) {
	for {
		k := g.k
		g.k++
		if eid := g.tl.eventID(k); kindOf(eid) == BidEvent {
			g.genBid(k, eid, rec)
			return
		}
	}
}

// span locates a string in a buffer: an arena, a strTable or the extra
// buffer.
type span struct{ off, n int32 }

func (g *Nexmark) appendSpan(start int) span {
	return span{off: int32(start), n: int32(len(g.arena) - start)}
}

// text copies an arena span into a string.
func (g *Nexmark) text(s span) string { return string(g.arena[s.off : s.off+s.n]) }

// extra returns an extra field, sharing the extra buffer.
func (g *Nexmark) extra(s span) string { return g.tab.extraStr[s.off : s.off+s.n] }

// bidRec is a generated bid: channel indexes the channel tables and the extra
// field is a slice of the extra buffer.
type bidRec struct {
	auction, bidder, price, dateTime int64
	channel                          int32
	extra                            span
}

// personRec is a generated person; email and card are arena spans.
type personRec struct {
	id, dateTime       int64
	email, card, extra span
	name, city, state  uint8
}

// auctionRec is a generated auction; item and desc are arena spans.
type auctionRec struct {
	id, initialBid, reserve, dateTime, expires, seller, category int64
	item, desc, extra                                            span
}

func (g *Nexmark) bid(b *bidRec) Bid {
	return Bid{
		Auction: b.auction, Bidder: b.bidder, Price: b.price,
		Channel: g.tab.channel.str(b.channel), URL: g.tab.url.str(b.channel),
		DateTime: b.dateTime,
		Extra:    g.extra(b.extra),
	}
}

func (g *Nexmark) person(p *personRec) Person {
	return Person{
		ID: p.id, Name: g.tab.names.str(int32(p.name)),
		EmailAddress: g.text(p.email), CreditCard: g.text(p.card),
		City: usCities[p.city], State: usStates[p.state],
		DateTime: p.dateTime,
		Extra:    g.extra(p.extra),
	}
}

func (g *Nexmark) auction(a *auctionRec) Auction {
	return Auction{
		ID: a.id, ItemName: g.text(a.item), Description: g.text(a.desc),
		InitialBid: a.initialBid, Reserve: a.reserve,
		DateTime: a.dateTime, Expires: a.expires,
		Seller: a.seller, Category: a.category,
		Extra: g.extra(a.extra),
	}
}

// nextPrice is a log-uniform price in cents, 100 to 100,000,000.
func nextPrice(r *javaRandom) int64 { return priceOf(r.nextDouble()) }

// priceOf is Java's Math.round(Math.pow(10.0, d*6.0)*100.0). Go's math.Pow
// may differ from the JDK's in the last bit, but the rounded cents agree on
// every vector we hold, including 3000 chosen to fall next to a half cent.
func priceOf(d float64) int64 {
	return int64(math.Floor(math.Pow(10.0, d*6.0)*100.0 + 0.5))
}

// genBid generates the k-th event, a bid with id eid, in the Flink draw
// order of SPEC §3.6.
func (g *Nexmark) genBid(k, eid int64, b *bidRec) {
	r := &g.r
	r.setSeed(eid ^ g.seed)
	b.dateTime = g.tl.timestamp(g.tl.number(k))
	if r.nextInt(hotAuctionRatio) > 0 {
		b.auction = (lastBase0AuctionID(eid) / hotBatch) * hotBatch
	} else {
		b.auction = nextBase0AuctionID(eid, r)
	}
	b.auction += firstAuctionID
	if r.nextInt(hotBiddersRatio) > 0 {
		b.bidder = (lastBase0PersonID(eid)/hotBatch)*hotBatch + 1
	} else {
		b.bidder = nextBase0PersonID(eid, r)
	}
	b.bidder += firstPersonID
	b.price = nextPrice(r)
	if r.nextInt(hotChannelsRatio) > 0 {
		b.channel = r.nextInt(int32(len(hotChannels)))
	} else {
		b.channel = int32(len(hotChannels)) + r.nextInt(channelsNumber)
	}
	b.extra = nextExtra(r, 32, avgBidByteSize)
}

// genPerson generates the k-th event, a person with id eid, appending its
// email and credit card to the arena.
func (g *Nexmark) genPerson(k, eid int64, p *personRec) {
	r := &g.r
	r.setSeed(eid ^ g.seed)
	p.dateTime = g.tl.timestamp(g.tl.number(k))
	p.id = lastBase0PersonID(eid) + firstPersonID
	first := r.nextInt(int32(len(firstNames)))
	last := r.nextInt(int32(len(lastNames)))
	p.name = uint8(first*int32(len(lastNames)) + last)

	start := len(g.arena)
	g.arena = appendNextString(g.arena, r, 7, ' ')
	g.arena = append(g.arena, '@')
	g.arena = appendNextString(g.arena, r, 5, ' ')
	g.arena = append(g.arena, ".com"...)
	p.email = g.appendSpan(start)

	start = len(g.arena)
	for i := range 4 {
		if i > 0 {
			g.arena = append(g.arena, ' ')
		}
		v := r.nextInt(10000)
		g.arena = append(g.arena, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	p.card = g.appendSpan(start)

	p.city = uint8(r.nextInt(int32(len(usCities))))
	p.state = uint8(r.nextInt(int32(len(usStates))))
	size := 8 + len(g.tab.names.str(int32(p.name))) + int(p.email.n) + int(p.card.n) + len(usCities[p.city]) + len(usStates[p.state])
	p.extra = nextExtra(r, int64(size), avgPersonByteSize)
}

// genAuction generates the k-th event, an auction with id eid, appending its
// item name and description to the arena.
func (g *Nexmark) genAuction(k, eid int64, a *auctionRec) {
	r := &g.r
	r.setSeed(eid ^ g.seed)
	num := g.tl.number(k)
	a.dateTime = g.tl.timestamp(num)
	a.id = lastBase0AuctionID(eid) + firstAuctionID
	if r.nextInt(hotSellersRatio) > 0 {
		a.seller = (lastBase0PersonID(eid) / hotBatch) * hotBatch
	} else {
		a.seller = nextBase0PersonID(eid, r)
	}
	a.seller += firstPersonID
	a.category = firstCategoryID + int64(r.nextInt(numCategories))
	a.initialBid = nextPrice(r)

	ahead := int64(numInFlightAuctions*totalProportion) / auctionProportion
	horizon := g.tl.timestamp(num+ahead) - a.dateTime
	a.expires = a.dateTime + 1 + r.nextBounded(max(horizon*2, 1))

	start := len(g.arena)
	g.arena = appendNextString(g.arena, r, 20, ' ')
	a.item = g.appendSpan(start)
	start = len(g.arena)
	g.arena = appendNextString(g.arena, r, 100, ' ')
	a.desc = g.appendSpan(start)

	a.reserve = a.initialBid + nextPrice(r)
	size := 8 + int64(a.item.n) + int64(a.desc.n) + 40
	a.extra = nextExtra(r, size, avgAuctionByteSize)
}
