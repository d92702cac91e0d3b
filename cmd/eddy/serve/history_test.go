package serve

import (
	"testing"
	"time"
	"unsafe"
)

func TestHistoryRing(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type want struct {
		t               int // seconds after t0
		in, out, errors float64
		lag, wmLag      int64
	}
	cases := []struct {
		name     string
		capacity int
		readings []counterReading
		want     []want
	}{
		{
			name: "the first reading only sets the base", capacity: 4,
			readings: []counterReading{{at: at(0), in: 100, out: 50, running: true}},
			want:     []want{},
		},
		{
			name: "rates are the counters' growth over the interval", capacity: 4,
			readings: []counterReading{
				{at: at(0), in: 100, out: 50, errors: 1, running: true},
				{at: at(10), in: 600, out: 250, errors: 3, lag: 1500, watermarkLag: 2000, running: true},
				{at: at(15), in: 700, out: 250, errors: 3, lag: -1, watermarkLag: 900, running: true},
			},
			want: []want{{10, 50, 20, 0.2, 1500, 2000}, {15, 20, 0, 0, -1, 900}},
		},
		{
			name: "counters back to zero count from zero, never negative", capacity: 4,
			readings: []counterReading{
				{at: at(0), in: 1000, out: 900, errors: 7, running: true},
				{at: at(10), in: 30, out: 20, errors: 0, running: true},
				{at: at(20), in: 130, out: 120, errors: 0, running: true},
			},
			want: []want{{10, 3, 2, 0, 0, 0}, {20, 10, 10, 0, 0, 0}},
		},
		{
			name: "a stopped application has rates of zero and no lag", capacity: 4,
			readings: []counterReading{
				{at: at(0), in: 10, running: true},
				{at: at(10), in: 10, lag: 300, watermarkLag: 400},
			},
			want: []want{{10, 0, 0, 0, -1, -1}},
		},
		{
			name: "a reading at the same instant is skipped", capacity: 4,
			readings: []counterReading{
				{at: at(0), in: 10, running: true},
				{at: at(0), in: 20, running: true},
				{at: at(10), in: 120, running: true},
			},
			want: []want{{10, 10, 0, 0, 0, 0}},
		},
		{
			name: "the ring keeps the newest samples, oldest first", capacity: 3,
			readings: func() []counterReading {
				var rs []counterReading
				for i := 0; i <= 7; i++ {
					rs = append(rs, counterReading{at: at(10 * i), in: int64(i * i * 10), running: true})
				}
				return rs
			}(),
			// in over [10(i-1), 10i] is (i² - (i-1)²) rows/s: 2i - 1.
			want: []want{{50, 9, 0, 0, 0, 0}, {60, 11, 0, 0, 0, 0}, {70, 13, 0, 0, 0, 0}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHistoryRing(tc.capacity)
			for _, r := range tc.readings {
				h.add(r)
			}
			got := h.list()
			if len(got) != len(tc.want) {
				t.Fatalf("%d samples %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Time != at(w.t).UnixMilli() || g.In != w.in || g.Out != w.out || g.Errors != w.errors || g.Lag != w.lag || g.WatermarkLag != w.wmLag {
					t.Errorf("sample %d = %+v, want %+v", i, g, w)
				}
				if g.In < 0 || g.Out < 0 || g.Errors < 0 {
					t.Errorf("sample %d has a negative rate: %+v", i, g)
				}
			}
		})
	}
}

// TestHistoryRingIsBounded: an hour of samples at the default interval
// stays within its fixed storage, whatever the number of readings.
func TestHistoryRingIsBounded(t *testing.T) {
	t.Parallel()
	h := newHistoryRing(DefaultHistorySamples)
	t0 := time.Unix(0, 0)
	for i := 0; i < 5*DefaultHistorySamples; i++ {
		h.add(counterReading{at: t0.Add(time.Duration(i) * DefaultSampleInterval), in: int64(i), running: true})
	}
	if len(h.samples) != DefaultHistorySamples || cap(h.samples) != DefaultHistorySamples {
		t.Fatalf("ring holds %d samples in %d, want %d", len(h.samples), cap(h.samples), DefaultHistorySamples)
	}
	got := h.list()
	if last := got[len(got)-1].Time; last != t0.Add(time.Duration(5*DefaultHistorySamples-1)*DefaultSampleInterval).UnixMilli() {
		t.Fatalf("newest sample at %d", last)
	}
	if size := int(unsafe.Sizeof(Sample{})) * DefaultHistorySamples; size > 20<<10 {
		t.Fatalf("an hour of samples takes %d bytes, want at most 20 KiB", size)
	}
}
