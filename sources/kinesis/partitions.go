package kinesis

import (
	"github.com/eddy-sql/eddy/sources"
	"hash/fnv"
	"math"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// shard is one shard of the stream, known from the moment a listing shows
// it. Its reader goroutine fills buf, behind and full; the coordinator sets
// started; the other fields belong to Next.
type shard struct {
	id      string
	parents [2]string // parent and adjacent parent, "" for none
	origin  sources.Origin
	buf     chan chunk     // GetRecords results not yet returned: two at most
	behind  atomic.Int64   // MillisBehindLatest of the last GetRecords; -1 before one
	full    atomic.Bool    // the last GetRecords returned max_records: more may wait
	started atomic.Bool    // its reader runs (its parents are done)
	pending []types.Record // the rest of the chunk Next is taking rows from
	// chunkEnd is the sequence number of the chunk's last record, which
	// the preprocessor may have dropped or failed: the position once
	// pending is empty.
	chunkEnd string
	maxTime  int64     // largest ROWTIME returned; math.MinInt64 none
	last     time.Time // when a row was last returned, or the shard found
	done     bool      // will return no more rows
	children []*shard  // known shards with this one as a parent
	parent   []*shard  // its known parents
}

// newShard returns the state of shard sh, found at now.
func newShard(sh types.Shard, now time.Time) *shard {
	id := aws.ToString(sh.ShardId)
	s := &shard{id: id, parents: [2]string{aws.ToString(sh.ParentShardId), aws.ToString(sh.AdjacentParentShardId)},
		origin: OriginOf(id), buf: make(chan chunk, 2), maxTime: math.MinInt64, last: now}
	s.behind.Store(-1)
	return s
}

// OriginOf returns the sources.Origin of the batches of shard id: the 64-bit
// FNV-1a hash of the shard id, the same in every process, so that state
// keyed by it survives restarts.
func OriginOf(id string) sources.Origin {
	h := fnv.New64a()
	h.Write([]byte(id))
	return sources.Origin(h.Sum64())
}

// ready tells whether Next may return rows of the shard: it is being read
// and Next has returned every row of its parents, so that the records of
// a partition key keep their order across a reshard.
func (sh *shard) ready() bool {
	if !sh.started.Load() {
		return false
	}
	for _, p := range sh.parent {
		if !p.done {
			return false
		}
	}
	return true
}

// buffered tells whether records fetched from the shard wait for Next.
func (sh *shard) buffered() bool { return len(sh.pending) > 0 || len(sh.buf) > 0 }

// backlog tells whether the shard is known to hold records not returned.
func (sh *shard) backlog() bool {
	return !sh.done && (sh.buffered() || sh.behind.Load() > 0 || sh.full.Load())
}

// caughtUp tells whether the last GetRecords found the shard's tip (and
// nothing waits for Next), with no child left unread.
func (sh *shard) caughtUp() bool {
	if !sh.started.Load() || sh.behind.Load() != 0 || sh.full.Load() || sh.buffered() {
		return false
	}
	for _, c := range sh.children {
		if !c.started.Load() {
			return false
		}
	}
	return true
}

// idle tells whether the shard is caught up and has returned no row for
// idle (0: never idle) by now.
func (sh *shard) idle(idle time.Duration, now time.Time) bool {
	return idle > 0 && !sh.done && sh.caughtUp() && now.Sub(sh.last) >= idle
}

// pick returns the shard Next takes its next batch from, or nil when none
// has records it may return now. Shards take turns, and none returns a
// second batch while another that is being read has not returned its
// first (unless it is caught up). With max_skew, a shard whose newest
// ROWTIME is more than max_skew ahead of the slowest shard that is being
// read and neither idle nor done waits (a shard that has not returned a
// row yet counts as the slowest of all). Shards waiting for their parents
// do not count: their parents must go on.
func (s *source) pick(now time.Time) *shard {
	slowest := int64(math.MaxInt64)
	s.starting = false
	for _, sh := range s.view {
		if sh.done || !sh.ready() {
			continue
		}
		if !sh.idle(s.idle, now) {
			slowest = min(slowest, sh.maxTime)
		}
		if sh.maxTime == math.MinInt64 && !sh.caughtUp() {
			s.starting = true
		}
	}
	s.slowest = slowest
	n := len(s.view)
	for i := range n {
		sh := s.view[(s.turn+i)%n]
		if sh.buffered() && sh.ready() && s.aligned(sh) {
			s.turn = (s.turn + i + 1) % n
			return sh
		}
	}
	return nil
}

// aligned tells whether sh is not too far ahead of the slowest shard (as
// of the last pick) to return a batch.
func (s *source) aligned(sh *shard) bool {
	skew := s.maxSkew.Milliseconds()
	switch {
	case sh.maxTime == math.MinInt64:
		return true
	case s.starting:
		return false
	case skew <= 0 || s.slowest == math.MaxInt64:
		return true
	case s.slowest == math.MinInt64:
		return false
	}
	return sh.maxTime-s.slowest <= skew
}

// observe records the newest ROWTIME of rec, a batch of sh.
func (s *source) observe(sh *shard, rec arrow.RecordBatch) {
	if rec.NumRows() == 0 {
		return
	}
	sh.maxTime = sources.NewestRowtime(rec, sh.maxTime)
	sh.last = s.clock()
}

// report takes the snapshot Partitions returns until the next Next.
func (s *source) report() {
	now := s.clock()
	s.parts = s.parts[:0]
	for _, sh := range s.view {
		lag := sh.behind.Load()
		if sh.done {
			lag = 0
		}
		s.parts = append(s.parts, sources.Partition{
			Origin: sh.origin, Name: sh.id, Backlog: sh.backlog(), Idle: sh.idle(s.idle, now), Done: sh.done,
			Watermark: sources.NoWatermark, MaxTime: sh.maxTime, Lag: lag,
		})
	}
}

// Origin returns the origin of the batch Next returned last (for an empty
// batch, of the last batch with rows; 0 before any).
func (s *source) Origin() sources.Origin { return s.origin }

// Partitions returns, after a Next, the state of every shard the source
// knows, sorted by id: the open shards, the closed ones being read or read
// to their end (Done), and the children waiting for their parents. A
// shard counts from the listing that shows it, holding (neither idle nor
// done) until it has been read: it is idle only when the last GetRecords
// found its tip (MillisBehindLatest 0), nothing of it waits, no child of
// it is unread, and it returned no row for idle_timeout (from when it was
// found, when it never did). Lag is MillisBehindLatest (-1 before the
// first GetRecords). The slice is valid until the next Next.
func (s *source) Partitions() []sources.Partition { return s.parts }
