package rcf

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// series returns n rows of cols values: noisy sines, with anomalies (a
// jump of 6–10 standard deviations in one column) at the returned rows.
func series(seed uint64, n, cols int, every int) ([]float64, map[int]bool) {
	r := rand.New(rand.NewPCG(seed, 7))
	vals := make([]float64, n*cols)
	anom := map[int]bool{}
	for i := range n {
		for c := range cols {
			vals[i*cols+c] = 10*math.Sin(float64(i)/20+float64(c)) + r.NormFloat64()
		}
		if i > 300 && r.IntN(every) == 0 {
			c := r.IntN(cols)
			sign := 1.0
			if r.IntN(2) == 0 {
				sign = -1
			}
			vals[i*cols+c] += sign * (6 + 4*r.Float64()) * 3
			anom[i] = true
		}
	}
	return vals, anom
}

// auc is the probability that a random anomaly outscores a random normal
// row (ties count half).
func auc(scores []float64, anom map[int]bool, from int) float64 {
	type sc struct {
		s float64
		a bool
	}
	var all []sc
	for i := from; i < len(scores); i++ {
		all = append(all, sc{scores[i], anom[i]})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s < all[j].s })
	var pos, neg, rankSum float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].s == all[i].s {
			j++
		}
		mid := float64(i+j+1) / 2 // average 1-based rank
		for k := i; k < j; k++ {
			if all[k].a {
				rankSum += mid
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

func TestAnomaliesRankHighest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		cols    int
		shingle int
	}{
		{"one_column", 1, 1},
		{"three_columns", 3, 1},
		{"shingled", 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vals, anom := series(1, 4000, tc.cols, 50)
			f, err := New(Config{Columns: tc.cols, Shingle: tc.shingle, Trees: 100, SampleSize: 256, TimeDecay: 1e-5, Warmup: 256, Seed: 42})
			if err != nil {
				t.Fatal(err)
			}
			scores := make([]float64, 4000)
			f.Process(vals, scores, nil)
			for i := range 256 + tc.shingle - 1 {
				if scores[i] != 0 {
					t.Fatalf("row %d scored %v during warm-up", i, scores[i])
				}
			}
			got := auc(scores, anom, 300)
			t.Logf("AUC %.4f over %d anomalies", got, len(anom))
			if got < 0.9 {
				t.Errorf("AUC %.3f < 0.9", got)
			}
		})
	}
}

func TestDeterministicAcrossBatchesAndRestore(t *testing.T) {
	t.Parallel()
	cfg := Config{Columns: 2, Shingle: 2, Trees: 30, SampleSize: 64, TimeDecay: 1e-3, Warmup: 64, Seed: 9}
	vals, _ := series(3, 1200, 2, 40)
	whole := run(t, cfg, vals, 1200, nil)
	for _, batch := range []int{1, 7, 500} {
		got := run(t, cfg, vals, batch, nil)
		for i := range whole {
			if got[i] != whole[i] {
				t.Fatalf("batch %d: row %d scored %v, in one batch %v", batch, i, got[i], whole[i])
			}
		}
	}
	// Snapshot after 700 rows, restore into a new forest: same future.
	f, _ := New(cfg)
	s := make([]float64, 1200)
	f.Process(vals[:1400], s[:700], nil)
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	g, _ := New(cfg)
	if err := g.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	g.Process(vals[1400:], s[700:], nil)
	for i := range whole {
		if s[i] != whole[i] {
			t.Fatalf("restored: row %d scored %v, uninterrupted %v", i, s[i], whole[i])
		}
	}
	other := cfg
	other.Seed = 10
	h, _ := New(other)
	if err := h.UnmarshalBinary(b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("restore into another configuration: %v, want ErrCorrupt", err)
	}
	for _, cut := range []int{0, 10, len(b) / 2, len(b) - 1} {
		if err := g.UnmarshalBinary(b[:cut]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d bytes: %v, want ErrCorrupt", cut, err)
		}
	}
}

func run(t *testing.T, cfg Config, vals []float64, batch int, attr []float64) []float64 {
	t.Helper()
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := len(vals) / cfg.Columns
	out := make([]float64, n)
	for i := 0; i < n; i += batch {
		j := min(i+batch, n)
		var a []float64
		if attr != nil {
			a = attr[i*2*cfg.Columns : j*2*cfg.Columns]
		}
		f.Process(vals[i*cfg.Columns:j*cfg.Columns], out[i:j], a)
	}
	return out
}

func TestAttributionSumsToScore(t *testing.T) {
	t.Parallel()
	cfg := Config{Columns: 3, Shingle: 1, Trees: 50, SampleSize: 128, TimeDecay: 1e-4, Warmup: 128, Seed: 5}
	vals, anom := series(11, 2000, 3, 30)
	attr := make([]float64, 2000*6)
	scores := run(t, cfg, vals, 2000, attr)
	plain := run(t, cfg, vals, 2000, nil)
	right := 0
	for i, s := range scores {
		if math.Abs(s-plain[i]) > 1e-9*max(1, s) {
			t.Fatalf("row %d: score with attribution %v, without %v", i, s, plain[i])
		}
		sum := 0.0
		for _, v := range attr[i*6 : i*6+6] {
			if v < 0 {
				t.Fatalf("row %d: negative attribution %v", i, v)
			}
			sum += v
		}
		if math.Abs(sum-s) > 1e-9*max(1, s) {
			t.Fatalf("row %d: attributions sum to %v, score %v", i, sum, s)
		}
		if anom[i] && i > 300 {
			// The column that jumped carries the most attribution.
			best, bc := -1.0, -1
			for c := range 3 {
				if a := attr[i*6+c] + attr[i*6+3+c]; a > best {
					best, bc = a, c
				}
			}
			base := vals[i*3+bc] - 10*math.Sin(float64(i)/20+float64(bc))
			if math.Abs(base) > 6 {
				right++
			}
		}
	}
	n := 0
	for i := range anom {
		if i > 300 {
			n++
		}
	}
	if float64(right) < 0.8*float64(n) {
		t.Errorf("the jumped column had the largest attribution in %d of %d anomalies", right, n)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Columns: 0, Shingle: 1, Trees: 1, SampleSize: 10},
		{Columns: 1, Shingle: 0, Trees: 1, SampleSize: 10},
		{Columns: 1, Shingle: 1, Trees: 0, SampleSize: 10},
		{Columns: 1, Shingle: 1, Trees: 1, SampleSize: 1},
		{Columns: 1, Shingle: 1, Trees: 1, SampleSize: 10, TimeDecay: -1},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
}

func BenchmarkForest(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cols  int
		batch int
		attr  bool
	}{
		{"cols=1/batch=1", 1, 1, false},
		{"cols=1/batch=1024", 1, 1024, false},
		{"cols=4/batch=1024", 4, 1024, false},
		{"cols=4/batch=1024/explain", 4, 1024, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			vals, _ := series(1, 8192, bc.cols, 50)
			f, _ := New(Config{Columns: bc.cols, Shingle: 1, Trees: 100, SampleSize: 256, TimeDecay: 1e-5, Warmup: 256, Seed: 1})
			scores := make([]float64, bc.batch)
			var attr []float64
			if bc.attr {
				attr = make([]float64, bc.batch*2*bc.cols)
			}
			// warm the forest past its sample size
			warm := make([]float64, 1024)
			f.Process(vals[:1024*bc.cols], warm, nil)
			b.ReportAllocs()
			b.ResetTimer()
			events := 0
			for i := 0; b.Loop(); i++ {
				off := (i * bc.batch) % (8192 - bc.batch)
				var a []float64
				if attr != nil {
					a = attr
				}
				f.Process(vals[off*bc.cols:(off+bc.batch)*bc.cols], scores, a)
				events += bc.batch
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// TestMassesCountTheSample checks every tree's masses after a stream with
// many repeated values: the root holds the sample size, each internal node
// the sum of its children, and the leaves' masses the sample's entries.
func TestMassesCountTheSample(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(2, 2))
	vals := make([]float64, 3000)
	for i := range vals {
		vals[i] = float64(r.IntN(20)) // many duplicates
	}
	f, _ := New(Config{Columns: 1, Shingle: 1, Trees: 10, SampleSize: 32, TimeDecay: 1e-3, Warmup: 32, Seed: 3})
	f.Process(vals, make([]float64, len(vals)), nil)
	for k := range f.trees {
		tr := &f.trees[k]
		if got := tr.nodes[tr.root].Mass; int(got) != len(tr.sample) {
			t.Fatalf("tree %d: root mass %d, sample %d", k, got, len(tr.sample))
		}
		perLeaf := map[int32]int32{}
		for _, e := range tr.sample {
			perLeaf[e.leaf]++
		}
		var walk func(n int32) int32
		walk = func(n int32) int32 {
			nd := tr.nodes[n]
			if nd.Left < 0 {
				if perLeaf[n] != nd.Mass {
					t.Fatalf("tree %d: leaf %d mass %d, sampled %d times", k, n, nd.Mass, perLeaf[n])
				}
				return nd.Mass
			}
			if m := walk(nd.Left) + walk(nd.Right); m != nd.Mass {
				t.Fatalf("tree %d: node %d mass %d, children %d", k, n, nd.Mass, m)
			}
			return nd.Mass
		}
		walk(tr.root)
	}
}
