package exec

import (
	"errors"
	"math"
)

// Event time in Eddy follows one model (see window.Tracker for the rules):
//
//   - Every batch comes from one partition of its input, its Origin: a
//     Kafka partition, a Kinesis shard, one file of a glob, a writer of an
//     in-application stream. Operators that pass rows through unchanged in
//     order (filter, project) keep their input's origins.
//   - A source (or a stream, or a stateful operator) also tells what it
//     knows of all its partitions, including those that have not delivered
//     a row yet: whether a partition has unread backlog, is idle (caught up
//     and silent for idle_timeout), is done (will deliver no more rows), and
//     any explicit watermark it promises.
//   - The watermark itself is computed where event time is used (windows),
//     from the rows of each origin and these partition states: per
//     partition, its largest event time minus the allowed lateness; over
//     the input, the minimum over the partitions that are neither idle nor
//     done. A row is late only when it is behind its own origin's
//     watermark, so results never depend on batch boundaries or on how
//     partitions interleave.

// Origin identifies the partition a batch came from. Origins are opaque
// numbers; a stream mixes each writer's origins with the writer's id
// (MixOrigin), so origins from different writers never collide.
type Origin uint64

// Partition is what an input knows about one of its partitions after a
// Next. The zero value, with Watermark set to NoWatermark, is a partition
// that holds the watermark back until it delivers rows.
type Partition struct {
	// Origin is the origin of the partition's batches.
	Origin Origin
	// Name names the partition for messages and metrics: "orders/3",
	// "shardId-000000000001", a file path.
	Name string
	// Backlog is set while the partition is known to have unread data
	// (a Kafka position below the high-water mark, a Kinesis shard behind
	// its tip or with an unread child, a file not read to its end). Such a
	// partition is never idle.
	Backlog bool
	// Idle is set when the partition is caught up and has delivered no row
	// for the source's idle_timeout: it does not hold the watermark back
	// until it delivers again.
	Idle bool
	// Done is set when the partition will deliver no more rows (a file read
	// to its end, a closed Kinesis shard read to its end).
	Done bool
	// Watermark, when not NoWatermark, is a promise in ms since the epoch
	// on ROWTIME: no row at or below it will come from this partition. A
	// windowed operator's output carries one; sources leave it unset and
	// the watermark is derived from the rows.
	Watermark int64
	// MaxTime is the largest ROWTIME the partition has delivered
	// (math.MinInt64 before its first row); informative, like Lag.
	MaxTime int64
	// Lag is how far behind the partition is, in the source's unit (Kafka:
	// messages behind the high-water mark; Kinesis: MillisBehindLatest); -1
	// when unknown. It is informative (metrics, EXPLAIN), not a rule input.
	Lag int64
}

// NoWatermark is Partition.Watermark's "no promise" value.
const NoWatermark = math.MinInt64

// Partitioned is implemented by operators and sources that know their
// partitions. After each Next, Origin returns the origin of the batch Next
// returned and Partitions the state of every partition known (the caller
// must not modify or keep the slice past the next call to Next). An
// operator that is not Partitioned has one partition, origin 0.
type Partitioned interface {
	Origin() Origin
	Partitions() []Partition
}

// ErrStopped is returned by Next instead of io.EOF when the input ended
// because the job is stopping, not because the data ended: operators keep
// their open state (windows stay open, to be checkpointed and continued by
// the next run) instead of flushing it.
var ErrStopped = errors.New("exec: input stopped before its end")

// OriginOf returns the origin of op's last batch (0 when op is not
// Partitioned).
func OriginOf(op Operator) Origin {
	if p, ok := op.(Partitioned); ok {
		return p.Origin()
	}
	return 0
}

// PartitionsOf returns op's partitions after its last Next; an operator
// that is not Partitioned has a single partition of origin 0 with no
// explicit watermark, unless it is a Watermarker with a known watermark,
// which becomes that partition's promise.
func PartitionsOf(op Operator) []Partition {
	if p, ok := op.(Partitioned); ok {
		return p.Partitions()
	}
	wm := int64(NoWatermark)
	if w, ok := op.(Watermarker); ok {
		wm = w.Watermark()
	}
	return []Partition{{Watermark: wm, MaxTime: math.MinInt64, Lag: -1}}
}

// MixOrigin returns the origin a stream gives a batch of origin o from its
// writer w: distinct writers' origins do not collide.
func MixOrigin(w int, o Origin) Origin {
	x := uint64(o) ^ (uint64(w)+1)*0x9E3779B97F4A7C15
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return Origin(x)
}
