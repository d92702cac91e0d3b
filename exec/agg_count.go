package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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

func (a *countAcc) StateTypes() []arrow.DataType {
	return []arrow.DataType{arrow.PrimitiveTypes.Int64}
}

func (a *countAcc) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	return []arrow.Array{aggStateFixed(mem, arrow.PrimitiveTypes.Int64, a.counts, ids)}, nil
}

func (a *countAcc) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("count", cols, a.StateTypes(), ids, len(a.counts)); err != nil {
		return err
	}
	aggLoadFixed(a.counts, cols[0], ids)
	return nil
}

// countDistinctAcc is COUNT(DISTINCT x): a set of encoded values per group.
type countDistinctAcc struct {
	codec aggCodec
	sets  []map[string]struct{}
	bytes int // bytes of the set entries, kept up to date for SizeBytes
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
			a.bytes += aggSetBytes
		}
		if _, ok := set[string(b)]; !ok {
			set[string(b)] = struct{}{}
			a.bytes += len(b) + aggSetEntryBytes
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
			a.bytes += aggSetBytes
		}
		set := a.sets[d]
		for k := range f.sets[s] {
			if _, ok := set[k]; !ok {
				set[k] = struct{}{}
				a.bytes += len(k) + aggSetEntryBytes
			}
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
		if a.sets[id] == nil {
			continue
		}
		for k := range a.sets[id] {
			a.bytes -= len(k) + aggSetEntryBytes
		}
		a.bytes -= aggSetBytes
		a.sets[id] = nil
	}
}

// aggSetEntryBytes is the estimated overhead of one set entry besides its
// bytes: its slot in the map (a string header, see aggMapBytes) and the
// rounding of the string's allocation.
const aggSetEntryBytes = (16+1)*8/5 + aggStringRounding

// aggSetBytes is the size of an empty set: the map's header and its first
// group of slots.
const aggSetBytes = 48 + 8*16 + 8

func (a *countDistinctAcc) SizeBytes() int { return 8*cap(a.sets) + a.bytes }

// StateTypes is one list of the raw value bytes per group.
func (a *countDistinctAcc) StateTypes() []arrow.DataType {
	return []arrow.DataType{arrow.ListOf(arrow.BinaryTypes.Binary)}
}

func (a *countDistinctAcc) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	b := array.NewListBuilder(mem, arrow.BinaryTypes.Binary)
	defer b.Release()
	vb := b.ValueBuilder().(*array.BinaryBuilder)
	b.Reserve(len(ids))
	for _, id := range ids {
		b.Append(true)
		for k := range a.sets[id] {
			vb.AppendString(k)
		}
	}
	return []arrow.Array{b.NewArray()}, nil
}

func (a *countDistinctAcc) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("count distinct", cols, a.StateTypes(), ids, len(a.sets)); err != nil {
		return err
	}
	l := cols[0].(*array.List)
	vals, ok := l.ListValues().(*array.Binary)
	if !ok {
		return fmt.Errorf("%w: count distinct: list values are %s", ErrAggState, l.ListValues().DataType())
	}
	a.Reset(ids)
	for i, id := range ids {
		lo, hi := l.ValueOffsets(i)
		if hi <= lo {
			continue
		}
		set := a.sets[id]
		if set == nil {
			set = make(map[string]struct{}, hi-lo)
			a.sets[id] = set
			a.bytes += aggSetBytes
		}
		for j := lo; j < hi; j++ {
			k := string(vals.Value(int(j))) // a copy: ValueString aliases the buffer
			if _, dup := set[k]; !dup {
				set[k] = struct{}{}
				a.bytes += len(k) + aggSetEntryBytes
			}
		}
	}
	return nil
}
