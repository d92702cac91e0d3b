package kinesis

import (
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// shardTime is the event-time progress of one shard.
type shardTime struct {
	maxTime int64     // largest ROWTIME seen, math.MinInt64 before any
	last    time.Time // when the shard last gave a row (or was found)
}

// watermarks tracks the source's watermark: the smallest over its open
// shards of their largest ROWTIME, minus lateness and 1 ms. A shard with no
// row for idle_timeout does not hold it back; when all are idle it
// advances with the time since the last row. It never goes back.
type watermarks struct {
	lateness, idle time.Duration
	shards         map[string]*shardTime
	rows           []string // shard of each row of the batch being built
	maxTime        int64
	lastRow        time.Time
	wm             int64
}

func newWatermarks(lateness, idle time.Duration) *watermarks {
	return &watermarks{lateness: lateness, idle: idle, shards: map[string]*shardTime{},
		maxTime: math.MinInt64, wm: math.MinInt64}
}

// shard returns a shard's state, starting its idle clock at now.
func (w *watermarks) shard(id string, now time.Time) *shardTime {
	st, ok := w.shards[id]
	if !ok {
		st = &shardTime{maxTime: math.MinInt64, last: now}
		w.shards[id] = st
	}
	return st
}

// row notes that the next row of the batch comes from shard id.
func (w *watermarks) row(id string) { w.rows = append(w.rows, id) }

// done forgets a shard read to its end (closed by a reshard).
func (w *watermarks) done(id string) { delete(w.shards, id) }

// observe takes in the ROWTIMEs of a finished batch, whose rows came from
// the shards noted with row, and moves the watermark.
func (w *watermarks) observe(rec arrow.RecordBatch, now time.Time) {
	n := int(rec.NumRows())
	if n > 0 && n == len(w.rows) {
		rt := rec.Column(int(rec.NumCols()) - 1).(*array.Timestamp).Values()
		for i := 0; i < n; i++ {
			st, t := w.shard(w.rows[i], now), int64(rt[i])
			st.maxTime, st.last = max(st.maxTime, t), now
			w.maxTime = max(w.maxTime, t)
		}
		w.lastRow = now
	}
	w.rows = w.rows[:0]
	w.wm = max(w.wm, w.compute(now))
}

func (w *watermarks) compute(now time.Time) int64 {
	lateness := w.lateness.Milliseconds()
	wm, held := int64(math.MaxInt64), false
	for _, st := range w.shards {
		if w.idle > 0 && now.Sub(st.last) >= w.idle {
			continue
		}
		held = true
		if st.maxTime == math.MinInt64 {
			return math.MinInt64
		}
		wm = min(wm, st.maxTime-lateness-1)
	}
	if held {
		return wm
	}
	if w.maxTime == math.MinInt64 {
		return math.MinInt64
	}
	return w.maxTime - lateness - 1 + now.Sub(w.lastRow).Milliseconds()
}

// Watermark returns the source's watermark after the last Next, in ms
// since the epoch (math.MinInt64 while nothing is known), with one
// watermark per shard: a shard that lags holds it back, an idle one does
// not.
func (s *source) Watermark() int64 { return s.wms.wm }
