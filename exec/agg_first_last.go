package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// firstLastAcc is FIRST_VALUE or LAST_VALUE in arrival order: the encoded
// value per group. Merging treats the receiver as earlier than from, so
// panes must be merged in time order.
type firstLastAcc struct {
	codec       aggCodec
	last        bool
	ignoreNulls bool
	vals        []string
	has         []bool
	buf         []byte
	strBytes    int // total length of vals, kept up to date for SizeBytes
}

var _ Accumulator = (*firstLastAcc)(nil)

func newFirstLast(dt arrow.DataType, last, ignoreNulls bool) (*firstLastAcc, error) {
	c, err := newAggCodec(dt)
	if err != nil {
		return nil, fmt.Errorf("exec: first/last value: %w", err)
	}
	return &firstLastAcc{codec: c, last: last, ignoreNulls: ignoreNulls}, nil
}

func (a *firstLastAcc) DataType() arrow.DataType { return a.codec.dt }

func (a *firstLastAcc) Grow(n int) {
	a.vals = aggGrow(a.vals, n)
	a.has = aggGrow(a.has, n)
}

func (a *firstLastAcc) Update(arg arrow.Array, rows []int32, groups []uint32) error {
	v := a.codec.view(arg)
	for i, g := range groups {
		if a.has[g] && !a.last {
			continue
		}
		r := aggRow(rows, i)
		if a.ignoreNulls && v.isNull(r) {
			continue
		}
		a.buf = a.codec.appendEncoded(a.buf[:0], &v, r)
		if !a.has[g] || a.vals[g] != string(a.buf) {
			a.strBytes += len(a.buf) - len(a.vals[g])
			a.vals[g] = string(a.buf)
		}
		a.has[g] = true
	}
	return nil
}

func (a *firstLastAcc) Merge(from Accumulator, src, dst []uint32) error {
	f, ok := from.(*firstLastAcc)
	if !ok {
		return fmt.Errorf("exec: merge first/last value: incompatible accumulator %T", from)
	}
	for i, s := range src {
		d := dst[i]
		if f.has[s] && (a.last || !a.has[d]) {
			a.strBytes += len(f.vals[s]) - len(a.vals[d])
			a.vals[d], a.has[d] = f.vals[s], true
		}
	}
	return nil
}

func (a *firstLastAcc) Build(mem memory.Allocator, ids []uint32) (arrow.Array, error) {
	b := newAggBuilder(a.codec, len(ids))
	for _, id := range ids {
		if !a.has[id] {
			b.appendNull()
			continue
		}
		if _, err := b.appendEncoded([]byte(a.vals[id])); err != nil {
			return nil, err
		}
	}
	return b.finish(mem), nil
}

func (a *firstLastAcc) Reset(ids []uint32) {
	for _, id := range ids {
		a.strBytes -= len(a.vals[id])
		a.vals[id], a.has[id] = "", false
	}
}

func (a *firstLastAcc) SizeBytes() int {
	return 16*cap(a.vals) + cap(a.has) + a.strBytes + aggStringRounding*len(a.vals)
}

// StateTypes is the encoded value per group (the arrival order it was
// chosen by is already folded in), NULL when the group has none yet.
func (a *firstLastAcc) StateTypes() []arrow.DataType {
	return []arrow.DataType{arrow.BinaryTypes.Binary}
}

func (a *firstLastAcc) State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	defer b.Release()
	b.Reserve(len(ids))
	for _, id := range ids {
		if !a.has[id] {
			b.AppendNull()
			continue
		}
		b.AppendString(a.vals[id])
	}
	return []arrow.Array{b.NewArray()}, nil
}

func (a *firstLastAcc) LoadState(cols []arrow.Array, ids []uint32) error {
	if err := aggCheckState("first/last value", cols, a.StateTypes(), ids, len(a.vals)); err != nil {
		return err
	}
	c := cols[0].(*array.Binary)
	for i := range ids {
		if c.IsValid(i) {
			if err := a.codec.checkEncoded(c.Value(i)); err != nil {
				return fmt.Errorf("first/last value: %w", err)
			}
		}
	}
	a.Reset(ids)
	for i, id := range ids {
		if c.IsValid(i) {
			v := string(c.Value(i)) // a copy: ValueString aliases the buffer
			a.vals[id], a.has[id] = v, true
			a.strBytes += len(v)
		}
	}
	return nil
}
