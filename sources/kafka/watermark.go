package kafka

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// observe records the ROWTIME of each row of rec in its partition's state.
func (s *source) observe(rec arrow.RecordBatch) {
	n := int(rec.NumRows())
	if n > 0 {
		now := s.clock()
		rt := rec.Column(int(rec.NumCols()) - 1).(*array.Timestamp).Values()
		for i := 0; i < n && i < len(s.rowParts); i++ {
			st, t := s.rowParts[i], int64(rt[i])
			st.maxTime = max(st.maxTime, t)
			st.last = now
			s.maxTime = max(s.maxTime, t)
		}
		s.lastRow = now
	}
	s.wm = max(s.wm, s.computeWatermark())
}

// Watermark returns the source's watermark after the last Next, in ms
// since the epoch (math.MinInt64 while nothing is known): the smallest
// over the partitions it reads of their largest ROWTIME, minus lateness
// and 1 ms. A partition with no row for idle_timeout does not hold it
// back; when all are idle, it advances with the time since the last row,
// as the engine's per-stream watermark does. It never goes back.
func (s *source) Watermark() int64 { return s.wm }

func (s *source) computeWatermark() int64 {
	if s.eof {
		return math.MaxInt64
	}
	now := s.clock()
	lateness := s.cfg.lateness.Milliseconds()
	wm, held := int64(math.MaxInt64), false
	consider := func(st *partState) {
		quiet := now.Sub(st.last)
		if s.cfg.idle > 0 && quiet >= s.cfg.idle {
			return
		}
		held = true
		if st.maxTime == math.MinInt64 {
			wm = math.MinInt64
			return
		}
		wm = min(wm, st.maxTime-lateness-1)
	}
	if s.cfg.group != "" {
		s.mu.Lock()
		for p, at := range s.owned {
			st := s.state(p)
			if st.last.Before(at) { // (re)assigned: idle counts from then
				st.last = at
			}
			consider(st)
		}
		s.mu.Unlock()
	} else {
		for _, st := range s.parts {
			if st.active {
				consider(st)
			}
		}
	}
	if held {
		return wm
	}
	if s.maxTime == math.MinInt64 {
		return math.MinInt64
	}
	// Every partition is idle: advance with processing time.
	return s.maxTime - lateness - 1 + now.Sub(s.lastRow).Milliseconds()
}
