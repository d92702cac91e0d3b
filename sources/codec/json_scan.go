package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the JSON scanner: it validates a record and finds the
// spans of values without building anything.

// Kinds of JSON values.
const (
	jString byte = iota + 1
	jInt         // a number without fraction or exponent
	jFloat       // a number with a fraction or exponent
	jTrue
	jFalse
	jNull
	jObject
	jArray
)

// maxDepth bounds the nesting of objects and arrays in a record.
const maxDepth = 512

// span is one JSON value: bytes [start, end) of the record (a string's
// span includes its quotes); esc tells a string holds escapes.
type span struct {
	start, end int
	kind       byte
	esc        bool
}

func jsonErr(off int, format string, args ...any) error {
	return &SyntaxError{Format: "JSON", Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue validates the value starting at b[i] and returns its span.
func scanValue(b []byte, i, depth int) (span, error) {
	if i >= len(b) {
		return span{}, jsonErr(i, "unexpected end of record")
	}
	switch c := b[i]; {
	case c == '"':
		end, esc, err := scanString(b, i)
		return span{start: i, end: end, kind: jString, esc: esc}, err
	case c == '{':
		end, err := scanObject(b, i, depth+1)
		return span{start: i, end: end, kind: jObject}, err
	case c == '[':
		end, err := scanArray(b, i, depth+1)
		return span{start: i, end: end, kind: jArray}, err
	case c == 't':
		return scanLiteral(b, i, "true", jTrue)
	case c == 'f':
		return scanLiteral(b, i, "false", jFalse)
	case c == 'n':
		return scanLiteral(b, i, "null", jNull)
	case c == '-' || (c >= '0' && c <= '9'):
		end, integral, err := scanNumber(b, i)
		kind := jFloat
		if integral {
			kind = jInt
		}
		return span{start: i, end: end, kind: kind}, err
	default:
		return span{}, jsonErr(i, "unexpected character %q", c)
	}
}

func scanLiteral(b []byte, i int, lit string, kind byte) (span, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return span{}, jsonErr(i, "invalid literal")
	}
	return span{start: i, end: i + len(lit), kind: kind}, nil
}

// scanString validates the string whose opening quote is b[i] and returns
// the index after its closing quote and whether it holds escapes.
func scanString(b []byte, i int) (int, bool, error) {
	j, esc := i+1, false
	for {
		k := quoteOrEscape(b, j)
		if k < 0 {
			return 0, false, jsonErr(i, "unterminated string")
		}
		if b[k] == '"' {
			return k + 1, esc, nil
		}
		esc = true
		p := k + 1 // the escaped character
		if p >= len(b) {
			return 0, false, jsonErr(i, "unterminated string")
		}
		switch b[p] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			j = p + 1
		case 'u':
			if p+5 > len(b) || !isHex4(b[p+1:p+5]) {
				return 0, false, jsonErr(p-1, `bad \u escape`)
			}
			j = p + 5
		default:
			return 0, false, jsonErr(p-1, "bad escape %q", b[p])
		}
	}
}

// swarBytes is how far quoteOrEscape looks eight bytes at a time before
// it hands long strings to bytes.IndexByte (vectorized, but a call).
const swarBytes = 32

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// quoteOrEscape returns the index of the first '"' or '\\' in b from j
// on, or -1. Short strings (keys, most values) are searched eight bytes
// at a time in registers; the rest of a long one with bytes.IndexByte.
func quoteOrEscape(b []byte, j int) int {
	end := min(len(b), j+swarBytes)
	for ; j+8 <= end; j += 8 {
		w := binary.LittleEndian.Uint64(b[j:])
		q, e := w^(lows*'"'), w^(lows*'\\')
		// A byte is flagged when it is zero in q or e; the lowest flag is
		// exact (false flags only occur above a true one).
		if m := ((q-lows)&^q | (e-lows)&^e) & highs; m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
	}
	if end == len(b) {
		for ; j < end; j++ {
			if c := b[j]; c == '"' || c == '\\' {
				return j
			}
		}
		return -1
	}
	k := bytes.IndexByte(b[j:], '"')
	if k < 0 {
		k = len(b) - j
	}
	if bs := bytes.IndexByte(b[j:j+k], '\\'); bs >= 0 {
		return j + bs
	}
	if j+k == len(b) {
		return -1
	}
	return j + k
}

func isHex4(h []byte) bool {
	for _, c := range h[:4] {
		if !isHexDigit(c) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// scanNumber validates the number at b[i]: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func scanNumber(b []byte, i int) (end int, integral bool, err error) {
	j := i
	if b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		j = skipDigits(b, j+1)
	default:
		return 0, false, jsonErr(i, "bad number")
	}
	integral = true
	if j < len(b) && b[j] == '.' {
		integral = false
		s := j + 1
		if j = skipDigits(b, s); j == s {
			return 0, false, jsonErr(i, "bad number")
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		integral = false
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		s := j
		if j = skipDigits(b, s); j == s {
			return 0, false, jsonErr(i, "bad number")
		}
	}
	return j, integral, nil
}

// skipDigits returns the index of the first byte from j on that is not
// an ASCII digit, or len(b), looking eight bytes at a time.
func skipDigits(b []byte, j int) int {
	for ; j+8 <= len(b); j += 8 {
		w := binary.LittleEndian.Uint64(b[j:])
		// A digit is 0x30-0x39: its high nibble is 3, also after adding
		// 6. A carry out of a byte (from 0xfa up, not a digit) only
		// disturbs the bytes above the first non-digit.
		x := (w&(lows*0xf0) ^ lows*0x30) | ((w+lows*0x06)&(lows*0xf0) ^ lows*0x30)
		// Flag the bytes of x that are not zero.
		if m := ((x&(lows*0x7f) + lows*0x7f) | x) & highs; m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
	}
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	return j
}

// scanObject validates the object whose '{' is b[i]; it returns the index
// after its '}'.
func scanObject(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return 0, jsonErr(i, "nested too deeply")
	}
	j := skipWS(b, i+1)
	if j < len(b) && b[j] == '}' {
		return j + 1, nil
	}
	for {
		if j >= len(b) || b[j] != '"' {
			return 0, jsonErr(j, "expected a string key")
		}
		end, _, err := scanString(b, j)
		if err != nil {
			return 0, err
		}
		j = skipWS(b, end)
		if j >= len(b) || b[j] != ':' {
			return 0, jsonErr(j, "expected ':'")
		}
		v, err := scanValue(b, skipWS(b, j+1), depth)
		if err != nil {
			return 0, err
		}
		j = skipWS(b, v.end)
		if j < len(b) && b[j] == ',' {
			j = skipWS(b, j+1)
			continue
		}
		if j < len(b) && b[j] == '}' {
			return j + 1, nil
		}
		return 0, jsonErr(j, "expected ',' or '}'")
	}
}

// scanArray validates the array whose '[' is b[i]; it returns the index
// after its ']'.
func scanArray(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return 0, jsonErr(i, "nested too deeply")
	}
	j := skipWS(b, i+1)
	if j < len(b) && b[j] == ']' {
		return j + 1, nil
	}
	for {
		v, err := scanValue(b, j, depth)
		if err != nil {
			return 0, err
		}
		j = skipWS(b, v.end)
		if j < len(b) && b[j] == ',' {
			j = skipWS(b, j+1)
			continue
		}
		if j < len(b) && b[j] == ']' {
			return j + 1, nil
		}
		return 0, jsonErr(j, "expected ',' or ']'")
	}
}

// appendUnescaped appends the decoded content of a validated JSON string
// (s excludes the quotes) to dst. Unpaired surrogates become U+FFFD.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		k := bytes.IndexByte(s[i:], '\\')
		if k < 0 {
			return append(dst, s[i:]...)
		}
		dst = append(dst, s[i:i+k]...)
		i += k + 1
		if i >= len(s) {
			return dst
		}
		c := s[i]
		i++
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			if i+4 > len(s) {
				return dst
			}
			r := rune(hex4(s[i : i+4]))
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2 = utf16.DecodeRune(r, rune(hex4(s[i+2:i+6])))
					if r2 != utf8.RuneError {
						i += 6
					}
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
	}
	return dst
}

func hex4(h []byte) uint16 {
	var v uint16
	for _, c := range h[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			c = c | 0x20 - 'a' + 10
		default:
			return utf8.RuneError
		}
		v = v<<4 | uint16(c)
	}
	return v
}
