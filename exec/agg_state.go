package exec

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrAggState is wrapped by the error of Accumulator.LoadState,
// GroupTable.Load and HashAggregator.LoadStateColumns when the state given
// does not fit the receiver: wrong column count, types or lengths, invalid
// buffers, duplicate keys or bad group ids.
var ErrAggState = errors.New("exec: invalid aggregate state")

// ValidateArray checks that arr's buffers are consistent with its type,
// offset and length, so that reading any slot cannot go out of bounds. It
// accepts the types aggregate state uses (fixed-width types, booleans,
// strings and binaries, and lists of them) and wraps ErrAggState otherwise.
func ValidateArray(arr arrow.Array) error {
	if arr == nil {
		return fmt.Errorf("%w: nil array", ErrAggState)
	}
	d := arr.Data()
	off, n := d.Offset(), d.Len()
	if off < 0 || n < 0 {
		return fmt.Errorf("%w: negative offset or length", ErrAggState)
	}
	bufs := d.Buffers()
	bits := int(bitutil.BytesForBits(int64(off + n)))
	if len(bufs) > 0 && bufs[0] != nil && bufs[0].Len() < bits {
		return fmt.Errorf("%w: %s validity bitmap too short", ErrAggState, d.DataType())
	}
	switch dt := d.DataType().(type) {
	case *arrow.BooleanType:
		if n > 0 && (len(bufs) < 2 || bufs[1] == nil || bufs[1].Len() < bits) {
			return fmt.Errorf("%w: boolean values too short", ErrAggState)
		}
		return nil
	case *arrow.StringType, *arrow.BinaryType, *arrow.LargeStringType, *arrow.LargeBinaryType, *arrow.ListType:
		ow := 4
		if dt.ID() == arrow.LARGE_STRING || dt.ID() == arrow.LARGE_BINARY {
			ow = 8
		}
		if len(bufs) < 2 || (n > 0 && (bufs[1] == nil || bufs[1].Len() < (off+n+1)*ow)) {
			return fmt.Errorf("%w: %s offsets missing or too short", ErrAggState, dt)
		}
		// Offsets must be non-negative, non-decreasing and within the data
		// (the values of a list); arrow's ValidateFull can panic on them.
		var limit int64
		if l, ok := arr.(*array.List); ok {
			if err := ValidateArray(l.ListValues()); err != nil {
				return err
			}
			limit = int64(l.ListValues().Len())
		} else if len(bufs) > 2 && bufs[2] != nil {
			limit = int64(bufs[2].Len())
		}
		if n == 0 {
			return nil
		}
		raw := bufs[1].Bytes()
		prev := int64(0)
		for i := off; i <= off+n; i++ {
			var o int64
			if ow == 8 {
				o = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			} else {
				o = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
			}
			if o < prev || o > limit {
				return fmt.Errorf("%w: %s offset %d out of order or bounds", ErrAggState, dt, o)
			}
			prev = o
		}
		return nil
	case arrow.FixedWidthDataType:
		w := dt.BitWidth() / 8
		if dt.BitWidth()%8 != 0 || w == 0 || dt.ID() == arrow.DICTIONARY || dt.ID() == arrow.EXTENSION {
			return fmt.Errorf("%w: unsupported type %s", ErrAggState, dt)
		}
		if n > 0 && (len(bufs) < 2 || bufs[1] == nil || bufs[1].Len() < (off+n)*w) {
			return fmt.Errorf("%w: %s values too short", ErrAggState, dt)
		}
		return nil
	}
	return fmt.Errorf("%w: unsupported type %s", ErrAggState, d.DataType())
}

// aggCheckState checks state columns against the types an accumulator
// expects, one row per id, and ids against the accumulator's size.
func aggCheckState(what string, cols []arrow.Array, types []arrow.DataType, ids []uint32, size int) error {
	if len(cols) != len(types) {
		return fmt.Errorf("%w: %s: %d state columns, want %d", ErrAggState, what, len(cols), len(types))
	}
	for i, c := range cols {
		if c == nil || !arrow.TypeEqual(c.DataType(), types[i]) {
			return fmt.Errorf("%w: %s: state column %d is not %s", ErrAggState, what, i, types[i])
		}
		if c.Len() != len(ids) {
			return fmt.Errorf("%w: %s: state column %d has %d rows, want %d", ErrAggState, what, i, c.Len(), len(ids))
		}
		if err := ValidateArray(c); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	for _, id := range ids {
		if int(id) >= size {
			return fmt.Errorf("%w: %s: group %d beyond size %d", ErrAggState, what, id, size)
		}
	}
	return nil
}

// aggGather returns vals[ids[i]] for every i.
func aggGather[T any](vals []T, ids []uint32) []T {
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i] = vals[id]
	}
	return out
}

// aggStateFixed builds a non-NULL state column of vals[ids].
func aggStateFixed[T arrow.FixedWidthType](mem memory.Allocator, dt arrow.DataType, vals []T, ids []uint32) arrow.Array {
	return aggBuildFixed(mem, dt, aggGather(vals, ids), nil)
}

// aggLoadFixed copies a validated fixed-width state column into vals[ids].
func aggLoadFixed[T arrow.FixedWidthType](vals []T, col arrow.Array, ids []uint32) {
	in := aggValues[T](col)
	for i, id := range ids {
		vals[id] = in[i]
	}
}

// aggLoadHas sets has[ids[i]] to whether row i of col is valid.
func aggLoadHas(has []bool, col arrow.Array, ids []uint32) {
	v := aggValidity(col)
	for i, id := range ids {
		has[id] = v.ok(i)
	}
}

// checkEncoded reports whether b is exactly one value encoded by
// appendEncoded.
func (c *aggCodec) checkEncoded(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: empty encoded value", ErrAggState)
	}
	if b[0] == 0 {
		if len(b) != 1 {
			return fmt.Errorf("%w: trailing bytes after NULL", ErrAggState)
		}
		return nil
	}
	if b[0] != 1 {
		return fmt.Errorf("%w: bad validity byte %d", ErrAggState, b[0])
	}
	b = b[1:]
	switch c.kind {
	case aggKindFixed:
		if len(b) != c.width {
			return fmt.Errorf("%w: encoded value of %d bytes, want %d", ErrAggState, len(b), c.width)
		}
		return nil
	case aggKindBool:
		if len(b) != 1 {
			return fmt.Errorf("%w: encoded boolean of %d bytes", ErrAggState, len(b))
		}
		return nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) != n {
		return fmt.Errorf("%w: bad encoded length", ErrAggState)
	}
	return nil
}
