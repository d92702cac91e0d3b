package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/eddy-sql/eddy/sources"
)

// This file holds the conversions shared by the JSON and CSV decoders:
// from the bytes of one value to a value staged in a sources.Batcher.
// KDA's JSON-to-SQL rules (FEATURES.md §9) decide what converts.

var (
	trueText  = []byte("true")
	falseText = []byte("false")
)

const msPerDay = 86_400_000

// setText stages text v, a JSON string's content or a CSV field, in column
// i. scratch is reused for decoded binary values.
func (c *column) setText(b *sources.Batcher, i int, v []byte, scratch *[]byte) error {
	switch c.kind {
	case sources.ColString:
		return c.setString(b, i, v, true)
	case sources.ColBinary:
		start := len(*scratch)
		out, err := decodeBinary(*scratch, v)
		if err != nil {
			return c.coerceErr(v, true, "")
		}
		*scratch = out
		b.SetBytes(i, out[start:len(out):len(out)])
		return nil
	case sources.ColBool:
		b.SetBool(i, bytes.EqualFold(bytes.TrimSpace(v), trueText))
		return nil
	}
	t := bytes.TrimSpace(v)
	switch c.kind {
	case sources.ColFloat32, sources.ColFloat64:
		f, err := strconv.ParseFloat(unsafeString(t), 64)
		if err != nil && !isRangeErr(err) {
			return c.coerceErr(v, true, "")
		}
		return c.setFloat(b, i, f, v, true)
	case sources.ColDecimal:
		return c.setDecimal(b, i, t, v, true)
	case sources.ColTimestamp:
		if len(t) > 0 && bytes.Equal(t, c.lastTime) { // event times repeat
			b.SetInt(i, c.lastMs)
			return nil
		}
		if ms, ok := parseTimestampText(t); ok {
			c.lastTime, c.lastMs = append(c.lastTime[:0], t...), ms
			b.SetInt(i, ms)
			return nil
		}
	case sources.ColDate:
		if ms, ok := parseTimestampText(t); ok {
			b.SetInt(i, floorDiv(ms, msPerDay))
			return nil
		}
	case sources.ColTime:
		if ms, ok := sources.ParseTimeOfDay(t); ok {
			b.SetInt(i, ms)
			return nil
		}
	default: // integers
		if n, ok := numberToInt(t, isIntText(t)); ok {
			return c.setInt(b, i, n, v, true)
		}
	}
	return c.coerceErr(v, true, "")
}

// setNumber stages a JSON number token v in column i; integral says the
// token has no fraction or exponent.
func (c *column) setNumber(b *sources.Batcher, i int, v []byte, integral bool) error {
	switch c.kind {
	case sources.ColString:
		return c.setString(b, i, v, false)
	case sources.ColBool:
		f, _ := strconv.ParseFloat(unsafeString(v), 64)
		b.SetBool(i, f != 0)
		return nil
	case sources.ColFloat32, sources.ColFloat64:
		f, err := strconv.ParseFloat(unsafeString(v), 64)
		if err != nil && !isRangeErr(err) {
			return c.coerceErr(v, false, "")
		}
		return c.setFloat(b, i, f, v, false)
	case sources.ColDecimal:
		return c.setDecimal(b, i, v, v, false)
	case sources.ColBinary:
		return c.coerceErr(v, false, "")
	}
	n, ok := numberToInt(v, integral)
	if !ok {
		return c.coerceErr(v, false, "")
	}
	switch c.kind {
	case sources.ColTimestamp: // epoch milliseconds
		b.SetInt(i, n)
	case sources.ColDate:
		b.SetInt(i, floorDiv(n, msPerDay))
	case sources.ColTime:
		if n < 0 || n >= msPerDay {
			return c.coerceErr(v, false, "out of range")
		}
		b.SetInt(i, n)
	default:
		return c.setInt(b, i, n, v, false)
	}
	return nil
}

// setBool stages a JSON boolean: 1/0 in numeric columns, 'true'/'false'
// in strings; it is an error for binary and datetime columns.
func (c *column) setBool(b *sources.Batcher, i int, v bool) error {
	text := falseText
	if v {
		text = trueText
	}
	n := int64(0)
	if v {
		n = 1
	}
	switch c.kind {
	case sources.ColBool:
		b.SetBool(i, v)
	case sources.ColString:
		return c.setString(b, i, text, false)
	case sources.ColInt8, sources.ColInt16, sources.ColInt32, sources.ColInt64:
		b.SetInt(i, n)
	case sources.ColFloat32, sources.ColFloat64:
		b.SetFloat(i, float64(n))
	case sources.ColDecimal:
		d := decimal128.FromI64(n).IncreaseScaleBy(c.scale)
		if !d.FitsInPrecision(c.prec) {
			return c.coerceErr(text, false, "out of range")
		}
		b.SetDecimal(i, d)
	default:
		return c.coerceErr(text, false, "")
	}
	return nil
}

// setRaw stages a JSON object or array, as its text, in a string column;
// any other column type is an error.
func (c *column) setRaw(b *sources.Batcher, i int, v []byte) error {
	if c.kind != sources.ColString {
		return c.coerceErr(v, false, "")
	}
	return c.setString(b, i, v, false)
}

// setString stages v in string column i, cut to the column's declared
// length. A cut value is counted (onTrunc) or, with strict_varchar, an
// error that rejects the record.
func (c *column) setString(b *sources.Batcher, i int, v []byte, quoted bool) error {
	t := truncate(v, c.length)
	if len(t) < len(v) {
		if c.strict {
			return &TruncationError{Column: c.name, Value: string(v), Quoted: quoted, Type: c.sqlType, Length: c.length}
		}
		if c.onTrunc != nil {
			c.onTrunc(c.name)
		}
	}
	b.SetBytes(i, t)
	return nil
}

func (c *column) setInt(b *sources.Batcher, i int, n int64, v []byte, quoted bool) error {
	if c.bits < 64 {
		lim := int64(1) << (c.bits - 1)
		if n < -lim || n >= lim {
			return c.coerceErr(v, quoted, "out of range")
		}
	}
	b.SetInt(i, n)
	return nil
}

func (c *column) setFloat(b *sources.Batcher, i int, f float64, v []byte, quoted bool) error {
	if math.IsInf(f, 0) || (c.kind == sources.ColFloat32 && math.Abs(f) > math.MaxFloat32) {
		return c.coerceErr(v, quoted, "out of range")
	}
	b.SetFloat(i, f)
	return nil
}

func (c *column) setDecimal(b *sources.Batcher, i int, t, v []byte, quoted bool) error {
	d, reason := parseDecimal(t, c.prec, c.scale)
	if reason != "" {
		return c.coerceErr(v, quoted, reason)
	}
	b.SetDecimal(i, d)
	return nil
}

// parseDecimal reads decimal text (optional sign, digits, fraction and
// exponent) exactly into a decimal128 at the given scale. reason is empty
// on success; a value with more significant fraction digits than scale is
// an error ("precision loss"), as is one with more than prec digits.
func parseDecimal(t []byte, prec, scale int32) (decimal128.Num, string) {
	var n decimal128.Num
	i, neg := 0, false
	if i < len(t) && (t[i] == '-' || t[i] == '+') {
		neg = t[i] == '-'
		i++
	}
	ten := decimal128.FromU64(10)
	ndig, seen, frac, seenDot := 0, 0, int32(0), false
	for ; i < len(t); i++ {
		ch := t[i]
		if ch == '.' && !seenDot {
			seenDot = true
			continue
		}
		if ch < '0' || ch > '9' {
			break
		}
		seen++
		if ndig > 0 || ch != '0' {
			ndig++
		}
		if ndig > 38 {
			return n, "out of range"
		}
		n = n.Mul(ten).Add(decimal128.FromU64(uint64(ch - '0')))
		if seenDot {
			frac++
		}
	}
	if seen == 0 {
		return n, "not a number"
	}
	exp := int64(0)
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		e, ok := parseInt(t[i+1:])
		if !ok || e > 100 || e < -100 {
			return n, "not a number"
		}
		exp, i = e, len(t)
	}
	if i != len(t) {
		return n, "not a number"
	}
	eff := int64(frac) - exp // the scale of n as read
	switch {
	case eff < int64(scale):
		up := int64(scale) - eff
		if up+int64(ndig) > 38 {
			return n, "out of range"
		}
		n = n.IncreaseScaleBy(int32(up))
	case eff > int64(scale):
		down := eff - int64(scale)
		if down > 38 {
			if n.Sign() != 0 {
				return n, "precision loss"
			}
			n = decimal128.Num{}
			break
		}
		q, r := n.Div(decimal128.GetScaleMultiplier(int(down)))
		if r.Sign() != 0 {
			return n, "precision loss"
		}
		n = q
	}
	if !n.FitsInPrecision(prec) {
		return n, "out of range"
	}
	if neg {
		n = n.Negate()
	}
	return n, ""
}

// numberToInt reads an integer, or a number with a fraction or exponent
// whose value is integral and fits an int64.
func numberToInt(v []byte, integral bool) (int64, bool) {
	if integral {
		return parseInt(v)
	}
	f, err := strconv.ParseFloat(unsafeString(v), 64)
	if err != nil || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// parseInt reads an optionally signed decimal integer that fits int64.
func parseInt(v []byte) (int64, bool) {
	i, neg := 0, false
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		i = 1
	}
	if i == len(v) {
		return 0, false
	}
	var u uint64
	for ; i < len(v); i++ {
		d := v[i] - '0'
		if d > 9 {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(d)
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// isIntText reports whether v is an optionally signed run of digits.
func isIntText(v []byte) bool {
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		v = v[1:]
	}
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return len(v) > 0
}

// parseTimestampText reads a timestamp string, or an integer as epoch
// milliseconds.
func parseTimestampText(t []byte) (int64, bool) {
	if ms, err := sources.ParseTimestampBytes(t); err == nil {
		return ms, true
	}
	if isIntText(t) {
		return parseInt(t)
	}
	return 0, false
}

// decodeBinary appends the bytes of X'hex' text or of base64 text to dst.
func decodeBinary(dst, v []byte) ([]byte, error) {
	t := bytes.TrimSpace(v)
	if len(t) >= 3 && (t[0] == 'X' || t[0] == 'x') && t[1] == '\'' && t[len(t)-1] == '\'' {
		return hex.AppendDecode(dst, t[2:len(t)-1])
	}
	return base64.StdEncoding.AppendDecode(dst, t)
}

// truncate cuts v to at most n characters (runes); n = 0 means no limit.
func truncate(v []byte, n int) []byte {
	if n <= 0 || len(v) <= n {
		return v
	}
	k := 0
	for i := range string(v) {
		if k == n {
			return v[:i]
		}
		k++
	}
	return v
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// unsafeString views b as a string for a parse that does not keep it.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
