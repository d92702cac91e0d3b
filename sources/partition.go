package sources

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Origin identifies the partition a batch came from (a Kafka partition, a
// Kinesis shard, a file of a glob). It must be stable across restarts: the
// engine keys event-time state by it. The engine's exec.Origin mirrors it.
type Origin uint64

// Partition is what a source knows about one of its partitions after a
// Next; the engine turns it into an exec.Partition, field for field, and
// its window operators derive watermarks from it (a source computes none).
type Partition struct {
	// Origin is the origin of the partition's batches.
	Origin Origin
	// Name names the partition for messages and metrics.
	Name string
	// Backlog is set while the partition is known to have unread data; such
	// a partition is never idle.
	Backlog bool
	// Idle is set when the partition is caught up and has delivered no row
	// for idle_timeout: it does not hold the watermark back.
	Idle bool
	// Done is set when the partition will deliver no more rows.
	Done bool
	// Watermark is an explicit promise on ROWTIME (NoWatermark: none, the
	// usual case for a source).
	Watermark int64
	// MaxTime is the largest ROWTIME delivered (math.MinInt64 before the
	// first row).
	MaxTime int64
	// Lag is how far behind the partition is in the source's unit (Kafka:
	// messages; Kinesis: MillisBehindLatest), -1 when unknown.
	Lag int64
}

// NoWatermark is Partition.Watermark's "no promise" value.
const NoWatermark = math.MinInt64

// Partitioned is implemented by sources that read several partitions.
// After each Next, Origin returns the origin of the batch Next returned
// (every batch holds rows of one partition) and Partitions the state of
// every partition the source owns, including those that have not
// delivered yet. The slice is valid until the next Next. A source that is
// not Partitioned has one partition, origin 0.
type Partitioned interface {
	Origin() Origin
	Partitions() []Partition
}

// NewestRowtime returns the larger of newest and the largest ROWTIME of
// rec (ROWTIME is a source batch's last column; NULLs are skipped): how a
// source keeps a partition's MaxTime.
func NewestRowtime(rec arrow.RecordBatch, newest int64) int64 {
	if rec == nil || rec.NumRows() == 0 {
		return newest
	}
	col := rec.Column(int(rec.NumCols()) - 1).(*array.Timestamp)
	for i, v := range col.Values() {
		if int64(v) > newest && col.IsValid(i) {
			newest = int64(v)
		}
	}
	return newest
}
