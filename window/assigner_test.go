package window

import (
	"slices"
	"testing"
	"time"
)

// Hopping windows start at multiples of the slide (plus the offset), as in
// Flink, also when the size is not a multiple of the slide.
func TestHoppingWindowsStartAtMultiplesOfTheSlide(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                string
		size, slide, offset time.Duration
		ts                  int64
		wantStarts          []int64
	}{
		{name: "size a multiple of the slide", size: 10 * time.Second, slide: 5 * time.Second, ts: 12_000, wantStarts: []int64{5_000, 10_000}},
		{name: "size not a multiple of the slide", size: 10 * time.Second, slide: 4 * time.Second, ts: 13_000, wantStarts: []int64{4_000, 8_000, 12_000}},
		{name: "with an offset", size: 10 * time.Second, slide: 4 * time.Second, offset: time.Second, ts: 13_000, wantStarts: []int64{5_000, 9_000, 13_000}},
		{name: "at a window start", size: 3 * time.Second, slide: 2 * time.Second, ts: 4_000, wantStarts: []int64{2_000, 4_000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := Hopping(tc.size, tc.slide, tc.offset)
			if err != nil {
				t.Fatal(err)
			}
			var starts []int64
			for _, b := range a.(assignerSpec).Windows(tc.ts, nil) {
				if b.End-b.Start != int64(tc.size/time.Millisecond) {
					t.Fatalf("window %v is not %v long", b, tc.size)
				}
				starts = append(starts, b.Start)
			}
			slices.Sort(starts)
			if !slices.Equal(starts, tc.wantStarts) {
				t.Fatalf("windows of %d start at %v, want %v", tc.ts, starts, tc.wantStarts)
			}
		})
	}
}
