package exec

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// varianceAcc is VAR_POP, VAR_SAMP, STDDEV_POP and STDDEV_SAMP: count, mean
// and sum of squared deviations per group (Welford's update, Chan's merge),
// numerically stable and mergeable.
type varianceAcc struct {
	fn      string
	cnt     []int64
	mean    []float64
	m2      []float64
	scratch []float64
}

var _ Accumulator = (*varianceAcc)(nil)

func (a *varianceAcc) DataType() arrow.DataType { return arrow.PrimitiveTypes.Float64 }

func (a *varianceAcc) Grow(n int) {
	a.cnt = aggGrow(a.cnt, n)
	a.mean = aggGrow(a.mean, n)
	a.m2 = aggGrow(a.m2, n)
}

func (a *varianceAcc) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	a.scratch = aggFloat64s(arg, a.scratch[:0])
	vals := a.scratch
	v := aggValidity(arg)
	for i, g := range groups {
		r := aggRow(rows, i)
		if !v.ok(r) {
			continue
		}
		x := vals[r]
		a.cnt[g]++
		d := x - a.mean[g]
		a.mean[g] += d / float64(a.cnt[g])
		a.m2[g] += d * (x - a.mean[g])
	}
	return nil
}

func (a *varianceAcc) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*varianceAcc)
	if !ok {
		return fmt.Errorf("exec: merge variance: incompatible accumulator %T", from)
	}
	for i, s := range src {
		d := dst[i]
		nb := f.cnt[s]
		if nb == 0 {
			continue
		}
		na := a.cnt[d]
		n := na + nb
		delta := f.mean[s] - a.mean[d]
		a.mean[d] += delta * float64(nb) / float64(n)
		a.m2[d] += f.m2[s] + delta*delta*float64(na)*float64(nb)/float64(n)
		a.cnt[d] = n
	}
	return nil
}

func (a *varianceAcc) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	out := make([]float64, len(ids))
	valid := make([]bool, len(ids))
	samp := a.fn == AggVarSamp || a.fn == AggStddevSamp
	for i, id := range ids {
		n := a.cnt[id]
		if n == 0 || (samp && n == 1) {
			continue
		}
		d := float64(n)
		if samp {
			d--
		}
		x := a.m2[id] / d
		if x < 0 {
			x = 0
		}
		if a.fn == AggStddevPop || a.fn == AggStddevSamp {
			x = math.Sqrt(x)
		}
		out[i], valid[i] = x, true
	}
	return aggBuildFixed(mem, arrow.PrimitiveTypes.Float64, out, valid), nil
}

func (a *varianceAcc) Reset(ids []uint32) {
	for _, id := range ids {
		a.cnt[id], a.mean[id], a.m2[id] = 0, 0, 0
	}
}

func (a *varianceAcc) SizeBytes() int { return 8 * (cap(a.cnt) + cap(a.mean) + cap(a.m2)) }

// StateTypes is the count, mean and sum of squared deviations per group.
func (a *varianceAcc) StateTypes() []arrow.DataType {
	return []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Float64}
}

func (a *varianceAcc) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	return []arrow.Array{
		aggStateFixed(mem, arrow.PrimitiveTypes.Int64, a.cnt, ids),
		aggStateFixed(mem, arrow.PrimitiveTypes.Float64, a.mean, ids),
		aggStateFixed(mem, arrow.PrimitiveTypes.Float64, a.m2, ids),
	}, nil
}

func (a *varianceAcc) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("variance", cols, a.StateTypes(), ids, len(a.cnt)); err != nil {
		return err
	}
	aggLoadFixed(a.cnt, cols[0], ids)
	aggLoadFixed(a.mean, cols[1], ids)
	aggLoadFixed(a.m2, cols[2], ids)
	return nil
}
