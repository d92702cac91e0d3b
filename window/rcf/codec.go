package rcf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrCorrupt is wrapped by UnmarshalBinary's error when the bytes are not
// a forest of the receiver's configuration.
var ErrCorrupt = errors.New("rcf: corrupt or foreign forest state")

const codecMagic = "RCF1"

// MarshalBinary returns the forest's whole state: its trees, samples,
// random generators, shingle and counters.
func (f *Forest) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString(codecMagic)
	c := f.cfg
	w([]int64{int64(c.Columns), int64(c.Shingle), int64(c.Trees), int64(c.SampleSize), int64(c.Warmup)})
	w(math.Float64bits(c.TimeDecay))
	w(c.Seed)
	w(f.seq)
	w(f.rows)
	w(f.ring)
	for i := range f.trees {
		t := &f.trees[i]
		w(t.root)
		w(t.rng.state)
		w(t.nodes)
		w(t.boxMin)
		w(t.boxMax)
		w(int32(len(t.free)))
		w(t.free)
		w(int32(len(t.sample)))
		for _, e := range t.sample {
			w(e.weight)
			w(e.leaf)
		}
	}
	return b.Bytes(), nil
}

// UnmarshalBinary replaces the forest's state by one MarshalBinary wrote
// for a forest of the same configuration.
func (f *Forest) UnmarshalBinary(data []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, p)
		}
	}()
	r := bytes.NewReader(data)
	rd := func(v any) {
		if err == nil {
			if e := binary.Read(r, binary.LittleEndian, v); e != nil {
				err = fmt.Errorf("%w: %v", ErrCorrupt, e)
			}
		}
	}
	magic := make([]byte, len(codecMagic))
	if _, e := r.Read(magic); e != nil || string(magic) != codecMagic {
		return fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	hdr := make([]int64, 5)
	var decay, seed uint64
	rd(hdr)
	rd(&decay)
	rd(&seed)
	if err != nil {
		return err
	}
	c := f.cfg
	if hdr[0] != int64(c.Columns) || hdr[1] != int64(c.Shingle) || hdr[2] != int64(c.Trees) ||
		hdr[3] != int64(c.SampleSize) || hdr[4] != int64(c.Warmup) || decay != math.Float64bits(c.TimeDecay) || seed != c.Seed {
		return fmt.Errorf("%w: forest of another configuration", ErrCorrupt)
	}
	g := &Forest{cfg: c, dim: f.dim, chunks: f.chunks, lg: f.lg}
	g.ring = make([]float64, f.dim)
	rd(&g.seq)
	rd(&g.rows)
	rd(g.ring)
	g.trees = make([]tree, c.Trees)
	n := 2 * c.SampleSize
	for i := range g.trees {
		t := newTree(f.dim, c.SampleSize, 0, f.lg)
		rd(&t.root)
		rd(&t.rng.state)
		rd(t.nodes)
		rd(t.boxMin)
		rd(t.boxMax)
		var nf, ns int32
		rd(&nf)
		if err != nil || nf < 0 || int(nf) > n {
			return fmt.Errorf("%w: free list", ErrCorrupt)
		}
		t.free = t.free[:nf]
		rd(t.free)
		rd(&ns)
		if err != nil || ns < 0 || int(ns) > c.SampleSize {
			return fmt.Errorf("%w: sample", ErrCorrupt)
		}
		t.sample = t.sample[:ns]
		for k := range t.sample {
			rd(&t.sample[k].weight)
			rd(&t.sample[k].leaf)
		}
		if err != nil {
			return err
		}
		if err := t.check(); err != nil {
			return err
		}
		g.trees[i] = t
	}
	if r.Len() != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, r.Len())
	}
	*f = *g
	return nil
}

// check validates a decoded tree's references so that using it cannot
// index out of range.
func (t *tree) check() error {
	n := int32(len(t.nodes))
	in := func(v int32) bool { return v >= -1 && v < n }
	if !in(t.root) {
		return fmt.Errorf("%w: root", ErrCorrupt)
	}
	for i := range n {
		if !in(t.nodes[i].Parent) || !in(t.nodes[i].Left) || !in(t.nodes[i].Right) || t.nodes[i].CutDim < 0 || int(t.nodes[i].CutDim) >= t.dim {
			return fmt.Errorf("%w: node %d", ErrCorrupt, i)
		}
		if m := t.nodes[i].Mass; m < 0 || int(m) >= len(t.lg) {
			return fmt.Errorf("%w: node %d mass", ErrCorrupt, i)
		}
		if (t.nodes[i].Left < 0) != (t.nodes[i].Right < 0) {
			return fmt.Errorf("%w: node %d", ErrCorrupt, i)
		}
	}
	// every node reachable from the root once, children pointing back
	if t.root >= 0 {
		if t.nodes[t.root].Parent != -1 {
			return fmt.Errorf("%w: root has a parent", ErrCorrupt)
		}
		stack, seen := []int32{t.root}, 0
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen++; seen > int(n) {
				return fmt.Errorf("%w: cycle", ErrCorrupt)
			}
			if l, r := t.nodes[v].Left, t.nodes[v].Right; l >= 0 {
				if t.nodes[l].Parent != v || t.nodes[r].Parent != v {
					return fmt.Errorf("%w: node %d", ErrCorrupt, v)
				}
				stack = append(stack, l, r)
			}
		}
	}
	for _, v := range t.free {
		if v < 0 || v >= n {
			return fmt.Errorf("%w: free node %d", ErrCorrupt, v)
		}
	}
	for _, e := range t.sample {
		if e.leaf < 0 || e.leaf >= n || t.nodes[e.leaf].Left >= 0 {
			return fmt.Errorf("%w: sampled leaf %d", ErrCorrupt, e.leaf)
		}
	}
	return nil
}
