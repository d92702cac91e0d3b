package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// aggValid is the validity bitmap of an array; bits is nil when every slot
// is valid.
type aggValid struct {
	bits []byte
	off  int
}

func aggValidity(arr arrow.Array) aggValid {
	if arr.NullN() == 0 {
		return aggValid{}
	}
	d := arr.Data()
	if b := d.Buffers()[0]; b != nil {
		return aggValid{bits: b.Bytes(), off: d.Offset()}
	}
	return aggValid{}
}

func (v aggValid) ok(i int) bool {
	return v.bits == nil || bitutil.BitIsSet(v.bits, v.off+i)
}

// aggValues returns the values of a fixed-width array as a typed slice of
// arr.Len() elements (NULL slots hold unspecified values).
func aggValues[T arrow.FixedWidthType](arr arrow.Array) []T {
	d := arr.Data()
	b := d.Buffers()[1]
	if b == nil {
		return make([]T, arr.Len())
	}
	return arrow.GetData[T](b.Bytes())[d.Offset() : d.Offset()+arr.Len()]
}

// aggFloat64s appends every value of a numeric or decimal array, converted
// to float64, to dst (NULL slots hold unspecified values).
func aggFloat64s(arr arrow.Array, dst []float64) []float64 {
	switch arr.DataType().ID() {
	case arrow.FLOAT64:
		return append(dst, aggValues[float64](arr)...)
	case arrow.FLOAT32:
		return aggToFloat(dst, aggValues[float32](arr))
	case arrow.INT8:
		return aggToFloat(dst, aggValues[int8](arr))
	case arrow.INT16:
		return aggToFloat(dst, aggValues[int16](arr))
	case arrow.INT32:
		return aggToFloat(dst, aggValues[int32](arr))
	case arrow.INT64:
		return aggToFloat(dst, aggValues[int64](arr))
	case arrow.UINT8:
		return aggToFloat(dst, aggValues[uint8](arr))
	case arrow.UINT16:
		return aggToFloat(dst, aggValues[uint16](arr))
	case arrow.UINT32:
		return aggToFloat(dst, aggValues[uint32](arr))
	case arrow.UINT64:
		return aggToFloat(dst, aggValues[uint64](arr))
	case arrow.DECIMAL128:
		scale := arr.DataType().(*arrow.Decimal128Type).Scale
		for _, v := range aggValues[decimal128.Num](arr) {
			dst = append(dst, v.ToFloat64(scale))
		}
		return dst
	}
	return append(dst, make([]float64, arr.Len())...)
}

func aggToFloat[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 | float32](dst []float64, src []T) []float64 {
	for _, v := range src {
		dst = append(dst, float64(v))
	}
	return dst
}

// aggBuildFixed builds an array of type dt from vals; valid (nil: all valid)
// marks non-NULL slots. The caller releases the array.
func aggBuildFixed[T arrow.FixedWidthType](mem memory.Allocator, dt arrow.DataType, vals []T, valid []bool) arrow.Array {
	n := len(vals)
	var validity *memory.Buffer
	nulls := 0
	if valid != nil {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		vb := validity.Bytes()
		clear(vb)
		for i, ok := range valid {
			if ok {
				bitutil.SetBit(vb, i)
			} else {
				nulls++
			}
		}
	}
	buf := memory.NewResizableBuffer(mem)
	raw := arrow.GetBytes(vals)
	buf.Resize(len(raw))
	copy(buf.Bytes(), raw)
	data := array.NewData(dt, n, []*memory.Buffer{validity, buf}, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	buf.Release()
	if validity != nil {
		validity.Release()
	}
	return arr
}

// aggGrow extends s with zero values to length n.
func aggGrow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

// aggRow returns the row index of the i-th selected row.
func aggRow(rows []int32, i int) int {
	if rows == nil {
		return i
	}
	return int(rows[i])
}
