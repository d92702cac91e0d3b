package generator

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// binaryOf returns the byte-level builder behind a string column builder.
func binaryOf(b array.Builder) (*array.BinaryBuilder, error) {
	switch sb := b.(type) {
	case *array.StringBuilder:
		return sb.BinaryBuilder, nil
	case *array.LargeStringBuilder:
		return sb.BinaryBuilder, nil
	case *array.BinaryBuilder:
		return sb, nil
	}
	return nil, fmt.Errorf("generator: no string builder for %s", b.Type())
}

// msScale returns the factor from milliseconds to a timestamp unit, as a
// multiplier (mul > 1) or divisor (div > 1).
func msScale(u arrow.TimeUnit) (mul, div int64) {
	switch u {
	case arrow.Second:
		return 1, 1000
	case arrow.Microsecond:
		return 1000, 1
	case arrow.Nanosecond:
		return 1_000_000, 1
	}
	return 1, 1
}

// putInts appends integer or millisecond timestamp values to b, converting
// them to b's type (checked when the columns were bound).
func putInts(b array.Builder, v []int64) {
	switch tb := b.(type) {
	case *array.Int64Builder:
		tb.AppendValues(v, nil)
	case *array.TimestampBuilder:
		tb.Reserve(len(v))
		mul, div := msScale(tb.Type().(*arrow.TimestampType).Unit)
		if mul == 1 && div == 1 {
			for _, x := range v {
				tb.UnsafeAppend(arrow.Timestamp(x))
			}
			return
		}
		for _, x := range v {
			tb.UnsafeAppend(arrow.Timestamp(x * mul / div))
		}
	case *array.Float64Builder:
		tb.Reserve(len(v))
		for _, x := range v {
			tb.UnsafeAppend(float64(x))
		}
	case *array.Float32Builder:
		tb.Reserve(len(v))
		for _, x := range v {
			tb.UnsafeAppend(float32(x))
		}
	default:
		panic(fmt.Sprintf("generator: integer column bound to %s", b.Type()))
	}
}

// putFloats appends float values to b, a float column builder.
func putFloats(b array.Builder, v []float64) {
	switch tb := b.(type) {
	case *array.Float64Builder:
		tb.AppendValues(v, nil)
	case *array.Float32Builder:
		tb.Reserve(len(v))
		for _, x := range v {
			tb.UnsafeAppend(float32(x))
		}
	default:
		panic(fmt.Sprintf("generator: float column bound to %s", b.Type()))
	}
}

// putSame appends n copies of one millisecond timestamp to b.
func putSame(b array.Builder, ms int64, n int) {
	tb := b.(*array.TimestampBuilder)
	mul, div := msScale(tb.Type().(*arrow.TimestampType).Unit)
	v := arrow.Timestamp(ms * mul / div)
	tb.Reserve(n)
	for range n {
		tb.UnsafeAppend(v)
	}
}
