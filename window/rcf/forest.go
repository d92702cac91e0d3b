// Package rcf is a robust random cut forest (Guha, Mishra, Roy and
// Schrijvers, "Robust Random Cut Forest Based Anomaly Detection on
// Streams", ICML 2016) for streaming anomaly scores, scored the way AWS's
// open-source random-cut-forest library scores: per tree, from the leaf a
// point falls in back to the root, each ancestor mixes in 1/(depth+1) with
// the probability that a random cut of its box widened by the point
// separates the point; a point the tree already holds scores
// (1 − mass/2·treeMass)/(depth + log2(mass+1)); each tree's score is scaled
// by log2(treeMass+1) and the forest averages its trees. Attribution
// splits that score per dimension and direction (a DiVector) so that the
// parts sum to the score.
//
// Each tree keeps a time-decayed reservoir sample (weights −λ·seq +
// log(−log u), the smallest SampleSize kept). Trees, their samples and
// their random generators live in flat arrays; a Forest is deterministic
// for a seed and serializes with MarshalBinary. It knows nothing of Arrow
// or SQL (package window wraps it as an operator).
//
// A Forest is used by one goroutine at a time; Process spreads the trees
// over goroutines it waits for.
package rcf

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Config configures a forest.
type Config struct {
	// Columns is the number of values per row; Shingle the number of
	// consecutive rows that make one point (Columns·Shingle dimensions).
	Columns, Shingle int
	// Trees is the number of trees; SampleSize the points each tree keeps.
	Trees, SampleSize int
	// TimeDecay is λ: how strongly sampling favours recent points
	// (0: uniform over the whole stream).
	TimeDecay float64
	// Warmup is the number of points scored 0 at the start (the model
	// learns from them; KDA: the first subSampleSize rows).
	Warmup int
	// Seed makes the forest deterministic.
	Seed uint64
}

// Forest is a robust random cut forest over a stream of rows.
type Forest struct {
	cfg   Config
	dim   int
	trees []tree
	seq   int64 // points formed so far

	// shingle ring of the last Shingle rows
	ring    []float64
	rows    int64 // rows seen
	pts     []float64
	score   []bool
	seqs    []int64
	isPoint []bool

	chunks []chunk
	lg     []float64
}

// log2Table returns log2(m+1) for m up to n.
func log2Table(n int) []float64 {
	lg := make([]float64, n+1)
	for m := range lg {
		lg[m] = math.Log2(float64(m) + 1)
	}
	return lg
}

// chunkTrees is how many trees one unit of parallel work holds; partial
// sums are per chunk and added in chunk order, so results do not depend
// on how many goroutines ran.
const chunkTrees = 8

type chunk struct {
	lo, hi   int
	path     []int32
	hi1, lo1 []float64 // scratch
	sums     []float64 // per point
	attr     []float64 // per point: high then low per dimension
}

// ErrConfig is wrapped by New's error for an invalid configuration.
var ErrConfig = errors.New("rcf: invalid configuration")

// New returns an empty forest.
func New(cfg Config) (*Forest, error) {
	if cfg.Columns < 1 || cfg.Shingle < 1 || cfg.Trees < 1 || cfg.SampleSize < 2 || cfg.TimeDecay < 0 || cfg.Warmup < 0 {
		return nil, fmt.Errorf("%w: %+v", ErrConfig, cfg)
	}
	f := &Forest{cfg: cfg, dim: cfg.Columns * cfg.Shingle}
	f.ring = make([]float64, f.dim)
	f.trees = make([]tree, cfg.Trees)
	seed := splitmix{state: cfg.Seed}
	f.lg = log2Table(cfg.SampleSize)
	for i := range f.trees {
		f.trees[i] = newTree(f.dim, cfg.SampleSize, seed.next(), f.lg)
	}
	for lo := 0; lo < cfg.Trees; lo += chunkTrees {
		f.chunks = append(f.chunks, chunk{lo: lo, hi: min(lo+chunkTrees, cfg.Trees),
			hi1: make([]float64, f.dim), lo1: make([]float64, f.dim)})
	}
	return f, nil
}

// Dimensions returns the number of dimensions of a point.
func (f *Forest) Dimensions() int { return f.dim }

// Process feeds n rows (values holds n·Columns values, row after row):
// each row completes a shingle into a point, which is scored against the
// forest as it was before the point, then offered to every tree's sample.
// scores receives one score per row (0 while the shingle is not full and
// for the first Warmup points). attr, when not nil, receives per row and
// column the attribution split as high then low (2·Columns values per row,
// summed over the shingle's positions); it sums to the row's score.
func (f *Forest) Process(values []float64, scores []float64, attr []float64) {
	cols := f.cfg.Columns
	n := len(values) / cols
	if n == 0 {
		return
	}
	f.pts, f.score, f.seqs = f.pts[:0], f.score[:0], f.seqs[:0]
	if cap(f.isPoint) < n {
		f.isPoint = make([]bool, n)
	}
	point := f.isPoint[:n] // row r makes a point
	clear(point)
	for r := 0; r < n; r++ {
		// shift the ring and append the row
		copy(f.ring, f.ring[cols:])
		copy(f.ring[f.dim-cols:], values[r*cols:(r+1)*cols])
		f.rows++
		if f.rows < int64(f.cfg.Shingle) {
			continue
		}
		point[r] = true
		f.seq++
		f.pts = append(f.pts, f.ring...)
		f.score = append(f.score, f.seq > int64(f.cfg.Warmup))
		f.seqs = append(f.seqs, f.seq)
	}
	m := len(f.score)
	wantAttr := attr != nil
	for i := range f.chunks {
		c := &f.chunks[i]
		c.sums = grow(c.sums, m)
		if wantAttr {
			c.attr = grow(c.attr, m*2*f.dim)
		}
	}
	f.run(m, wantAttr)
	clear(scores[:n])
	if wantAttr {
		clear(attr[:n*2*cols])
	}
	inv := 1 / float64(f.cfg.Trees)
	j := 0
	for r := 0; r < n; r++ {
		if !point[r] {
			continue
		}
		if f.score[j] {
			s := 0.0
			for i := range f.chunks {
				s += f.chunks[i].sums[j]
			}
			scores[r] = s * inv
			if wantAttr {
				out := attr[r*2*cols : (r+1)*2*cols]
				for i := range f.chunks {
					a := f.chunks[i].attr[j*2*f.dim : (j+1)*2*f.dim]
					for d := 0; d < f.dim; d++ {
						c := d % cols
						out[c] += a[d] * inv
						out[cols+c] += a[f.dim+d] * inv
					}
				}
			}
		}
		j++
	}
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// run scores and inserts the m pending points, chunk by chunk, on up to
// GOMAXPROCS goroutines.
func (f *Forest) run(m int, wantAttr bool) {
	workers := min(runtime.GOMAXPROCS(0), len(f.chunks))
	if workers <= 1 || m*f.cfg.Trees < 64 {
		for i := range f.chunks {
			f.runChunk(&f.chunks[i], m, wantAttr)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(f.chunks) {
					return
				}
				f.runChunk(&f.chunks[i], m, wantAttr)
			}
		})
	}
	wg.Wait()
}

func (f *Forest) runChunk(c *chunk, m int, wantAttr bool) {
	dim := f.dim
	lambda := f.cfg.TimeDecay
	for j := 0; j < m; j++ {
		x := f.pts[j*dim : (j+1)*dim]
		if f.score[j] {
			var hi, lo []float64
			if wantAttr {
				hi = c.attr[j*2*dim : j*2*dim+dim]
				lo = c.attr[j*2*dim+dim : (j+1)*2*dim]
			}
			for t := c.lo; t < c.hi; t++ {
				var s float64
				if wantAttr {
					s, c.path = f.trees[t].attribution(x, c.path, hi, lo, c.hi1, c.lo1)
				} else {
					s, c.path = f.trees[t].score(x, c.path)
				}
				c.sums[j] += s
			}
		}
		for t := c.lo; t < c.hi; t++ {
			f.trees[t].update(x, f.seqs[j], lambda)
		}
	}
}

// Points returns the number of points formed so far.
func (f *Forest) Points() int64 { return f.seq }

// Bytes estimates the memory the forest holds.
func (f *Forest) Bytes() int {
	n := 0
	for i := range f.trees {
		t := &f.trees[i]
		n += len(t.nodes)*32 + len(t.boxMin)*16 + cap(t.free)*4 + cap(t.sample)*16
	}
	return n + len(f.ring)*8 + cap(f.pts)*8
}
