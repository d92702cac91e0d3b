package rcf

import "math"

// tree is one robust random cut tree with its time-decayed reservoir
// sample. Nodes live in flat arrays indexed by node number; a leaf is a
// node with left == -1 whose box is its point (min == max), so internal
// nodes and leaves share the bounding-box arrays. Duplicates of a point
// share one leaf whose mass counts them.
type tree struct {
	dim  int
	root int32

	nodes          []node
	boxMin, boxMax []float64 // [node*dim+d]
	free           []int32   // free node numbers

	// sample is a max-heap on weight of the sampled points' leaves.
	sample []entry
	rng    splitmix

	// lg[m] is log2(m+1) for masses up to the sample size (shared).
	lg []float64
	// A cached rejection threshold on u (see update), valid while the
	// heap's largest weight is unchanged, for sequence numbers up to
	// thrUntil; not part of the state (decisions do not depend on it).
	thrLo    float64
	thrUntil int64
	thrOK    bool
}

// node is one node of a tree, laid out so that a step down the tree
// touches one cache line.
type node struct {
	Parent, Left, Right int32
	Mass                int32
	CutDim              int32
	_                   int32
	CutVal              float64
}

// entry is one sampled point: its sampling weight and its leaf.
type entry struct {
	weight float64
	leaf   int32
}

func newTree(dim, sampleSize int, seed uint64, lg []float64) tree {
	n := 2 * sampleSize
	t := tree{
		lg:  lg,
		dim: dim, root: -1,
		nodes:  make([]node, n),
		boxMin: make([]float64, n*dim), boxMax: make([]float64, n*dim),
		free:   make([]int32, 0, n),
		sample: make([]entry, 0, sampleSize),
		rng:    splitmix{state: seed},
	}
	for i := n - 1; i >= 0; i-- {
		t.free = append(t.free, int32(i))
	}
	return t
}

func (t *tree) alloc() int32 {
	n := t.free[len(t.free)-1]
	t.free = t.free[:len(t.free)-1]
	return n
}

func (t *tree) release(n int32) { t.free = append(t.free, n) }

// isLeaf reports whether node n is a leaf.
func (t *tree) isLeaf(n int32) bool { return t.nodes[n].Left < 0 }

// newLeaf makes a leaf of mass 1 for x.
func (t *tree) newLeaf(x []float64) int32 {
	n := t.alloc()
	t.nodes[n].Parent, t.nodes[n].Left, t.nodes[n].Right, t.nodes[n].Mass = -1, -1, -1, 1
	o := int(n) * t.dim
	copy(t.boxMin[o:o+t.dim], x)
	copy(t.boxMax[o:o+t.dim], x)
	return n
}

// equalsLeaf reports whether leaf n holds x.
func (t *tree) equalsLeaf(n int32, x []float64) bool {
	o := int(n) * t.dim
	p := t.boxMin[o : o+t.dim]
	for d, v := range x {
		if p[d] != v {
			return false
		}
	}
	return true
}

// insert adds x and returns its leaf.
func (t *tree) insert(x []float64) int32 {
	if t.root < 0 {
		t.root = t.newLeaf(x)
		return t.root
	}
	dim := t.dim
	node := t.root
	for {
		if t.isLeaf(node) && t.equalsLeaf(node, x) {
			t.nodes[node].Mass++ // the ancestors counted x on the way down
			return node
		}
		o := int(node) * dim
		bmin, bmax := t.boxMin[o:o+dim], t.boxMax[o:o+dim]
		// A random cut of the box merged with x, each dimension chosen in
		// proportion to its range.
		total := 0.0
		for d, v := range x {
			total += max(bmax[d], v) - min(bmin[d], v)
		}
		r := t.rng.float() * total
		cd, last := -1, 0
		for d, v := range x {
			w := max(bmax[d], v) - min(bmin[d], v)
			if w > 0 {
				last = d
			}
			if r < w {
				cd = d
				break
			}
			r -= w
		}
		if cd < 0 { // rounding ran past the end: cut at the last non-empty range
			cd, r = last, 0
		}
		lo, hi := min(bmin[cd], x[cd]), max(bmax[cd], x[cd])
		cut := lo + r
		if cut >= hi || cut < lo {
			cut = lo
		}
		v := x[cd]
		separates := (v < bmin[cd] && cut >= v && cut < bmin[cd]) || (v > bmax[cd] && cut >= bmax[cd] && cut < v)
		if separates {
			leaf := t.newLeaf(x)
			in := t.alloc()
			p := t.nodes[node].Parent
			t.nodes[in].Parent, t.nodes[in].CutDim, t.nodes[in].CutVal = p, int32(cd), cut
			t.nodes[in].Mass = t.nodes[node].Mass + 1
			if v <= cut {
				t.nodes[in].Left, t.nodes[in].Right = leaf, node
			} else {
				t.nodes[in].Left, t.nodes[in].Right = node, leaf
			}
			t.nodes[leaf].Parent, t.nodes[node].Parent = in, in
			io := int(in) * dim
			for d, xv := range x {
				t.boxMin[io+d] = min(bmin[d], xv)
				t.boxMax[io+d] = max(bmax[d], xv)
			}
			switch {
			case p < 0:
				t.root = in
			case t.nodes[p].Left == node:
				t.nodes[p].Left = in
			default:
				t.nodes[p].Right = in
			}
			// The ancestors were widened on the way down.
			return leaf
		}
		// Descend: widen this node's box and count x in it.
		t.nodes[node].Mass++
		for d, xv := range x {
			bmin[d] = min(bmin[d], xv)
			bmax[d] = max(bmax[d], xv)
		}
		if x[t.nodes[node].CutDim] <= t.nodes[node].CutVal {
			node = t.nodes[node].Left
		} else {
			node = t.nodes[node].Right
		}
	}
}

// remove takes one copy of leaf's point out of the tree.
func (t *tree) remove(leaf int32) {
	t.nodes[leaf].Mass--
	if t.nodes[leaf].Mass > 0 {
		for a := t.nodes[leaf].Parent; a >= 0; a = t.nodes[a].Parent {
			t.nodes[a].Mass--
		}
		return
	}
	p := t.nodes[leaf].Parent
	t.release(leaf)
	if p < 0 {
		t.root = -1
		return
	}
	sib := t.nodes[p].Left
	if sib == leaf {
		sib = t.nodes[p].Right
	}
	g := t.nodes[p].Parent
	t.nodes[sib].Parent = g
	t.release(p)
	switch {
	case g < 0:
		t.root = sib
		return
	case t.nodes[g].Left == p:
		t.nodes[g].Left = sib
	default:
		t.nodes[g].Right = sib
	}
	dim := t.dim
	for a := g; a >= 0; a = t.nodes[a].Parent {
		t.nodes[a].Mass--
		o, l, r := int(a)*dim, int(t.nodes[a].Left)*dim, int(t.nodes[a].Right)*dim
		for d := 0; d < dim; d++ {
			t.boxMin[o+d] = min(t.boxMin[l+d], t.boxMin[r+d])
			t.boxMax[o+d] = max(t.boxMax[l+d], t.boxMax[r+d])
		}
	}
}

// update offers x to the tree's sample at sequence number seq with time
// decay lambda: x gets the weight −λ·seq + log(−log u) and the sample keeps
// the sampleSize smallest weights (recent points are favoured as λ grows).
func (t *tree) update(x []float64, seq int64, lambda float64) {
	u := t.rng.float()
	full := len(t.sample) == cap(t.sample)
	if full {
		// x is kept iff −λ·seq + log(−log u) < M, the largest weight,
		// that is iff u > exp(−exp(M + λ·seq)); that bound only falls as
		// seq grows, so its value at thrUntil rejects most points without
		// a logarithm (with a margin, so the exact test would agree).
		if !t.thrOK || seq > t.thrUntil {
			t.thrUntil = seq + 1024
			t.thrLo = math.Exp(-math.Exp(t.sample[0].weight+lambda*float64(t.thrUntil))) - 1e-12
			t.thrOK = true
		}
		if u < t.thrLo {
			return
		}
	}
	w := -float64(seq)*lambda + math.Log(-math.Log(u))
	if full {
		if w >= t.sample[0].weight {
			return
		}
		t.thrOK = false
		t.remove(t.sample[0].leaf)
		t.sample[0] = entry{weight: w, leaf: t.insert(x)}
		t.siftDown(0)
		return
	}
	t.sample = append(t.sample, entry{weight: w, leaf: t.insert(x)})
	t.siftUp(len(t.sample) - 1)
	t.thrOK = false
}

func (t *tree) siftUp(i int) {
	h := t.sample
	for i > 0 {
		p := (i - 1) / 2
		if h[p].weight >= h[i].weight {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (t *tree) siftDown(i int) {
	h := t.sample
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r].weight > h[l].weight {
			c = r
		}
		if h[i].weight >= h[c].weight {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// descend fills path with the nodes from the root to the leaf x falls in
// and returns it.
func (t *tree) descend(x []float64, path []int32) []int32 {
	path = path[:0]
	for n := t.root; n >= 0; {
		path = append(path, n)
		if t.isLeaf(n) {
			break
		}
		if x[t.nodes[n].CutDim] <= t.nodes[n].CutVal {
			n = t.nodes[n].Left
		} else {
			n = t.nodes[n].Right
		}
	}
	return path
}

// score returns the tree's anomaly score of x (0 for an empty tree): the
// expected depth-based displacement of Guha et al., computed from the leaf
// x would fall in back up to the root, each ancestor weighing the chance
// that a random cut of its box merged with x separates x, normalized by
// log2(tree mass + 1).
func (t *tree) score(x []float64, path []int32) (float64, []int32) {
	if t.root < 0 {
		return 0, path
	}
	path = t.descend(x, path)
	treeMass := float64(t.nodes[t.root].Mass)
	depth := len(path) - 1
	leaf := path[depth]
	var s float64
	if t.equalsLeaf(leaf, x) {
		m := float64(t.nodes[leaf].Mass)
		s = (1 - m/(2*treeMass)) / (float64(depth) + t.lg[t.nodes[leaf].Mass])
		return s * t.lg[t.nodes[t.root].Mass], path
	}
	s = 1 / float64(depth+1)
	dim := t.dim
	for k := depth - 1; k >= 0; k-- {
		o := int(path[k]) * dim
		bmin, bmax := t.boxMin[o:o+dim], t.boxMax[o:o+dim]
		newRange, diff := 0.0, 0.0
		for d, v := range x {
			lo, hi := bmin[d], bmax[d]
			newRange += hi - lo
			if v > hi {
				diff += v - hi
				newRange += v - hi
			} else if v < lo {
				diff += lo - v
				newRange += lo - v
			}
		}
		if diff <= 0 {
			break
		}
		p := diff / newRange
		s = p/float64(k+1) + (1-p)*s
	}
	return s * t.lg[t.nodes[t.root].Mass], path
}

// attribution adds the tree's normalized attribution of x to high and low
// (one value per dimension each, summing to the tree's score) and returns
// the score.
func (t *tree) attribution(x []float64, path []int32, high, low, hi, lo []float64) (float64, []int32) {
	if t.root < 0 {
		return 0, path
	}
	path = t.descend(x, path)
	treeMass := float64(t.nodes[t.root].Mass)
	norm := t.lg[t.nodes[t.root].Mass]
	depth := len(path) - 1
	leaf := path[depth]
	dim := t.dim
	if t.equalsLeaf(leaf, x) {
		m := float64(t.nodes[leaf].Mass)
		s := (1 - m/(2*treeMass)) / (float64(depth) + t.lg[t.nodes[leaf].Mass]) * norm
		// A point the tree holds: no better split than an even one.
		share := s / float64(2*dim)
		for d := range dim {
			high[d] += share
			low[d] += share
		}
		return s, path
	}
	// At the leaf, the whole unseen score goes to the directions in which
	// x leaves the leaf's point.
	s := 1 / float64(depth+1)
	o := int(leaf) * dim
	total := 0.0
	for d, v := range x {
		g := v - t.boxMin[o+d]
		hi[d], lo[d] = max(g, 0), max(-g, 0)
		total += hi[d] + lo[d]
	}
	for d := range dim {
		hi[d] *= s / total
		lo[d] *= s / total
	}
	for k := depth - 1; k >= 0; k-- {
		o := int(path[k]) * dim
		bmin, bmax := t.boxMin[o:o+dim], t.boxMax[o:o+dim]
		newRange, diff := 0.0, 0.0
		for d, v := range x {
			newRange += bmax[d] - bmin[d]
			if v > bmax[d] {
				diff += v - bmax[d]
				newRange += v - bmax[d]
			} else if v < bmin[d] {
				diff += bmin[d] - v
				newRange += bmin[d] - v
			}
		}
		if diff <= 0 {
			break
		}
		p := diff / newRange
		u := 1 / float64(k+1)
		s = p*u + (1-p)*s
		for d, v := range x {
			gh, gl := max(v-bmax[d], 0), max(bmin[d]-v, 0)
			hi[d] = gh/newRange*u + (1-p)*hi[d]
			lo[d] = gl/newRange*u + (1-p)*lo[d]
		}
	}
	for d := range dim {
		high[d] += hi[d] * norm
		low[d] += lo[d] * norm
	}
	return s * norm, path
}

// splitmix is the SplitMix64 generator: one word of state, so a tree's
// randomness is part of its checkpoint.
type splitmix struct{ state uint64 }

func (r *splitmix) next() uint64 {
	r.state += 0x9E3779B97F4A7C15
	z := r.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// float returns a number in (0, 1).
func (r *splitmix) float() float64 {
	return (float64(r.next()>>11) + 0.5) / (1 << 53)
}
