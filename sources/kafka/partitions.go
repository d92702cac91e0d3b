package kafka

import (
	"github.com/eddy-sql/eddy/sources"
	"hash/fnv"
	"math"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// part is one partition the source reads. Its fetcher goroutine fills buf
// and hwm; the other fields belong to Next (and to Position and Seek,
// which never run concurrently with it).
type part struct {
	p      tp
	origin sources.Origin
	name   string
	// buf holds fetched messages not yet returned: a few batches at most,
	// the fetcher blocks when it is full.
	buf chan fetched
	// hwm is the partition's high-water mark as of the last fetch (or
	// offset listing); start the offset reading started at. -1 unknown.
	hwm, start atomic.Int64

	next    int64     // offset after the last row returned; -1 none
	maxTime int64     // largest ROWTIME returned; math.MinInt64 none
	last    time.Time // when the last row was returned, or the partition assigned
	ended   bool      // stop_at_end: read to the end it had at open
	active  bool      // read by this source now (assigned to it, with a group)
}

// newPart returns the state of partition p with a buffer of size
// messages.
func newPart(p tp, size int) *part {
	pt := &part{p: p, origin: OriginOf(p.topic, p.partition), name: p.String(), buf: make(chan fetched, size),
		next: -1, maxTime: math.MinInt64}
	pt.hwm.Store(-1)
	pt.start.Store(-1)
	return pt
}

// OriginOf returns the sources.Origin of the batches of partition partition
// of topic: the 64-bit FNV-1a hash of "topic/partition", the same in every
// process, so that state keyed by it survives restarts.
func OriginOf(topic string, partition int) sources.Origin {
	h := fnv.New64a()
	h.Write([]byte(tp{topic, partition}.String()))
	return sources.Origin(h.Sum64())
}

// position returns the offset the partition is at: after its last row
// returned, else where reading started; -1 unknown.
func (pt *part) position() int64 {
	if pt.next >= 0 {
		return pt.next
	}
	return pt.start.Load()
}

// lag returns the messages between the position and the high-water mark,
// -1 when either is unknown.
func (pt *part) lag() int64 {
	hwm, pos := pt.hwm.Load(), pt.position()
	if hwm < 0 || pos < 0 {
		return -1
	}
	return max(0, hwm-pos)
}

// backlog tells whether the partition has messages known but not returned.
func (pt *part) backlog() bool { return len(pt.buf) > 0 || pt.lag() > 0 }

// idle tells whether the partition is caught up (its position at the
// high-water mark of the last fetch, nothing buffered) and has returned no
// row for idle (0: never idle) by now.
func (pt *part) idle(idle time.Duration, now time.Time) bool {
	return idle > 0 && !pt.ended && pt.lag() == 0 && len(pt.buf) == 0 && now.Sub(pt.last) >= idle
}

// pick returns the partition Next takes its next batch from, or nil when
// none has messages it may return now. Partitions take turns, and none
// returns a second batch while another with backlog has not returned its
// first. With max_skew, a partition whose newest ROWTIME is more than
// max_skew ahead of the slowest partition that is neither idle nor ended
// waits (a partition that has not returned a row yet counts as the
// slowest of all, backlog or not).
func (s *source) pick(now time.Time) *part {
	slowest := int64(math.MaxInt64)
	s.starting = false
	for _, pt := range s.active {
		if !pt.ended && !pt.idle(s.cfg.idle, now) {
			slowest = min(slowest, pt.maxTime)
		}
		if pt.maxTime == math.MinInt64 && !pt.ended && pt.backlog() {
			s.starting = true
		}
	}
	s.slowest = slowest
	n := len(s.active)
	for i := range n {
		pt := s.active[(s.turn+i)%n]
		if len(pt.buf) > 0 && s.aligned(pt) {
			s.turn = (s.turn + i + 1) % n
			return pt
		}
	}
	return nil
}

// aligned tells whether pt is not too far ahead of the slowest partition
// (as of the last pick) to return a batch.
func (s *source) aligned(pt *part) bool {
	skew := s.cfg.maxSkew.Milliseconds()
	switch {
	case pt.maxTime == math.MinInt64:
		return true
	case s.starting:
		return false
	case skew <= 0 || s.slowest == math.MaxInt64:
		return true
	case s.slowest == math.MinInt64:
		return false
	}
	return pt.maxTime-s.slowest <= skew
}

// othersReady tells whether a partition other than pt has messages it may
// return now.
func (s *source) othersReady(pt *part) bool {
	for _, o := range s.active {
		if o != pt && len(o.buf) > 0 && s.aligned(o) {
			return true
		}
	}
	return false
}

// observe records the newest ROWTIME of rec, a batch of pt.
func (s *source) observe(pt *part, rec arrow.RecordBatch) {
	if rec.NumRows() == 0 {
		return
	}
	pt.maxTime = sources.NewestRowtime(rec, pt.maxTime)
	pt.last = s.clock()
}

// report takes the snapshot Partitions returns until the next Next.
func (s *source) report() {
	now := s.clock()
	s.view = s.view[:0]
	for _, pt := range s.active {
		s.view = append(s.view, sources.Partition{
			Origin: pt.origin, Name: pt.name, Backlog: pt.backlog(), Idle: pt.idle(s.cfg.idle, now),
			Done: pt.ended, Watermark: sources.NoWatermark, MaxTime: pt.maxTime, Lag: pt.lag(),
		})
	}
}

// Origin returns the origin of the batch Next returned last (for an empty
// batch, of the last batch with rows; 0 before any).
func (s *source) Origin() sources.Origin { return s.origin }

// Partitions returns, after a Next, the state of every partition the
// source reads: with a group, those assigned to it; otherwise every
// partition of its topics. Backlog: messages known beyond the position;
// Idle: caught up with the high-water mark of the last fetch and no row
// for idle_timeout (counted from the assignment when none came yet);
// Done: read to its end with stop_at_end; Lag: messages behind the
// high-water mark. The slice is valid until the next Next.
func (s *source) Partitions() []sources.Partition { return s.view }
