package window

import "testing"

// TestHotspotsNeighbourCounts checks the incremental neighbour counts
// against a fresh search after every point, evictions included.

func TestHotspotsNeighbourCounts(t *testing.T) {
	t.Parallel()
	o := &hotspotsOp{cfg: HotspotsConfig{WindowSize: 5, ScanRadius: 2, MinPoints: 2}, dim: 1, ring: make([]float64, 5), grid: map[uint64][]int32{}, nb: make([]int32, 5)}
	for i, v := range []float64{0, 1, 10, 0.5, 11, 12, 0.2, 0.3, 30} {
		o.add([]float64{v})
		for s := range int32(o.count) {
			got := o.nb[s]
			o.neighbours(s)
			if int(got) != len(o.nbrs) {
				t.Errorf("after %d: slot %d nb %d, want %d", i, s, got, len(o.nbrs))
			}
		}
	}
}
