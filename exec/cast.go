package exec

import (
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// castKernel converts a whole array (never a constant) to the target type.
type castKernel func(ec *EvalContext, arr arrow.Array) arrow.Array

// castExpr is CAST(x AS to).
type castExpr struct {
	x    Expr
	to   arrow.DataType
	kern castKernel
}

var _ Expr = (*castExpr)(nil)

// Cast returns SQL CAST(x AS to). It fails, wrapping ErrCast, when no value
// of x's type can ever be converted to to; a value that cannot be converted
// at run time (bad text, out of range) is a row error wrapping ErrCast or
// ErrOverflow. A cast of a constant is folded.
//
// Supported: numeric and boolean to numeric and boolean, anything to
// utf8, utf8 to numbers, boolean, timestamp, date and time, timestamp to
// and from date, time and bigint (ms since the epoch), interval to and
// from bigint (ms), utf8 and binary to each other, and NULL to anything.
func Cast(x Expr, to arrow.DataType) (Expr, error) {
	from := x.DataType()
	if arrow.TypeEqual(from, to) {
		return x, nil
	}
	k := castKernelFor(from, to)
	if k == nil {
		return nil, newError(ErrCast, "exec: cannot cast %s to %s", typeName(from), typeName(to))
	}
	c := &castExpr{x: x, to: to, kern: k}
	if _, ok := ConstValue(x); ok {
		return foldConst(c), nil
	}
	return c, nil
}

// DataType returns the target type.
func (c *castExpr) DataType() arrow.DataType { return c.to }

// Eval converts x's values; failures are row errors.
func (c *castExpr) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	arr, err := c.x.Eval(ec, batch)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	if arr.NullN() == arr.Len() {
		return array.MakeArrayOfNull(ec.Alloc, c.to, arr.Len()), nil
	}
	return c.kern(ec, arr), nil
}

// String returns cast(x AS type).
func (c *castExpr) String() string { return "cast(" + c.x.String() + " AS " + typeName(c.to) + ")" }

// castKernelFor picks the conversion, or nil when there is none.
func castKernelFor(from, to arrow.DataType) castKernel {
	switch {
	case isNullType(from):
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			return array.MakeArrayOfNull(ec.Alloc, to, arr.Len())
		}
	case isString(to):
		return castToString(from)
	case isString(from) || from.ID() == arrow.BINARY:
		return castFromString(from, to)
	case isNumeric(from) || from.ID() == arrow.BOOL:
		return castNumeric(from, to)
	}
	return castTemporal(from, to)
}

// getInt reads an integer-like array (integers, booleans, temporal types)
// as int64.
func getInt(a arrow.Array) func(int) int64 {
	switch a.DataType().ID() {
	case arrow.INT8:
		v := fixedValues[int8](a)
		return func(i int) int64 { return int64(v[i]) }
	case arrow.INT16:
		v := fixedValues[int16](a)
		return func(i int) int64 { return int64(v[i]) }
	case arrow.INT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS:
		v := fixedValues[int32](a)
		return func(i int) int64 { return int64(v[i]) }
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION:
		v := fixedValues[int64](a)
		return func(i int) int64 { return v[i] }
	case arrow.BOOL:
		b := a.(*array.Boolean)
		return func(i int) int64 { return int64(b2u(b.Value(i))) }
	}
	return nil
}

func getFloat(a arrow.Array) func(int) float64 {
	switch a.DataType().ID() {
	case arrow.FLOAT32:
		v := fixedValues[float32](a)
		return func(i int) float64 { return float64(v[i]) }
	case arrow.FLOAT64:
		v := fixedValues[float64](a)
		return func(i int) float64 { return v[i] }
	case arrow.DECIMAL128:
		v := fixedValues[decimal128.Num](a)
		s := a.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) float64 { return v[i].ToFloat64(s) }
	}
	g := getInt(a)
	return func(i int) float64 { return float64(g(i)) }
}

// getDecimal reads an exact numeric array as unscaled decimals of scale.
func getDecimal(a arrow.Array, scale int32) func(int) (decimal128.Num, bool) {
	if a.DataType().ID() == arrow.DECIMAL128 {
		v := fixedValues[decimal128.Num](a)
		from := a.DataType().(*arrow.Decimal128Type).Scale
		if from == scale {
			return func(i int) (decimal128.Num, bool) { return v[i], true }
		}
		return func(i int) (decimal128.Num, bool) { return decRescale(v[i], from, scale) }
	}
	g := getInt(a)
	mul := decimal128.GetScaleMultiplier(int(scale))
	return func(i int) (decimal128.Num, bool) { return decMul(decimal128.FromI64(g(i)), mul) }
}

// mapFixed builds a fixed-width array of typ from f over the valid rows of
// arr; a row where f fails is a row error err.
func mapFixed[T any](ec *EvalContext, arr arrow.Array, typ arrow.DataType, err error, f func(i int) (T, bool)) arrow.Array {
	n := arr.Len()
	v := newValidity(ec.Alloc, n, operand{arr: arr})
	buf, out := newFixed[T](ec.Alloc, n)
	for i := range out {
		if !v.valid(i) {
			continue
		}
		x, ok := f(i)
		if !ok {
			v.fail(ec, i, err)
			continue
		}
		out[i] = x
	}
	return newArray(typ, n, v, buf)
}

// mapBool is mapFixed for a boolean result.
func mapBool(ec *EvalContext, arr arrow.Array, err error, f func(i int) (bool, bool)) arrow.Array {
	n := arr.Len()
	v := newValidity(ec.Alloc, n, operand{arr: arr})
	buf, bits := newBits(ec.Alloc, n)
	for i := 0; i < n; i++ {
		if !v.valid(i) {
			continue
		}
		x, ok := f(i)
		if !ok {
			v.fail(ec, i, err)
			continue
		}
		bits[i>>3] |= b2u(x) << (i & 7)
	}
	return newArray(arrow.FixedWidthTypes.Boolean, n, v, buf)
}

// mapString builds a string array from f, which appends row i's text to dst.
func mapString(ec *EvalContext, arr arrow.Array, typ arrow.DataType, err error, f func(i int, dst []byte) ([]byte, bool)) arrow.Array {
	n := arr.Len()
	return fillStrings(ec, newValidity(ec.Alloc, n, operand{arr: arr}), n, n*8, typ, err, f)
}

// fillStrings builds a string array of n rows (about est bytes of text):
// row i is NULL when v says so, else the text f appends; when f reports
// !ok the row is NULL and fails with err.
func fillStrings(ec *EvalContext, v *validity, n, est int, typ arrow.DataType, err error, f func(i int, dst []byte) ([]byte, bool)) arrow.Array {
	out := newStrOut(ec.Alloc, n, est)
	var scratch []byte
	for i := 0; i < n; i++ {
		if !v.valid(i) {
			out.empty(i)
			continue
		}
		var ok bool
		scratch, ok = f(i, scratch[:0])
		if !ok {
			v.fail(ec, i, err)
			out.empty(i)
			continue
		}
		out.appendBytes(i, scratch)
	}
	return out.finish(typ, n, v)
}

var (
	errCastRange = newError(ErrOverflow, "exec: cast: value out of range")
	errCastText  = newError(ErrCast, "exec: cast: invalid text")
)

func castNumeric(from, to arrow.DataType) castKernel {
	switch {
	case isInteger(to) || to.ID() == arrow.BOOL:
		if isFloat(from) {
			bitsTo := intBits(to)
			return func(ec *EvalContext, arr arrow.Array) arrow.Array {
				g := getFloat(arr)
				return mapInt(ec, arr, to, func(i int) (int64, bool) {
					f := math.Trunc(g(i))
					if math.IsNaN(f) || f < -9.223372036854775808e18 || f >= 9.223372036854775808e18 {
						return 0, false
					}
					return int64(f), bitsTo == 0 || intFits(int64(f), bitsTo)
				})
			}
		}
		if isDecimal(from) {
			scale := from.(*arrow.Decimal128Type).Scale
			return func(ec *EvalContext, arr arrow.Array) arrow.Array {
				v := fixedValues[decimal128.Num](arr)
				return mapInt(ec, arr, to, func(i int) (int64, bool) { return decToInt64(v[i], scale) })
			}
		}
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := getInt(arr)
			return mapInt(ec, arr, to, func(i int) (int64, bool) { return g(i), true })
		}
	case isFloat(to):
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := getFloat(arr)
			if to.ID() == arrow.FLOAT32 {
				return mapFixed(ec, arr, to, errCastRange, func(i int) (float32, bool) { return float32(g(i)), true })
			}
			return mapFixed(ec, arr, to, errCastRange, func(i int) (float64, bool) { return g(i), true })
		}
	case isDecimal(to):
		dt := to.(*arrow.Decimal128Type)
		if isFloat(from) {
			return func(ec *EvalContext, arr arrow.Array) arrow.Array {
				g := getFloat(arr)
				return mapFixed(ec, arr, to, errCastRange, func(i int) (decimal128.Num, bool) {
					n, err := decimal128.FromFloat64(g(i), dt.Precision, dt.Scale)
					return n, err == nil
				})
			}
		}
		if from.ID() == arrow.BOOL {
			return nil
		}
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := getDecimal(arr, dt.Scale)
			return mapFixed(ec, arr, to, errCastRange, func(i int) (decimal128.Num, bool) {
				n, ok := g(i)
				return n, ok && n.FitsInPrecision(dt.Precision)
			})
		}
	case to.ID() == arrow.TIMESTAMP && isInteger(from), to.ID() == arrow.DURATION && isInteger(from):
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := getInt(arr)
			return mapFixed(ec, arr, to, errCastRange, func(i int) (int64, bool) { return g(i), true })
		}
	}
	return nil
}

// mapInt writes int64 results into an integer or boolean array of typ,
// range-checking them.
func mapInt(ec *EvalContext, arr arrow.Array, typ arrow.DataType, f func(i int) (int64, bool)) arrow.Array {
	return mapIntErr(ec, arr, typ, errCastRange, f)
}

// mapIntErr is mapInt with the row error err.
func mapIntErr(ec *EvalContext, arr arrow.Array, typ arrow.DataType, err error, f func(i int) (int64, bool)) arrow.Array {
	switch typ.ID() {
	case arrow.BOOL:
		return mapBool(ec, arr, err, func(i int) (bool, bool) {
			x, ok := f(i)
			return x != 0, ok
		})
	case arrow.INT8:
		return mapFixed(ec, arr, typ, err, func(i int) (int8, bool) {
			x, ok := f(i)
			return int8(x), ok && intFits(x, 8)
		})
	case arrow.INT16:
		return mapFixed(ec, arr, typ, err, func(i int) (int16, bool) {
			x, ok := f(i)
			return int16(x), ok && intFits(x, 16)
		})
	case arrow.INT32:
		return mapFixed(ec, arr, typ, err, func(i int) (int32, bool) {
			x, ok := f(i)
			return int32(x), ok && intFits(x, 32)
		})
	}
	return mapFixed(ec, arr, typ, err, f)
}

func castTemporal(from, to arrow.DataType) castKernel {
	f, t := from.ID(), to.ID()
	switch {
	case f == arrow.TIMESTAMP && t == arrow.DATE32:
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			v := fixedValues[int64](arr)
			return mapFixed(ec, arr, to, errCastRange, func(i int) (int32, bool) {
				d := floorDiv(v[i], msPerDay)
				return int32(d), intFits(d, 32)
			})
		}
	case f == arrow.TIMESTAMP && t == arrow.TIME32:
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			v := fixedValues[int64](arr)
			return mapFixed(ec, arr, to, errCastRange, func(i int) (int32, bool) { return int32(floorMod(v[i], msPerDay)), true })
		}
	case f == arrow.DATE32 && t == arrow.TIMESTAMP:
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			v := fixedValues[int32](arr)
			return mapFixed(ec, arr, to, errCastRange, func(i int) (int64, bool) { return int64(v[i]) * msPerDay, true })
		}
	case (f == arrow.TIMESTAMP || f == arrow.DURATION) && isInteger(to):
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			v := fixedValues[int64](arr)
			return mapInt(ec, arr, to, func(i int) (int64, bool) { return v[i], true })
		}
	case f == arrow.DURATION && isDecimal(to):
		// An interval converts to its number of milliseconds.
		dt := to.(*arrow.Decimal128Type)
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			v := fixedValues[int64](arr)
			mul := decimal128.GetScaleMultiplier(int(dt.Scale))
			return mapFixed(ec, arr, to, errCastRange, func(i int) (decimal128.Num, bool) {
				n, ok := decMul(decimal128.FromI64(v[i]), mul)
				return n, ok && n.FitsInPrecision(dt.Precision)
			})
		}
	}
	return nil
}

// appendFloat writes a float the way Java's Double.toString does for the
// usual magnitudes: 1.0, 0.25, 1.0E10.
func appendFloat(b []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	a := math.Abs(f)
	if a == 0 || (a >= 1e-3 && a < 1e7) {
		start := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, bitSize)
		if !strings.ContainsRune(string(b[start:]), '.') {
			b = append(b, '.', '0')
		}
		return b
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'E', -1, bitSize)
	// Java writes 1.0E10, not 1E+10.
	s := string(b[start:])
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	if neg := strings.HasPrefix(exp, "-"); neg {
		exp = "-" + strings.TrimLeft(exp[1:], "0")
	} else {
		exp = strings.TrimLeft(exp, "0")
	}
	return append(b[:start], mant+"E"+exp...)
}

// appendInterval writes a day-time interval in ms as [-]D HH:MM:SS.fff.
func appendInterval(b []byte, ms int64) []byte {
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/msPerDay, 10)
	b = append(b, ' ')
	return appendTimeOfDay(b, ms%msPerDay)
}

func castToString(from arrow.DataType) castKernel {
	var f func(arr arrow.Array) func(i int, dst []byte) []byte
	switch {
	case isInteger(from):
		f = func(arr arrow.Array) func(int, []byte) []byte {
			g := getInt(arr)
			return func(i int, dst []byte) []byte { return strconv.AppendInt(dst, g(i), 10) }
		}
	case isFloat(from):
		size := 64
		if from.ID() == arrow.FLOAT32 {
			size = 32
		}
		f = func(arr arrow.Array) func(int, []byte) []byte {
			g := getFloat(arr)
			return func(i int, dst []byte) []byte { return appendFloat(dst, g(i), size) }
		}
	case isDecimal(from):
		scale := from.(*arrow.Decimal128Type).Scale
		f = func(arr arrow.Array) func(int, []byte) []byte {
			v := fixedValues[decimal128.Num](arr)
			return func(i int, dst []byte) []byte { return append(dst, v[i].ToString(scale)...) }
		}
	case from.ID() == arrow.BOOL:
		f = func(arr arrow.Array) func(int, []byte) []byte {
			b := arr.(*array.Boolean)
			return func(i int, dst []byte) []byte {
				if b.Value(i) {
					return append(dst, "TRUE"...)
				}
				return append(dst, "FALSE"...)
			}
		}
	case from.ID() == arrow.TIMESTAMP:
		f = func(arr arrow.Array) func(int, []byte) []byte {
			v := fixedValues[int64](arr)
			return func(i int, dst []byte) []byte { return appendTimestamp(dst, v[i]) }
		}
	case from.ID() == arrow.DATE32:
		f = func(arr arrow.Array) func(int, []byte) []byte {
			v := fixedValues[int32](arr)
			return func(i int, dst []byte) []byte { return appendDate(dst, int64(v[i])) }
		}
	case from.ID() == arrow.TIME32:
		f = func(arr arrow.Array) func(int, []byte) []byte {
			v := fixedValues[int32](arr)
			return func(i int, dst []byte) []byte { return appendTimeOfDay(dst, int64(v[i])) }
		}
	case from.ID() == arrow.DURATION:
		f = func(arr arrow.Array) func(int, []byte) []byte {
			v := fixedValues[int64](arr)
			return func(i int, dst []byte) []byte { return appendInterval(dst, v[i]) }
		}
	case from.ID() == arrow.INTERVAL_MONTHS:
		f = func(arr arrow.Array) func(int, []byte) []byte {
			v := fixedValues[int32](arr)
			return func(i int, dst []byte) []byte {
				m := int64(v[i])
				if m < 0 {
					dst = append(dst, '-')
					m = -m
				}
				dst = strconv.AppendInt(dst, m/12, 10)
				dst = append(dst, '-')
				return strconv.AppendInt(dst, m%12, 10)
			}
		}
	case from.ID() == arrow.BINARY:
		f = func(arr arrow.Array) func(int, []byte) []byte {
			b := arr.(*array.Binary)
			return func(i int, dst []byte) []byte { return append(dst, b.Value(i)...) }
		}
	default:
		return nil
	}
	return func(ec *EvalContext, arr arrow.Array) arrow.Array {
		g := f(arr)
		return mapString(ec, arr, arrow.BinaryTypes.String, errCastText, func(i int, dst []byte) ([]byte, bool) { return g(i, dst), true })
	}
}

// parseBool accepts true/false, t/f, yes/no, on/off and 1/0 in any case.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(trimSpace(s)) {
	case "true", "t", "yes", "y", "on", "1":
		return true, true
	case "false", "f", "no", "n", "off", "0":
		return false, true
	}
	return false, false
}

func castFromString(from, to arrow.DataType) castKernel {
	str := func(arr arrow.Array) func(int) string { return stringOperand(operand{arr: arr}) }
	switch {
	case to.ID() == arrow.BINARY:
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := str(arr)
			return mapString(ec, arr, to, errCastText, func(i int, dst []byte) ([]byte, bool) { return append(dst, g(i)...), true })
		}
	case from.ID() == arrow.BINARY:
		return nil
	case isInteger(to):
		bits := intBits(to)
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := str(arr)
			return mapIntErr(ec, arr, to, errCastText, func(i int) (int64, bool) {
				x, err := strconv.ParseInt(trimSpace(g(i)), 10, bits)
				return x, err == nil
			})
		}
	case isFloat(to):
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := str(arr)
			if to.ID() == arrow.FLOAT32 {
				return mapFixed(ec, arr, to, errCastText, func(i int) (float32, bool) {
					x, err := strconv.ParseFloat(trimSpace(g(i)), 32)
					return float32(x), err == nil
				})
			}
			return mapFixed(ec, arr, to, errCastText, func(i int) (float64, bool) {
				x, err := strconv.ParseFloat(trimSpace(g(i)), 64)
				return x, err == nil
			})
		}
	case isDecimal(to):
		dt := to.(*arrow.Decimal128Type)
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := str(arr)
			return mapFixed(ec, arr, to, errCastText, func(i int) (decimal128.Num, bool) {
				n, err := decimal128.FromString(trimSpace(g(i)), dt.Precision, dt.Scale)
				return n, err == nil && n.FitsInPrecision(dt.Precision)
			})
		}
	case to.ID() == arrow.BOOL:
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := str(arr)
			return mapBool(ec, arr, errCastText, func(i int) (bool, bool) { return parseBool(g(i)) })
		}
	case to.ID() == arrow.TIMESTAMP:
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := str(arr)
			return mapFixed(ec, arr, to, errCastText, func(i int) (int64, bool) { return parseTimestampText(g(i)) })
		}
	case to.ID() == arrow.DATE32:
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := str(arr)
			return mapFixed(ec, arr, to, errCastText, func(i int) (int32, bool) {
				s := trimSpace(g(i))
				d, n, ok := parseDateText(s)
				return int32(d), ok && n == len(s) && intFits(d, 32)
			})
		}
	case to.ID() == arrow.TIME32:
		return func(ec *EvalContext, arr arrow.Array) arrow.Array {
			g := str(arr)
			return mapFixed(ec, arr, to, errCastText, func(i int) (int32, bool) {
				s := trimSpace(g(i))
				ms, n, ok := parseTimeText(s)
				return int32(ms), ok && n == len(s)
			})
		}
	}
	return nil
}
