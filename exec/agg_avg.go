package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// avgIntAcc is AVG over integers, KDA's way: the result has the argument's
// type and the quotient is truncated toward zero (AVG of 30 and 31 is 30,
// of -30 and -31 is -30). The state is the int64 sum and count of SUM.
type avgIntAcc struct {
	sumIntAcc
	rt arrow.DataType
}

var _ Accumulator = (*avgIntAcc)(nil)

func (a *avgIntAcc) DataType() arrow.DataType { return a.rt }

func (a *avgIntAcc) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	if err := a.sumIntAcc.Update(arg, rows, groups); err != nil {
		return fmt.Errorf("exec: avg: %w", ErrAggregateOverflow)
	}
	return nil
}

func (a *avgIntAcc) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*avgIntAcc)
	if !ok {
		return fmt.Errorf("exec: merge avg: incompatible accumulator %T", from)
	}
	return a.sumIntAcc.Merge(&f.sumIntAcc, src, dst)
}

func (a *avgIntAcc) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	valid := make([]bool, len(ids))
	q := make([]int64, len(ids))
	for i, id := range ids {
		if a.cnt[id] > 0 {
			valid[i] = true
			q[i] = a.sums[id] / a.cnt[id] // Go and Java both truncate toward zero
		}
	}
	switch a.rt.ID() {
	case arrow.INT8:
		return aggBuildFixed(mem, a.rt, avgNarrow[int8](q), valid), nil
	case arrow.INT16:
		return aggBuildFixed(mem, a.rt, avgNarrow[int16](q), valid), nil
	case arrow.INT32:
		return aggBuildFixed(mem, a.rt, avgNarrow[int32](q), valid), nil
	case arrow.UINT8:
		return aggBuildFixed(mem, a.rt, avgNarrow[uint8](q), valid), nil
	case arrow.UINT16:
		return aggBuildFixed(mem, a.rt, avgNarrow[uint16](q), valid), nil
	case arrow.UINT32:
		return aggBuildFixed(mem, a.rt, avgNarrow[uint32](q), valid), nil
	case arrow.UINT64:
		return aggBuildFixed(mem, a.rt, avgNarrow[uint64](q), valid), nil
	}
	return aggBuildFixed(mem, arrow.PrimitiveTypes.Int64, q, valid), nil
}

// avgNarrow converts averages back to the argument's type; an average of
// values of a type always fits in it.
func avgNarrow[T int8 | int16 | int32 | uint8 | uint16 | uint32 | uint64](q []int64) []T {
	out := make([]T, len(q))
	for i, x := range q {
		out[i] = T(x)
	}
	return out
}
