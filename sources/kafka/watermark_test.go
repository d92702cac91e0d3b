package kafka

import (
	"math"
	"testing"
	"time"
)

func TestWatermarkIsMinimumOverActivePartitions(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(1_000_000)
	tests := []struct {
		name string
		a, b partState // maxTime and how long ago the last row came (last)
		want int64
	}{
		{"the slower partition holds it back", partState{maxTime: 5000, last: now}, partState{maxTime: 3000, last: now}, 2999},
		{"a partition with no row holds it back", partState{maxTime: 5000, last: now}, partState{maxTime: math.MinInt64, last: now}, math.MinInt64},
		{"an idle partition does not", partState{maxTime: 5000, last: now}, partState{maxTime: 3000, last: now.Add(-2 * time.Second)}, 4999},
		{"all idle: advances with the time since the last row", partState{maxTime: 5000, last: now.Add(-3 * time.Second)}, partState{maxTime: 3000, last: now.Add(-3 * time.Second)}, 4999 + 3000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &source{clock: func() time.Time { return now }, cfg: config{idle: time.Second}, parts: map[tp]*partState{}}
			a, b := tc.a, tc.b
			a.active, b.active = true, true
			s.parts[tp{"t", 0}], s.parts[tp{"t", 1}] = &a, &b
			s.maxTime = max(a.maxTime, b.maxTime)
			if a.last.After(b.last) {
				s.lastRow = a.last
			} else {
				s.lastRow = b.last
			}
			if got := s.computeWatermark(); got != tc.want {
				t.Errorf("watermark %d, want %d", got, tc.want)
			}
		})
	}
}
