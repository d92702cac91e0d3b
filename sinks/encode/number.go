package encode

import (
	"math"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// appendFloat appends f as the shortest text that reads back as the same
// value (bits is 32 or 64): plain notation for 1e-6 <= |f| < 1e21, else
// exponent notation (1e+21, 1e-7). NaN and infinities become null in JSON
// and NaN, Infinity, -Infinity in text.
func appendFloat(dst []byte, f float64, bits int, json bool) []byte {
	switch {
	case math.IsNaN(f):
		if json {
			return append(dst, "null"...)
		}
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		if json {
			return append(dst, "null"...)
		}
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		if json {
			return append(dst, "null"...)
		}
		return append(dst, "-Infinity"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// Shorten e-07 to e-7, as JavaScript and encoding/json do.
		if n := len(dst) - start; n >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}

// appendScaled appends the decimal whose unscaled magnitude has the
// decimal digits in digits, with the given sign and scale: exactly scale
// fraction digits ("90.800"), or trailing zeros for a negative scale.
func appendScaled(dst []byte, neg bool, digits []byte, scale int32) []byte {
	if neg {
		dst = append(dst, '-')
	}
	if scale <= 0 {
		dst = append(dst, digits...)
		if len(digits) == 1 && digits[0] == '0' {
			return dst
		}
		for ; scale < 0; scale++ {
			dst = append(dst, '0')
		}
		return dst
	}
	s := int(scale)
	if len(digits) <= s {
		dst = append(dst, '0', '.')
		for i := len(digits); i < s; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-s]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-s:]...)
}

// appendDecimalInt appends an unscaled int64 decimal value.
func appendDecimalInt(dst []byte, v int64, scale int32) []byte {
	var buf [20]byte
	neg := v < 0
	mag := uint64(v)
	if neg {
		mag = -mag
	}
	return appendScaled(dst, neg, strconv.AppendUint(buf[:0], mag, 10), scale)
}

// appendDecimal128 appends a decimal128 value with its scale.
func appendDecimal128(dst []byte, n decimal128.Num, scale int32) []byte {
	hi, lo := n.HighBits(), n.LowBits()
	if hi == 0 && lo>>63 == 0 || hi == -1 && lo>>63 == 1 {
		return appendDecimalInt(dst, int64(lo), scale)
	}
	return appendBigDecimal(dst, n.BigInt(), scale)
}

// appendDecimal256 appends a decimal256 value with its scale.
func appendDecimal256(dst []byte, n decimal256.Num, scale int32) []byte {
	return appendBigDecimal(dst, n.BigInt(), scale)
}

func appendBigDecimal(dst []byte, b *big.Int, scale int32) []byte {
	neg := b.Sign() < 0
	var buf [80]byte
	return appendScaled(dst, neg, b.Abs(b).Append(buf[:0], 10), scale)
}
