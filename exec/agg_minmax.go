package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// aggMMKind is the storage MIN and MAX work on.
type aggMMKind uint8

const (
	aggMMUnsupported aggMMKind = iota
	aggMMI8
	aggMMI16
	aggMMI32
	aggMMI64
	aggMMU8
	aggMMU16
	aggMMU32
	aggMMU64
	aggMMF32
	aggMMF64
	aggMMDecimal
	aggMMString
	aggMMBool
)

func aggMinMaxKind(dt arrow.DataType) aggMMKind {
	switch dt.ID() {
	case arrow.INT8:
		return aggMMI8
	case arrow.INT16:
		return aggMMI16
	case arrow.INT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS:
		return aggMMI32
	case arrow.INT64, arrow.TIMESTAMP, arrow.DATE64, arrow.TIME64, arrow.DURATION:
		return aggMMI64
	case arrow.UINT8:
		return aggMMU8
	case arrow.UINT16:
		return aggMMU16
	case arrow.UINT32:
		return aggMMU32
	case arrow.UINT64:
		return aggMMU64
	case arrow.FLOAT32:
		return aggMMF32
	case arrow.FLOAT64:
		return aggMMF64
	case arrow.DECIMAL128:
		return aggMMDecimal
	case arrow.STRING, arrow.BINARY, arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return aggMMString
	case arrow.BOOL:
		return aggMMBool
	}
	return aggMMUnsupported
}

func newMinMax(dt arrow.DataType, isMax bool) Accumulator {
	switch aggMinMaxKind(dt) {
	case aggMMI8:
		return &minMaxNum[int8]{dt: dt, max: isMax}
	case aggMMI16:
		return &minMaxNum[int16]{dt: dt, max: isMax}
	case aggMMI32:
		return &minMaxNum[int32]{dt: dt, max: isMax}
	case aggMMI64:
		return &minMaxNum[int64]{dt: dt, max: isMax}
	case aggMMU8:
		return &minMaxNum[uint8]{dt: dt, max: isMax}
	case aggMMU16:
		return &minMaxNum[uint16]{dt: dt, max: isMax}
	case aggMMU32:
		return &minMaxNum[uint32]{dt: dt, max: isMax}
	case aggMMU64:
		return &minMaxNum[uint64]{dt: dt, max: isMax}
	case aggMMF32:
		return &minMaxNum[float32]{dt: dt, max: isMax}
	case aggMMF64:
		return &minMaxNum[float64]{dt: dt, max: isMax}
	case aggMMDecimal:
		return &minMaxDecimal{dt: dt, max: isMax}
	case aggMMBool:
		return &minMaxBool{dt: dt, max: isMax}
	}
	c, _ := newAggCodec(dt)
	return &minMaxString{codec: c, max: isMax}
}

type aggNumber interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32 | float64
}

// minMaxNum is MIN or MAX over a fixed-width numeric storage type.
type minMaxNum[T aggNumber] struct {
	dt   arrow.DataType
	max  bool
	vals []T
	has  []bool
}

func (a *minMaxNum[T]) DataType() arrow.DataType { return a.dt }

func (a *minMaxNum[T]) Grow(n int) {
	a.vals = aggGrow(a.vals, n)
	a.has = aggGrow(a.has, n)
}

func (a *minMaxNum[T]) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	in := aggValues[T](arg)
	v := aggValidity(arg)
	vals, has := a.vals, a.has
	if a.max {
		for i, g := range groups {
			r := aggRow(rows, i)
			if v.ok(r) && (!has[g] || in[r] > vals[g]) {
				vals[g], has[g] = in[r], true
			}
		}
		return nil
	}
	for i, g := range groups {
		r := aggRow(rows, i)
		if v.ok(r) && (!has[g] || in[r] < vals[g]) {
			vals[g], has[g] = in[r], true
		}
	}
	return nil
}

func (a *minMaxNum[T]) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*minMaxNum[T])
	if !ok {
		return fmt.Errorf("exec: merge min/max: incompatible accumulator %T", from)
	}
	for i, s := range src {
		d := dst[i]
		if !f.has[s] {
			continue
		}
		x := f.vals[s]
		if !a.has[d] || (a.max && x > a.vals[d]) || (!a.max && x < a.vals[d]) {
			a.vals[d], a.has[d] = x, true
		}
	}
	return nil
}

func (a *minMaxNum[T]) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	out := make([]T, len(ids))
	valid := make([]bool, len(ids))
	for i, id := range ids {
		out[i], valid[i] = a.vals[id], a.has[id]
	}
	return aggBuildFixed(mem, a.dt, out, valid), nil
}

func (a *minMaxNum[T]) Reset(ids []uint32) {
	var zero T
	for _, id := range ids {
		a.vals[id], a.has[id] = zero, false
	}
}

func (a *minMaxNum[T]) SizeBytes() int {
	var zero T
	return cap(a.vals)*int(aggSizeOf(zero)) + cap(a.has)
}

// StateTypes is the current value per group, NULL when it has none.
func (a *minMaxNum[T]) StateTypes() []arrow.DataType { return []arrow.DataType{a.dt} }

func (a *minMaxNum[T]) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	c, err := a.Build(mem, ids)
	return []arrow.Array{c}, err
}

func (a *minMaxNum[T]) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("min/max", cols, a.StateTypes(), ids, len(a.vals)); err != nil {
		return err
	}
	aggLoadFixed(a.vals, cols[0], ids)
	aggLoadHas(a.has, cols[0], ids)
	return nil
}

func aggSizeOf[T aggNumber](T) uintptr {
	var z T
	switch any(z).(type) {
	case int8, uint8:
		return 1
	case int16, uint16:
		return 2
	case int32, uint32, float32:
		return 4
	}
	return 8
}

// minMaxDecimal is MIN or MAX over decimal128.
type minMaxDecimal struct {
	dt   arrow.DataType
	max  bool
	vals []decimal128.Num
	has  []bool
}

func (a *minMaxDecimal) DataType() arrow.DataType { return a.dt }

func (a *minMaxDecimal) Grow(n int) {
	a.vals = aggGrow(a.vals, n)
	a.has = aggGrow(a.has, n)
}

func (a *minMaxDecimal) better(x, cur decimal128.Num) bool {
	if a.max {
		return x.Greater(cur)
	}
	return x.Less(cur)
}

func (a *minMaxDecimal) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	in := aggValues[decimal128.Num](arg)
	v := aggValidity(arg)
	for i, g := range groups {
		r := aggRow(rows, i)
		if v.ok(r) && (!a.has[g] || a.better(in[r], a.vals[g])) {
			a.vals[g], a.has[g] = in[r], true
		}
	}
	return nil
}

func (a *minMaxDecimal) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*minMaxDecimal)
	if !ok {
		return fmt.Errorf("exec: merge min/max: incompatible accumulator %T", from)
	}
	for i, s := range src {
		d := dst[i]
		if f.has[s] && (!a.has[d] || a.better(f.vals[s], a.vals[d])) {
			a.vals[d], a.has[d] = f.vals[s], true
		}
	}
	return nil
}

func (a *minMaxDecimal) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	out := make([]decimal128.Num, len(ids))
	valid := make([]bool, len(ids))
	for i, id := range ids {
		out[i], valid[i] = a.vals[id], a.has[id]
	}
	return aggBuildFixed(mem, a.dt, out, valid), nil
}

func (a *minMaxDecimal) Reset(ids []uint32) {
	for _, id := range ids {
		a.vals[id], a.has[id] = decimal128.Num{}, false
	}
}

func (a *minMaxDecimal) SizeBytes() int { return 16*cap(a.vals) + cap(a.has) }

// StateTypes is the current value per group, NULL when it has none.
func (a *minMaxDecimal) StateTypes() []arrow.DataType { return []arrow.DataType{a.dt} }

func (a *minMaxDecimal) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	c, err := a.Build(mem, ids)
	return []arrow.Array{c}, err
}

func (a *minMaxDecimal) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("min/max", cols, a.StateTypes(), ids, len(a.vals)); err != nil {
		return err
	}
	aggLoadFixed(a.vals, cols[0], ids)
	aggLoadHas(a.has, cols[0], ids)
	return nil
}

// minMaxBool is MIN (logical AND) or MAX (logical OR) over booleans.
type minMaxBool struct {
	dt   arrow.DataType
	max  bool
	vals []bool
	has  []bool
}

func (a *minMaxBool) DataType() arrow.DataType { return a.dt }

func (a *minMaxBool) Grow(n int) {
	a.vals = aggGrow(a.vals, n)
	a.has = aggGrow(a.has, n)
}

func (a *minMaxBool) fold(g uint32, x bool) {
	switch {
	case !a.has[g]:
		a.vals[g], a.has[g] = x, true
	case a.max:
		a.vals[g] = a.vals[g] || x
	default:
		a.vals[g] = a.vals[g] && x
	}
}

func (a *minMaxBool) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	c, _ := newAggCodec(a.dt)
	v := c.view(arg)
	for i, g := range groups {
		r := aggRow(rows, i)
		if !v.isNull(r) {
			a.fold(g, c.bytesAt(&v, r)[0] == 1)
		}
	}
	return nil
}

func (a *minMaxBool) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*minMaxBool)
	if !ok {
		return fmt.Errorf("exec: merge min/max: incompatible accumulator %T", from)
	}
	for i, s := range src {
		if f.has[s] {
			a.fold(dst[i], f.vals[s])
		}
	}
	return nil
}

func (a *minMaxBool) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	c, _ := newAggCodec(a.dt)
	b := newAggBuilder(c, len(ids))
	for _, id := range ids {
		switch {
		case !a.has[id]:
			b.appendNull()
		case a.vals[id]:
			b.appendRaw([]byte{1})
		default:
			b.appendRaw([]byte{0})
		}
	}
	return b.finish(mem), nil
}

func (a *minMaxBool) Reset(ids []uint32) {
	for _, id := range ids {
		a.vals[id], a.has[id] = false, false
	}
}

func (a *minMaxBool) SizeBytes() int { return cap(a.vals) + cap(a.has) }

// StateTypes is the current value per group, NULL when it has none.
func (a *minMaxBool) StateTypes() []arrow.DataType { return []arrow.DataType{a.dt} }

func (a *minMaxBool) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	c, err := a.Build(mem, ids)
	return []arrow.Array{c}, err
}

func (a *minMaxBool) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("min/max", cols, a.StateTypes(), ids, len(a.vals)); err != nil {
		return err
	}
	c := cols[0].(*array.Boolean)
	for i, id := range ids {
		a.vals[id], a.has[id] = c.IsValid(i) && c.Value(i), c.IsValid(i)
	}
	return nil
}

// minMaxString is MIN or MAX over strings and binaries, by byte order.
type minMaxString struct {
	codec    aggCodec
	max      bool
	vals     []string
	has      []bool
	strBytes int // total length of vals, kept up to date for SizeBytes
}

func (a *minMaxString) DataType() arrow.DataType { return a.codec.dt }

func (a *minMaxString) Grow(n int) {
	a.vals = aggGrow(a.vals, n)
	a.has = aggGrow(a.has, n)
}

func (a *minMaxString) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	v := a.codec.view(arg)
	for i, g := range groups {
		r := aggRow(rows, i)
		if v.isNull(r) {
			continue
		}
		b := a.codec.bytesAt(&v, r)
		if !a.has[g] || (a.max && string(b) > a.vals[g]) || (!a.max && string(b) < a.vals[g]) {
			a.strBytes += len(b) - len(a.vals[g])
			a.vals[g], a.has[g] = string(b), true
		}
	}
	return nil
}

func (a *minMaxString) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*minMaxString)
	if !ok {
		return fmt.Errorf("exec: merge min/max: incompatible accumulator %T", from)
	}
	for i, s := range src {
		d := dst[i]
		if !f.has[s] {
			continue
		}
		x := f.vals[s]
		if !a.has[d] || (a.max && x > a.vals[d]) || (!a.max && x < a.vals[d]) {
			a.strBytes += len(x) - len(a.vals[d])
			a.vals[d], a.has[d] = x, true
		}
	}
	return nil
}

func (a *minMaxString) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	b := newAggBuilder(a.codec, len(ids))
	for _, id := range ids {
		if !a.has[id] {
			b.appendNull()
			continue
		}
		b.appendRaw([]byte(a.vals[id]))
	}
	return b.finish(mem), nil
}

func (a *minMaxString) Reset(ids []uint32) {
	for _, id := range ids {
		a.strBytes -= len(a.vals[id])
		a.vals[id], a.has[id] = "", false
	}
}

func (a *minMaxString) SizeBytes() int {
	return 16*cap(a.vals) + cap(a.has) + a.strBytes + aggStringRounding*len(a.vals)
}

// StateTypes is the current value per group, NULL when it has none.
func (a *minMaxString) StateTypes() []arrow.DataType { return []arrow.DataType{a.codec.dt} }

func (a *minMaxString) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	c, err := a.Build(mem, ids)
	return []arrow.Array{c}, err
}

func (a *minMaxString) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("min/max", cols, a.StateTypes(), ids, len(a.vals)); err != nil {
		return err
	}
	a.Reset(ids)
	v := a.codec.view(cols[0])
	for i, id := range ids {
		if v.isNull(i) {
			continue
		}
		s := string(a.codec.bytesAt(&v, i))
		a.vals[id], a.has[id] = s, true
		a.strBytes += len(s)
	}
	return nil
}
