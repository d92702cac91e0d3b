package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// countAcc is COUNT(*) (star) or COUNT(x): a count per group.
type countAcc struct {
	star   bool
	counts []int64
}

var _ Accumulator = (*countAcc)(nil)

func (a *countAcc) DataType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }

func (a *countAcc) Grow(n int) { a.counts = aggGrow(a.counts, n) }

func (a *countAcc) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	counts := a.counts
	if a.star || arg == nil || arg.NullN() == 0 {
		for _, g := range groups {
			counts[g]++
		}
		return nil
	}
	v := aggValidity(arg)
	for i, g := range groups {
		if v.ok(aggRow(rows, i)) {
			counts[g]++
		}
	}
	return nil
}

func (a *countAcc) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*countAcc)
	if !ok {
		return fmt.Errorf("exec: merge count: incompatible accumulator %T", from)
	}
	for i, s := range src {
		a.counts[dst[i]] += f.counts[s]
	}
	return nil
}

func (a *countAcc) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = a.counts[id]
	}
	return aggBuildFixed(mem, arrow.PrimitiveTypes.Int64, out, nil), nil
}

func (a *countAcc) Reset(ids []uint32) {
	for _, id := range ids {
		a.counts[id] = 0
	}
}

func (a *countAcc) SizeBytes() int { return 8 * cap(a.counts) }

// countDistinctAcc is COUNT(DISTINCT x): a set of encoded values per group.
type countDistinctAcc struct {
	codec aggCodec
	sets  []map[string]struct{}
	buf   [][]byte
}

func newCountDistinct(arg arrow.DataType) (*countDistinctAcc, error) {
	c, err := newAggCodec(arg)
	if err != nil {
		return nil, fmt.Errorf("exec: count distinct: %w", err)
	}
	return &countDistinctAcc{codec: c}, nil
}

func (a *countDistinctAcc) DataType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }

func (a *countDistinctAcc) Grow(n int) { a.sets = aggGrow(a.sets, n) }

func (a *countDistinctAcc) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	v := a.codec.view(arg)
	for i, g := range groups {
		r := aggRow(rows, i)
		if v.isNull(r) {
			continue
		}
		b := a.codec.bytesAt(&v, r)
		set := a.sets[g]
		if set == nil {
			set = make(map[string]struct{})
			a.sets[g] = set
		}
		if _, ok := set[string(b)]; !ok {
			set[string(b)] = struct{}{}
		}
	}
	return nil
}

func (a *countDistinctAcc) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*countDistinctAcc)
	if !ok {
		return fmt.Errorf("exec: merge count distinct: incompatible accumulator %T", from)
	}
	for i, s := range src {
		d := dst[i]
		if f == a && s == d {
			continue
		}
		if len(f.sets[s]) == 0 {
			continue
		}
		if a.sets[d] == nil {
			a.sets[d] = make(map[string]struct{}, len(f.sets[s]))
		}
		for k := range f.sets[s] {
			a.sets[d][k] = struct{}{}
		}
	}
	return nil
}

func (a *countDistinctAcc) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(len(a.sets[id]))
	}
	return aggBuildFixed(mem, arrow.PrimitiveTypes.Int64, out, nil), nil
}

func (a *countDistinctAcc) Reset(ids []uint32) {
	for _, id := range ids {
		a.sets[id] = nil
	}
}

func (a *countDistinctAcc) SizeBytes() int {
	n := 8 * cap(a.sets)
	for _, s := range a.sets {
		for k := range s {
			n += len(k) + 24
		}
	}
	return n
}
