package generator

import (
	"fmt"
	"math"
	"time"
)

// Fixed parameters of the Nexmark model (SPEC §2), identical in the Flink,
// Beam and RisingWave generators.
const (
	personProportion    = 1
	auctionProportion   = 3
	bidProportion       = 46
	totalProportion     = personProportion + auctionProportion + bidProportion
	firstPersonID       = 1000
	firstAuctionID      = 1000
	firstCategoryID     = 10
	numCategories       = 5
	personIDLead        = 10
	auctionIDLead       = 10
	hotBatch            = 100 // the batch size of the hot-id rules
	hotAuctionRatio     = 2
	hotBiddersRatio     = 4
	hotSellersRatio     = 4
	hotChannelsRatio    = 2
	channelsNumber      = 10000
	numInFlightAuctions = 100
	numActivePeople     = 1000
	avgPersonByteSize   = 200
	avgAuctionByteSize  = 500
	avgBidByteSize      = 100
	maxEventRate        = 1e12
)

// DefaultBaseTime returns the event time of event number 0 unless
// configured: 2015-07-15T00:00:00Z, the base time of Beam's Nexmark tests.
func DefaultBaseTime() time.Time { return time.Date(2015, 7, 15, 0, 0, 0, 0, time.UTC) }

// DefaultEventRate is the default event-time spacing in events per second.
const DefaultEventRate = 10000

// NexmarkConfig configures a Nexmark event sequence. The zero value is the
// project default: base time DefaultBaseTime, DefaultEventRate events per
// second of event time, first event id and number 0 and seed 0, which is the
// sequence of SPEC §3 exactly.
type NexmarkConfig struct {
	// BaseTime is the event time of event number 0; zero means DefaultBaseTime.
	BaseTime time.Time
	// EventRate is the number of events per second of event time (it spaces
	// the DATE_TIME values, not wall-clock emission); 0 means DefaultEventRate.
	EventRate float64
	// FirstEventID is added to each event number to make the event id that
	// seeds it (Flink uses 1, Beam and this project 0).
	FirstEventID int64
	// FirstEventNumber is the number of the first event (Flink uses 1).
	FirstEventNumber int64
	// Seed is XORed into every per-event seed; 0 reproduces the spec.
	Seed int64
}

// timeline holds the numbering and timestamp rules of SPEC §3.1–3.3 for one
// generator (outOfOrderGroupSize 1, one generator).
type timeline struct {
	baseMs       int64
	delayUs      float64
	firstEventID int64
	firstNumber  int64
}

func newTimeline(cfg NexmarkConfig) (timeline, error) {
	base := cfg.BaseTime
	if base.IsZero() {
		base = DefaultBaseTime()
	}
	rate := cfg.EventRate
	if rate == 0 {
		rate = DefaultEventRate
	}
	if !(rate > 0) || rate > maxEventRate || math.IsInf(rate, 0) {
		return timeline{}, fmt.Errorf("generator: nexmark event rate %v must be in (0, %g]", cfg.EventRate, float64(maxEventRate))
	}
	if cfg.FirstEventID < 0 || cfg.FirstEventNumber < 0 {
		return timeline{}, fmt.Errorf("generator: nexmark first event id %d and number %d must not be negative", cfg.FirstEventID, cfg.FirstEventNumber)
	}
	return timeline{
		baseMs:       base.UnixMilli(),
		delayUs:      1_000_000.0 / rate,
		firstEventID: cfg.FirstEventID,
		firstNumber:  cfg.FirstEventNumber,
	}, nil
}

// number is the adjusted event number of the k-th event (k from 0); with
// an out-of-order group size of 1 it equals the event number.
func (t *timeline) number(k int64) int64 { return t.firstNumber + k }

// eventID is the id of the k-th event: it fixes the kind and seeds the fields.
func (t *timeline) eventID(k int64) int64 { return t.firstEventID + t.number(k) }

// timestamp is timestampForEvent(num) in epoch milliseconds.
func (t *timeline) timestamp(num int64) int64 {
	return t.baseMs + int64(float64(num)*t.delayUs)/1000
}

// EventKind is the kind of a Nexmark event.
type EventKind int

// The Nexmark event kinds, numbered as the reference event_type column.
const (
	PersonEvent EventKind = iota
	AuctionEvent
	BidEvent
)

// String returns "person", "auction" or "bid".
func (k EventKind) String() string {
	switch k {
	case PersonEvent:
		return "person"
	case AuctionEvent:
		return "auction"
	case BidEvent:
		return "bid"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// kindOf is the kind of the event with id eid (SPEC §3.2).
func kindOf(eid int64) EventKind {
	rem := eid % totalProportion
	switch {
	case rem < personProportion:
		return PersonEvent
	case rem < personProportion+auctionProportion:
		return AuctionEvent
	}
	return BidEvent
}

// lastBase0PersonID is the base-0 id of the newest person at event eid.
func lastBase0PersonID(eid int64) int64 {
	epoch, off := eid/totalProportion, eid%totalProportion
	if off >= personProportion {
		off = personProportion - 1
	}
	return epoch*personProportion + off
}

// lastBase0AuctionID is the base-0 id of the newest auction at event eid.
func lastBase0AuctionID(eid int64) int64 {
	epoch, off := eid/totalProportion, eid%totalProportion
	switch {
	case off < personProportion:
		epoch--
		off = auctionProportion - 1
	case off >= personProportion+auctionProportion:
		off = auctionProportion - 1
	default:
		off -= personProportion
	}
	return epoch*auctionProportion + off
}

// nextBase0PersonID picks a recently active person, possibly a few ids
// ahead of the newest.
func nextBase0PersonID(eid int64, r *javaRandom) int64 {
	num := lastBase0PersonID(eid) + 1
	active := min(num, numActivePeople)
	return num - active + r.nextBounded(active+personIDLead)
}

// nextBase0AuctionID picks an auction in flight, possibly a few ids ahead of
// the newest.
func nextBase0AuctionID(eid int64, r *javaRandom) int64 {
	hi := lastBase0AuctionID(eid)
	lo := max(hi-numInFlightAuctions, 0)
	return lo + r.nextBounded(hi-lo+1+auctionIDLead)
}
