package generator

// table generates the rows of one stream a batch at a time. fill appends
// generated rows to the table's current batch, which reset empties; the
// column methods then read one field of every row of the batch.
type table interface {
	fields() []fieldSpec
	// eventTime is the field whose value is ROWTIME by default, or -1 for
	// the arrival time.
	eventTime() int
	reset()
	// fill consumes at most maxEvents events of the sequence and adds at most
	// maxRows rows; it returns both counts.
	fill(maxEvents int64, maxRows int) (rows int, events int64)
	len() int
	// ints writes field f (kindInt or kindTime) of every row into dst.
	ints(f int, dst []int64) []int64
	// floats writes field f (kindFloat) of every row into dst.
	floats(f int, dst []float64) []float64
	// texts writes where field f (kindText) of every row lies in the
	// returned buffer.
	texts(f int, dst []span) ([]byte, []span)
}

var (
	_ table = (*tickerTable)(nil)
	_ table = (*bidTable)(nil)
	_ table = (*auctionTable)(nil)
	_ table = (*personTable)(nil)
)

// tickerTable is the ticker stream.
type tickerTable struct {
	t    *ticker
	rows []tick
}

func (t *tickerTable) fields() []fieldSpec { return tickerFields }
func (t *tickerTable) eventTime() int      { return -1 }
func (t *tickerTable) reset()              { t.rows = t.rows[:0] }
func (t *tickerTable) len() int            { return len(t.rows) }

func (t *tickerTable) fill(maxEvents int64, maxRows int) (int, int64) {
	n := int(min(maxEvents, int64(maxRows)))
	for range n {
		t.rows = append(t.rows, t.t.next())
	}
	return n, int64(n)
}

func (t *tickerTable) ints(int, []int64) []int64 { panic("generator: ticker has no integer fields") }

func (t *tickerTable) floats(f int, dst []float64) []float64 {
	dst = dst[:0]
	for i := range t.rows {
		if f == tickChange {
			dst = append(dst, t.rows[i].change)
		} else {
			dst = append(dst, t.rows[i].price)
		}
	}
	return dst
}

func (t *tickerTable) texts(f int, dst []span) ([]byte, []span) {
	src := &tickerSyms
	if f == tickSector {
		src = &tickerSectors
	}
	dst = dst[:0]
	for i := range t.rows {
		dst = append(dst, src.span(int32(t.rows[i].symbol)))
	}
	return src.b, dst
}

// bidTable is the Nexmark bid stream.
type bidTable struct {
	g    *Nexmark
	rows []bidRec
}

func (t *bidTable) fields() []fieldSpec { return bidFields }
func (t *bidTable) eventTime() int      { return bidDateTime }
func (t *bidTable) reset()              { t.rows = t.rows[:0] }
func (t *bidTable) len() int            { return len(t.rows) }

func (t *bidTable) fill(maxEvents int64, maxRows int) (int, int64) {
	g := t.g
	rows, events := 0, int64(0)
	for events < maxEvents && rows < maxRows {
		k := g.k
		g.k++
		events++
		eid := g.tl.eventID(k)
		if kindOf(eid) != BidEvent {
			continue
		}
		t.rows = append(t.rows, bidRec{})
		g.genBid(k, eid, &t.rows[len(t.rows)-1])
		rows++
	}
	return rows, events
}

func (t *bidTable) ints(f int, dst []int64) []int64 {
	dst = dst[:0]
	switch f {
	case bidAuction:
		for i := range t.rows {
			dst = append(dst, t.rows[i].auction)
		}
	case bidBidder:
		for i := range t.rows {
			dst = append(dst, t.rows[i].bidder)
		}
	case bidPrice:
		for i := range t.rows {
			dst = append(dst, t.rows[i].price)
		}
	case bidDateTime:
		for i := range t.rows {
			dst = append(dst, t.rows[i].dateTime)
		}
	}
	return dst
}

func (t *bidTable) floats(int, []float64) []float64 { panic("generator: bid has no float fields") }

func (t *bidTable) texts(f int, dst []span) ([]byte, []span) {
	tab := t.g.tab
	dst = dst[:0]
	switch f {
	case bidChannel, bidURL:
		src := &tab.channel
		if f == bidURL {
			src = &tab.url
		}
		for i := range t.rows {
			dst = append(dst, src.span(t.rows[i].channel))
		}
		return src.b, dst
	}
	for i := range t.rows {
		dst = append(dst, t.rows[i].extra)
	}
	return tab.extra, dst
}

// auctionTable is the Nexmark auction stream.
type auctionTable struct {
	g    *Nexmark
	rows []auctionRec
}

func (t *auctionTable) fields() []fieldSpec { return auctionFields }
func (t *auctionTable) eventTime() int      { return auctionDateTime }
func (t *auctionTable) reset()              { t.rows, t.g.arena = t.rows[:0], t.g.arena[:0] }
func (t *auctionTable) len() int            { return len(t.rows) }

func (t *auctionTable) fill(maxEvents int64, maxRows int) (int, int64) {
	return fillKind(t.g, &t.rows, AuctionEvent, t.g.genAuction, maxEvents, maxRows)
}

// fillKind consumes at most maxEvents events of g's sequence, generating a
// row with gen for each event of kind, at most maxRows of them; it returns
// both counts.
func fillKind[R any](g *Nexmark, rows *[]R, kind EventKind, gen func(k, eid int64, r *R), maxEvents int64, maxRows int) (int, int64) {
	n, events := 0, int64(0)
	for events < maxEvents && n < maxRows {
		k := g.k
		g.k++
		events++
		eid := g.tl.eventID(k)
		if kindOf(eid) != kind {
			continue
		}
		var zero R
		*rows = append(*rows, zero)
		gen(k, eid, &(*rows)[len(*rows)-1])
		n++
	}
	return n, events
}

func (t *auctionTable) ints(f int, dst []int64) []int64 {
	dst = dst[:0]
	for i := range t.rows {
		r := &t.rows[i]
		var v int64
		switch f {
		case auctionID:
			v = r.id
		case auctionInitialBid:
			v = r.initialBid
		case auctionReserve:
			v = r.reserve
		case auctionDateTime:
			v = r.dateTime
		case auctionExpires:
			v = r.expires
		case auctionSeller:
			v = r.seller
		case auctionCategory:
			v = r.category
		}
		dst = append(dst, v)
	}
	return dst
}

func (t *auctionTable) floats(int, []float64) []float64 {
	panic("generator: auction has no float fields")
}

func (t *auctionTable) texts(f int, dst []span) ([]byte, []span) {
	dst = dst[:0]
	for i := range t.rows {
		r := &t.rows[i]
		switch f {
		case auctionItemName:
			dst = append(dst, r.item)
		case auctionDescription:
			dst = append(dst, r.desc)
		default:
			dst = append(dst, r.extra)
		}
	}
	if f == auctionExtra {
		return t.g.tab.extra, dst
	}
	return t.g.arena, dst
}

// personTable is the Nexmark person stream.
type personTable struct {
	g    *Nexmark
	rows []personRec
}

func (t *personTable) fields() []fieldSpec { return personFields }
func (t *personTable) eventTime() int      { return personDateTime }
func (t *personTable) reset()              { t.rows, t.g.arena = t.rows[:0], t.g.arena[:0] }
func (t *personTable) len() int            { return len(t.rows) }

func (t *personTable) fill(maxEvents int64, maxRows int) (int, int64) {
	return fillKind(t.g, &t.rows, PersonEvent, t.g.genPerson, maxEvents, maxRows)
}

func (t *personTable) ints(f int, dst []int64) []int64 {
	dst = dst[:0]
	for i := range t.rows {
		if f == personID {
			dst = append(dst, t.rows[i].id)
		} else {
			dst = append(dst, t.rows[i].dateTime)
		}
	}
	return dst
}

func (t *personTable) floats(int, []float64) []float64 {
	panic("generator: person has no float fields")
}

func (t *personTable) texts(f int, dst []span) ([]byte, []span) {
	tab := t.g.tab
	dst = dst[:0]
	var src *strTable
	switch f {
	case personName:
		src = &tab.names
	case personCity:
		src = &tab.cities
	case personState:
		src = &tab.states
	}
	for i := range t.rows {
		r := &t.rows[i]
		switch f {
		case personName:
			dst = append(dst, src.span(int32(r.name)))
		case personCity:
			dst = append(dst, src.span(int32(r.city)))
		case personState:
			dst = append(dst, src.span(int32(r.state)))
		case personEmail:
			dst = append(dst, r.email)
		case personCard:
			dst = append(dst, r.card)
		default:
			dst = append(dst, r.extra)
		}
	}
	switch {
	case src != nil:
		return src.b, dst
	case f == personExtra:
		return tab.extra, dst
	}
	return t.g.arena, dst
}
