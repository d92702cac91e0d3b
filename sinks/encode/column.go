package encode

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// style selects the text forms a column formatter writes.
type style uint8

const (
	// styleJSON writes JSON values: strings quoted and escaped, timestamps
	// "2024-05-01T10:00:00.000Z", NaN and infinities null.
	styleJSON style = iota
	// styleCSV writes bare text in the JSON forms (ISO timestamps with Z);
	// the CSV encoder quotes fields that need it.
	styleCSV
	// styleTable writes terminal text: timestamps "2024-05-01 10:00:00.000",
	// control characters escaped.
	styleTable
)

// appendFunc appends the text of row i, which is not null.
type appendFunc func(dst []byte, i int) []byte

// column is one column of a batch with the formatter chosen for its type.
type column struct {
	arr   arrow.Array
	nulls bool // the column has nulls, so rows need a null check
	fmt   appendFunc
	// plain columns write only digits, letters and - + . : space, so no CSV
	// field of theirs needs quoting under the usual delimiters.
	plain bool
}

// isNull tells whether row i of the column is null.
func (c *column) isNull(i int) bool { return c.nulls && c.arr.IsNull(i) }

// newColumns chooses a formatter for each column of batch.
func newColumns(batch arrow.RecordBatch, st style) []column {
	cols := make([]column, batch.NumCols())
	for i := range cols {
		cols[i] = newColumn(batch.Column(i), st)
	}
	return cols
}

// quoted wraps a formatter that writes bare text so JSON gets a string.
func quoted(st style, f appendFunc) appendFunc {
	if st != styleJSON {
		return f
	}
	return func(dst []byte, i int) []byte {
		dst = append(dst, '"')
		dst = f(dst, i)
		return append(dst, '"')
	}
}

func newColumn(arr arrow.Array, st style) column {
	c := column{arr: arr, nulls: arr.NullN() > 0, plain: true}
	json := st == styleJSON
	switch a := arr.(type) {
	case *array.Null:
		c.nulls = arr.Len() > 0
		c.fmt = func(dst []byte, _ int) []byte { return dst }
	case *array.Boolean:
		c.fmt = func(dst []byte, i int) []byte {
			if a.Value(i) {
				return append(dst, "true"...)
			}
			return append(dst, "false"...)
		}
	case *array.Int8:
		c.fmt = intFormatter(a.Int8Values())
	case *array.Int16:
		c.fmt = intFormatter(a.Int16Values())
	case *array.Int32:
		c.fmt = intFormatter(a.Int32Values())
	case *array.Int64:
		c.fmt = intFormatter(a.Int64Values())
	case *array.Uint8:
		c.fmt = uintFormatter(a.Uint8Values())
	case *array.Uint16:
		c.fmt = uintFormatter(a.Uint16Values())
	case *array.Uint32:
		c.fmt = uintFormatter(a.Uint32Values())
	case *array.Uint64:
		c.fmt = uintFormatter(a.Uint64Values())
	case *array.Float16:
		v := a.Values()
		c.fmt = func(dst []byte, i int) []byte { return appendFloat(dst, float64(v[i].Float32()), 32, json) }
	case *array.Float32:
		v := a.Float32Values()
		c.fmt = func(dst []byte, i int) []byte { return appendFloat(dst, float64(v[i]), 32, json) }
	case *array.Float64:
		v := a.Float64Values()
		c.fmt = func(dst []byte, i int) []byte { return appendFloat(dst, v[i], 64, json) }
	case *array.Decimal32:
		v, scale := a.Values(), a.DataType().(arrow.DecimalType).GetScale()
		c.fmt = func(dst []byte, i int) []byte { return appendDecimalInt(dst, int64(v[i]), scale) }
	case *array.Decimal64:
		v, scale := a.Values(), a.DataType().(arrow.DecimalType).GetScale()
		c.fmt = func(dst []byte, i int) []byte { return appendDecimalInt(dst, int64(v[i]), scale) }
	case *array.Decimal128:
		v, scale := a.Values(), a.DataType().(arrow.DecimalType).GetScale()
		c.fmt = func(dst []byte, i int) []byte { return appendDecimal128(dst, v[i], scale) }
	case *array.Decimal256:
		v, scale := a.Values(), a.DataType().(arrow.DecimalType).GetScale()
		c.fmt = func(dst []byte, i int) []byte { return appendDecimal256(dst, v[i], scale) }
	case *array.String:
		c.plain, c.fmt = false, stringFormatter(a.Value, st)
	case *array.LargeString:
		c.plain, c.fmt = false, stringFormatter(a.Value, st)
	case *array.StringView:
		c.plain, c.fmt = false, stringFormatter(a.Value, st)
	case *array.Binary:
		c.fmt = quoted(st, func(dst []byte, i int) []byte { return appendBase64(dst, a.Value(i)) })
	case *array.LargeBinary:
		c.fmt = quoted(st, func(dst []byte, i int) []byte { return appendBase64(dst, a.Value(i)) })
	case *array.BinaryView:
		c.fmt = quoted(st, func(dst []byte, i int) []byte { return appendBase64(dst, a.Value(i)) })
	case *array.FixedSizeBinary:
		c.fmt = quoted(st, func(dst []byte, i int) []byte { return appendBase64(dst, a.Value(i)) })
	case *array.Timestamp:
		c.fmt = timestampColumn(a, st)
	case *array.Date32:
		v := a.Date32Values()
		c.fmt = quoted(st, func(dst []byte, i int) []byte { return appendDate(dst, int64(v[i])) })
	case *array.Date64:
		v := a.Date64Values()
		c.fmt = quoted(st, func(dst []byte, i int) []byte { return appendDate(dst, floorDiv(int64(v[i]), 86_400_000)) })
	case *array.Time32:
		v, per := a.Time32Values(), perSecond(a.DataType().(*arrow.Time32Type).Unit)
		c.fmt = quoted(st, func(dst []byte, i int) []byte { return appendTimeOfDay(dst, int64(v[i]), per) })
	case *array.Time64:
		v, per := a.Time64Values(), perSecond(a.DataType().(*arrow.Time64Type).Unit)
		c.fmt = quoted(st, func(dst []byte, i int) []byte { return appendTimeOfDay(dst, int64(v[i]), per) })
	case *array.Duration:
		v, unit := a.DurationValues(), a.DataType().(*arrow.DurationType).Unit
		c.fmt = durationFormatter(v, unit)
	case *array.MonthInterval:
		c.fmt = intFormatter(a.MonthIntervalValues())
	default:
		c.plain = false
		c.fmt = stringFormatter(arr.ValueStr, st)
	}
	return c
}

type signed interface {
	~int8 | ~int16 | ~int32 | ~int64
}

type unsigned interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

func intFormatter[T signed](v []T) appendFunc {
	return func(dst []byte, i int) []byte {
		n := int64(v[i])
		if n < 0 {
			return appendUint(append(dst, '-'), uint64(-n))
		}
		return appendUint(dst, uint64(n))
	}
}

func uintFormatter[T unsigned](v []T) appendFunc {
	return func(dst []byte, i int) []byte { return appendUint(dst, uint64(v[i])) }
}

func stringFormatter(value func(int) string, st style) appendFunc {
	switch st {
	case styleJSON:
		return func(dst []byte, i int) []byte { return appendJSONString(dst, value(i)) }
	case styleTable:
		return func(dst []byte, i int) []byte { return appendTerminalText(dst, value(i)) }
	}
	return func(dst []byte, i int) []byte { return appendValidUTF8(dst, value(i)) }
}

func perSecond(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Millisecond:
		return 1_000
	case arrow.Microsecond:
		return 1_000_000
	case arrow.Nanosecond:
		return 1_000_000_000
	}
	return 1
}

func timestampColumn(a *array.Timestamp, st style) appendFunc {
	v := a.TimestampValues()
	per := perSecond(a.DataType().(*arrow.TimestampType).Unit)
	if st == styleTable {
		f := newTimestampFormatter(per, ' ', "")
		return func(dst []byte, i int) []byte { return f.append(dst, int64(v[i])) }
	}
	f := newTimestampFormatter(per, 'T', "Z")
	return quoted(st, func(dst []byte, i int) []byte { return f.append(dst, int64(v[i])) })
}

// durationFormatter writes durations as a number of milliseconds, exact:
// finer units get fraction digits (1500 µs is 1.500).
func durationFormatter(v []arrow.Duration, unit arrow.TimeUnit) appendFunc {
	switch unit {
	case arrow.Second:
		return func(dst []byte, i int) []byte { return appendDecimalInt(dst, int64(v[i]), -3) }
	case arrow.Microsecond:
		return func(dst []byte, i int) []byte { return appendDecimalInt(dst, int64(v[i]), 3) }
	case arrow.Nanosecond:
		return func(dst []byte, i int) []byte { return appendDecimalInt(dst, int64(v[i]), 6) }
	}
	return intFormatter(v)
}
