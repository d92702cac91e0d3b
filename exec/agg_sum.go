package exec

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// sumIntAcc is SUM over integers: an int64 sum and a count of non-NULL
// values per group (no values gives NULL).
type sumIntAcc struct {
	sums []int64
	cnt  []int64
}

var _ Accumulator = (*sumIntAcc)(nil)

func (a *sumIntAcc) DataType() arrow.DataType { return arrow.PrimitiveTypes.Int64 }

func (a *sumIntAcc) Grow(n int) {
	a.sums = aggGrow(a.sums, n)
	a.cnt = aggGrow(a.cnt, n)
}

func (a *sumIntAcc) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	v := aggValidity(arg)
	var ok bool
	switch arg.DataType().ID() {
	case arrow.INT64:
		ok = sumInts(a.sums, a.cnt, aggValues[int64](arg), v, rows, groups)
	case arrow.INT32:
		ok = sumInts(a.sums, a.cnt, aggValues[int32](arg), v, rows, groups)
	case arrow.INT16:
		ok = sumInts(a.sums, a.cnt, aggValues[int16](arg), v, rows, groups)
	case arrow.INT8:
		ok = sumInts(a.sums, a.cnt, aggValues[int8](arg), v, rows, groups)
	case arrow.UINT8:
		ok = sumInts(a.sums, a.cnt, aggValues[uint8](arg), v, rows, groups)
	case arrow.UINT16:
		ok = sumInts(a.sums, a.cnt, aggValues[uint16](arg), v, rows, groups)
	case arrow.UINT32:
		ok = sumInts(a.sums, a.cnt, aggValues[uint32](arg), v, rows, groups)
	case arrow.UINT64:
		ok = sumUint64s(a.sums, a.cnt, aggValues[uint64](arg), v, rows, groups)
	default:
		return fmt.Errorf("exec: sum: unsupported argument type %s", arg.DataType())
	}
	if !ok {
		return fmt.Errorf("exec: sum: %w: result exceeds int64", ErrAggregateOverflow)
	}
	return nil
}

// sumInts adds vals into sums with overflow checks; it reports false on
// overflow.
func sumInts[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32](sums, cnt []int64, vals []T, v aggValid, rows []int32, groups []uint32) bool {
	for i, g := range groups {
		r := aggRow(rows, i)
		if !v.ok(r) {
			continue
		}
		x := int64(vals[r])
		s := sums[g] + x
		if (x > 0 && s < sums[g]) || (x < 0 && s > sums[g]) {
			return false
		}
		sums[g] = s
		cnt[g]++
	}
	return true
}

func sumUint64s(sums, cnt []int64, vals []uint64, v aggValid, rows []int32, groups []uint32) bool {
	for i, g := range groups {
		r := aggRow(rows, i)
		if !v.ok(r) {
			continue
		}
		if vals[r] > math.MaxInt64 {
			return false
		}
		x := int64(vals[r])
		s := sums[g] + x
		if s < sums[g] {
			return false
		}
		sums[g] = s
		cnt[g]++
	}
	return true
}

func (a *sumIntAcc) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*sumIntAcc)
	if !ok {
		return fmt.Errorf("exec: merge sum: incompatible accumulator %T", from)
	}
	for i, s := range src {
		d := dst[i]
		x := f.sums[s]
		r := a.sums[d] + x
		if (x > 0 && r < a.sums[d]) || (x < 0 && r > a.sums[d]) {
			return fmt.Errorf("exec: sum: %w: result exceeds int64", ErrAggregateOverflow)
		}
		a.sums[d] = r
		a.cnt[d] += f.cnt[s]
	}
	return nil
}

func (a *sumIntAcc) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	out := make([]int64, len(ids))
	valid := make([]bool, len(ids))
	for i, id := range ids {
		out[i] = a.sums[id]
		valid[i] = a.cnt[id] > 0
	}
	return aggBuildFixed(mem, arrow.PrimitiveTypes.Int64, out, valid), nil
}

func (a *sumIntAcc) Reset(ids []uint32) {
	for _, id := range ids {
		a.sums[id], a.cnt[id] = 0, 0
	}
}

func (a *sumIntAcc) SizeBytes() int { return 8 * (cap(a.sums) + cap(a.cnt)) }

// StateTypes is the sum and the count of values per group.
func (a *sumIntAcc) StateTypes() []arrow.DataType {
	return []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64}
}

func (a *sumIntAcc) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	return []arrow.Array{
		aggStateFixed(mem, arrow.PrimitiveTypes.Int64, a.sums, ids),
		aggStateFixed(mem, arrow.PrimitiveTypes.Int64, a.cnt, ids),
	}, nil
}

func (a *sumIntAcc) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("sum", cols, a.StateTypes(), ids, len(a.sums)); err != nil {
		return err
	}
	aggLoadFixed(a.sums, cols[0], ids)
	aggLoadFixed(a.cnt, cols[1], ids)
	return nil
}

// sumFloatAcc is SUM over floats and AVG over integers and floats: a float64
// sum and a count per group.
type sumFloatAcc struct {
	avg     bool
	sums    []float64
	cnt     []int64
	scratch []float64
}

var _ Accumulator = (*sumFloatAcc)(nil)

func (a *sumFloatAcc) DataType() arrow.DataType { return arrow.PrimitiveTypes.Float64 }

func (a *sumFloatAcc) Grow(n int) {
	a.sums = aggGrow(a.sums, n)
	a.cnt = aggGrow(a.cnt, n)
}

func (a *sumFloatAcc) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	var vals []float64
	if arg.DataType().ID() == arrow.FLOAT64 {
		vals = aggValues[float64](arg)
	} else {
		a.scratch = aggFloat64s(arg, a.scratch[:0])
		vals = a.scratch
	}
	v := aggValidity(arg)
	sums, cnt := a.sums, a.cnt
	if v.bits == nil && rows == nil {
		for i, g := range groups {
			sums[g] += vals[i]
			cnt[g]++
		}
		return nil
	}
	for i, g := range groups {
		r := aggRow(rows, i)
		if v.ok(r) {
			sums[g] += vals[r]
			cnt[g]++
		}
	}
	return nil
}

func (a *sumFloatAcc) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*sumFloatAcc)
	if !ok {
		return fmt.Errorf("exec: merge sum: incompatible accumulator %T", from)
	}
	for i, s := range src {
		a.sums[dst[i]] += f.sums[s]
		a.cnt[dst[i]] += f.cnt[s]
	}
	return nil
}

func (a *sumFloatAcc) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	out := make([]float64, len(ids))
	valid := make([]bool, len(ids))
	for i, id := range ids {
		if a.cnt[id] == 0 {
			continue
		}
		valid[i] = true
		out[i] = a.sums[id]
		if a.avg {
			out[i] /= float64(a.cnt[id])
		}
	}
	return aggBuildFixed(mem, arrow.PrimitiveTypes.Float64, out, valid), nil
}

func (a *sumFloatAcc) Reset(ids []uint32) {
	for _, id := range ids {
		a.sums[id], a.cnt[id] = 0, 0
	}
}

func (a *sumFloatAcc) SizeBytes() int { return 8 * (cap(a.sums) + cap(a.cnt)) }

// StateTypes is the sum and the count of values per group.
func (a *sumFloatAcc) StateTypes() []arrow.DataType {
	return []arrow.DataType{arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int64}
}

func (a *sumFloatAcc) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	return []arrow.Array{
		aggStateFixed(mem, arrow.PrimitiveTypes.Float64, a.sums, ids),
		aggStateFixed(mem, arrow.PrimitiveTypes.Int64, a.cnt, ids),
	}, nil
}

func (a *sumFloatAcc) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("sum", cols, a.StateTypes(), ids, len(a.sums)); err != nil {
		return err
	}
	aggLoadFixed(a.sums, cols[0], ids)
	aggLoadFixed(a.cnt, cols[1], ids)
	return nil
}

// sumDecimalAcc is SUM and AVG over decimal128: a 128-bit sum and a count
// per group. Sums are kept at the argument's scale.
type sumDecimalAcc struct {
	rt      *arrow.Decimal128Type
	avg     bool
	inScale int32
	sums    []decimal128.Num
	cnt     []int64
}

var _ Accumulator = (*sumDecimalAcc)(nil)

func (a *sumDecimalAcc) DataType() arrow.DataType { return a.rt }

func (a *sumDecimalAcc) Grow(n int) {
	a.sums = aggGrow(a.sums, n)
	a.cnt = aggGrow(a.cnt, n)
}

func (a *sumDecimalAcc) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	if arg.DataType().ID() != arrow.DECIMAL128 {
		return fmt.Errorf("exec: sum: unsupported argument type %s", arg.DataType())
	}
	vals := aggValues[decimal128.Num](arg)
	v := aggValidity(arg)
	for i, g := range groups {
		r := aggRow(rows, i)
		if !v.ok(r) {
			continue
		}
		s := a.sums[g].Add(vals[r])
		if !s.FitsInPrecision(38) {
			return fmt.Errorf("exec: sum: %w: result exceeds 38 digits", ErrAggregateOverflow)
		}
		a.sums[g] = s
		a.cnt[g]++
	}
	return nil
}

func (a *sumDecimalAcc) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*sumDecimalAcc)
	if !ok {
		return fmt.Errorf("exec: merge sum: incompatible accumulator %T", from)
	}
	for i, s := range src {
		d := dst[i]
		r := a.sums[d].Add(f.sums[s])
		if !r.FitsInPrecision(38) {
			return fmt.Errorf("exec: sum: %w: result exceeds 38 digits", ErrAggregateOverflow)
		}
		a.sums[d] = r
		a.cnt[d] += f.cnt[s]
	}
	return nil
}

func (a *sumDecimalAcc) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	out := make([]decimal128.Num, len(ids))
	valid := make([]bool, len(ids))
	for i, id := range ids {
		if a.cnt[id] == 0 {
			continue
		}
		valid[i] = true
		if !a.avg {
			out[i] = a.sums[id]
			continue
		}
		// Scale up, divide, round half away from zero.
		num := a.sums[id].IncreaseScaleBy(a.rt.Scale - a.inScale)
		if !num.FitsInPrecision(38) {
			return nil, fmt.Errorf("exec: avg: %w: result exceeds 38 digits", ErrAggregateOverflow)
		}
		n := decimal128.FromI64(a.cnt[id])
		q, rem := num.Div(n)
		if rem.Abs().Mul(decimal128.FromI64(2)).GreaterEqual(n) {
			if num.Sign() < 0 {
				q = q.Sub(decimal128.FromI64(1))
			} else {
				q = q.Add(decimal128.FromI64(1))
			}
		}
		out[i] = q
	}
	return aggBuildFixed(mem, a.rt, out, valid), nil
}

func (a *sumDecimalAcc) Reset(ids []uint32) {
	for _, id := range ids {
		a.sums[id], a.cnt[id] = decimal128.Num{}, 0
	}
}

func (a *sumDecimalAcc) SizeBytes() int { return 16*cap(a.sums) + 8*cap(a.cnt) }

// StateTypes is the sum (decimal(38) at the argument's scale) and the count
// of values per group.
func (a *sumDecimalAcc) StateTypes() []arrow.DataType {
	scale := a.rt.Scale
	if a.avg {
		scale = a.inScale
	}
	return []arrow.DataType{&arrow.Decimal128Type{Precision: 38, Scale: scale}, arrow.PrimitiveTypes.Int64}
}

func (a *sumDecimalAcc) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	return []arrow.Array{
		aggStateFixed(mem, a.StateTypes()[0], a.sums, ids),
		aggStateFixed(mem, arrow.PrimitiveTypes.Int64, a.cnt, ids),
	}, nil
}

func (a *sumDecimalAcc) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("sum", cols, a.StateTypes(), ids, len(a.sums)); err != nil {
		return err
	}
	aggLoadFixed(a.sums, cols[0], ids)
	aggLoadFixed(a.cnt, cols[1], ids)
	return nil
}
