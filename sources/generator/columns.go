package generator

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Columns are built straight into Arrow buffers, without builders: values
// are never null, so there is no validity bitmap, and every buffer is
// allocated once at its final size.

// fixedBuffer allocates room for n values of width bytes each and returns
// the buffer and its values.
func fixedBuffer[T arrow.FixedWidthType](alloc memory.Allocator, n, width int) (*memory.Buffer, []T) {
	buf := memory.NewResizableBuffer(alloc)
	buf.Resize(n * width)
	return buf, arrow.GetData[T](buf.Bytes())[:n]
}

// makeArray wraps buffers (validity first, nil here) into an array of type
// dt, handing the buffers' references to it.
func makeArray(dt arrow.DataType, n int, bufs ...*memory.Buffer) arrow.Array {
	data := array.NewData(dt, n, bufs, nil, 0, 0)
	arr := array.MakeFromData(data)
	data.Release()
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	return arr
}

// msScale returns the factor from milliseconds to a timestamp unit, as a
// multiplier and a divisor.
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

// intColumn makes a column of type dt (checked by fieldKind.accepts) from
// integers or millisecond timestamps.
func intColumn(alloc memory.Allocator, dt arrow.DataType, v []int64) arrow.Array {
	n := len(v)
	switch dt.ID() {
	case arrow.TIMESTAMP:
		buf, out := fixedBuffer[arrow.Timestamp](alloc, n, 8)
		mul, div := msScale(dt.(*arrow.TimestampType).Unit)
		for i, x := range v {
			out[i] = arrow.Timestamp(x * mul / div)
		}
		return makeArray(dt, n, nil, buf)
	case arrow.FLOAT64:
		buf, out := fixedBuffer[float64](alloc, n, 8)
		for i, x := range v {
			out[i] = float64(x)
		}
		return makeArray(dt, n, nil, buf)
	case arrow.FLOAT32:
		buf, out := fixedBuffer[float32](alloc, n, 4)
		for i, x := range v {
			out[i] = float32(x)
		}
		return makeArray(dt, n, nil, buf)
	}
	buf, out := fixedBuffer[int64](alloc, n, 8)
	copy(out, v)
	return makeArray(dt, n, nil, buf)
}

// floatColumn makes a DOUBLE or REAL column.
func floatColumn(alloc memory.Allocator, dt arrow.DataType, v []float64) arrow.Array {
	n := len(v)
	if dt.ID() == arrow.FLOAT32 {
		buf, out := fixedBuffer[float32](alloc, n, 4)
		for i, x := range v {
			out[i] = float32(x)
		}
		return makeArray(dt, n, nil, buf)
	}
	buf, out := fixedBuffer[float64](alloc, n, 8)
	copy(out, v)
	return makeArray(dt, n, nil, buf)
}

// constTimestamps makes n copies of one millisecond timestamp.
func constTimestamps(alloc memory.Allocator, dt arrow.DataType, ms int64, n int) arrow.Array {
	buf, out := fixedBuffer[arrow.Timestamp](alloc, n, 8)
	mul, div := msScale(dt.(*arrow.TimestampType).Unit)
	v := arrow.Timestamp(ms * mul / div)
	for i := range out {
		out[i] = v
	}
	return makeArray(dt, n, nil, buf)
}

// textColumn makes a string or large string column of the strings at spans
// of blob.
func textColumn(alloc memory.Allocator, dt arrow.DataType, blob []byte, spans []span) arrow.Array {
	n, total := len(spans), 0
	for _, s := range spans {
		total += int(s.n)
	}
	data := memory.NewResizableBuffer(alloc)
	data.Resize(total)
	dst := data.Bytes()
	var offs *memory.Buffer
	if dt.ID() == arrow.LARGE_STRING {
		var out []int64
		offs, out = fixedBuffer[int64](alloc, n+1, 8)
		fillText(out, dst, blob, spans)
	} else {
		var out []int32
		offs, out = fixedBuffer[int32](alloc, n+1, 4)
		fillText(out, dst, blob, spans)
	}
	return makeArray(dt, n, nil, offs, data)
}

// fillText copies the strings at spans of blob into dst, writing offsets.
func fillText[O int32 | int64](offs []O, dst, blob []byte, spans []span) {
	pos := 0
	for i, s := range spans {
		offs[i] = O(pos)
		pos += copy(dst[pos:], blob[s.off:s.off+s.n])
	}
	offs[len(spans)] = O(pos)
}
