package exec

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

func registerStrings(reg registrar) {
	reg(true, bindConcat, "concat")
	reg(true, bindCaseMap, "upper", "lower", "initcap")
	reg(true, bindSubstring, "substring")
	reg(true, bindPosition, "position")
	reg(true, bindTrim, "trim")
	reg(true, bindCharLength, "char_length", "character_length")
	reg(true, bindSplitIndex, "split_index")
	reg(true, bindPad, "lpad", "rpad")
}

var (
	errSubstringLength = newError(ErrInvalidArgument, "exec: substring: negative length")
	errTrimSide        = newError(ErrInvalidArgument, "exec: trim: side must be BOTH, LEADING or TRAILING")
)

// strKernel builds a utf8 result from a per-row function that appends the
// row's text to dst; !ok makes the row the row error rowErr.
func strKernel(f func(ops []operand) func(i int, dst []byte) ([]byte, bool), rowErr error) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g := f(ops)
		v := newValidity(ec.Alloc, n, ops...)
		est := 16 * n
		if !ops[0].isConst() {
			d := ops[0].arr.Data()
			if bufs := d.Buffers(); len(bufs) > 2 && bufs[2] != nil {
				est = bufs[2].Len() + n
			}
		}
		return fillStrings(ec, v, n, est, arrow.BinaryTypes.String, rowErr, g), nil
	}
}

// fixedKernel builds a fixed-width result of typ from a per-row function.
func fixedKernel[T any](typ arrow.DataType, f func(ops []operand) func(i int) (T, bool), rowErr error) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g := f(ops)
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[T](ec.Alloc, n)
		for i := range out {
			if !v.valid(i) {
				continue
			}
			x, ok := g(i)
			if !ok {
				v.fail(ec, i, rowErr)
				continue
			}
			out[i] = x
		}
		return newArray(typ, n, v, buf), nil
	}
}

// typedArgs checks each argument against a kind ('s' string, 'i' integer)
// and converts it (strings stay utf8, integers become int64).
func typedArgs(name string, args []Expr, kinds string, want string) ([]Expr, error) {
	out := make([]Expr, len(args))
	for i, a := range args {
		t := a.DataType()
		var to arrow.DataType
		switch kinds[i] {
		case 's':
			if !isString(t) && !isNullType(t) {
				return nil, argTypesError(name, args, want)
			}
			to = arrow.BinaryTypes.String
		case 'i':
			if !isInteger(t) && !isNullType(t) {
				return nil, argTypesError(name, args, want)
			}
			to = arrow.PrimitiveTypes.Int64
		}
		c, err := coerce(a, to)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func bindConcat(name string, args []Expr) (Expr, error) {
	if len(args) < 2 {
		return nil, arityError(name, len(args), "at least 2")
	}
	conv := make([]Expr, len(args))
	for i, a := range args {
		c, err := coerce(a, arrow.BinaryTypes.String)
		if err != nil {
			return nil, argTypesError(name, args, "values convertible to strings")
		}
		conv[i] = c
	}
	k := strKernel(func(ops []operand) func(int, []byte) ([]byte, bool) {
		gets := make([]func(int) string, len(ops))
		for j, o := range ops {
			gets[j] = stringOperand(o)
		}
		return func(i int, dst []byte) ([]byte, bool) {
			for _, g := range gets {
				dst = append(dst, g(i)...)
			}
			return dst, true
		}
	}, nil)
	return &named{Expr: newCall(name, arrow.BinaryTypes.String, true, k, conv...), name: name, args: args}, nil
}

func bindCaseMap(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	conv, err := typedArgs(name, args, "s", "(string)")
	if err != nil {
		return nil, err
	}
	var f func(dst []byte, s string) []byte
	switch name {
	case "upper":
		f = func(dst []byte, s string) []byte { return appendMapped(dst, s, unicode.ToUpper) }
	case "lower":
		f = func(dst []byte, s string) []byte { return appendMapped(dst, s, unicode.ToLower) }
	default:
		f = appendInitcap
	}
	k := strKernel(func(ops []operand) func(int, []byte) ([]byte, bool) {
		g := stringOperand(ops[0])
		return func(i int, dst []byte) ([]byte, bool) { return f(dst, g(i)), true }
	}, nil)
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}

// appendMapped appends s with every rune mapped, with an ASCII fast path.
func appendMapped(dst []byte, s string, m func(rune) rune) []byte {
	upper := m('a') == 'A'
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				dst = utf8.AppendRune(dst, m(r))
			}
			return dst
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// appendInitcap upper-cases the first letter of every word and lower-cases
// the rest; words are runs of letters and digits.
func appendInitcap(dst []byte, s string) []byte {
	start := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start {
				r = unicode.ToUpper(r)
			} else {
				r = unicode.ToLower(r)
			}
			start = false
		} else {
			start = true
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// runeSlice returns the runes [from, to) of s (0-based, clamped).
func runeSlice(s string, from, to int64) string {
	if from < 0 {
		from = 0
	}
	if to <= from {
		return ""
	}
	start, idx := -1, int64(0)
	for b := range s {
		if idx == from {
			start = b
		}
		if idx == to {
			if start < 0 {
				return ""
			}
			return s[start:b]
		}
		idx++
	}
	if start < 0 {
		return ""
	}
	return s[start:]
}

func bindSubstring(name string, args []Expr) (Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, arityError(name, len(args), "2 or 3")
	}
	conv, err := typedArgs(name, args, "sii"[:len(args)], "(string, integer start[, integer length])")
	if err != nil {
		return nil, err
	}
	k := strKernel(func(ops []operand) func(int, []byte) ([]byte, bool) {
		g, start := stringOperand(ops[0]), intOperand(ops[1])
		length := func(int) int64 { return -1 }
		if len(ops) == 3 {
			length = intOperand(ops[2])
		}
		withLen := len(ops) == 3
		return func(i int, dst []byte) ([]byte, bool) {
			s, st := g(i), start(i)
			// SQL: characters from st to st+len-1 (1-based), where positions
			// before 1 are simply absent.
			to := int64(1 << 62)
			if withLen {
				l := length(i)
				if l < 0 {
					return dst, false
				}
				to = st + l - 1
			}
			return append(dst, runeSlice(s, st-1, to)...), true
		}
	}, errSubstringLength)
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}

func bindPosition(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv, err := typedArgs(name, args, "ss", "(string needle, string haystack)")
	if err != nil {
		return nil, err
	}
	k := fixedKernel(arrow.PrimitiveTypes.Int32, func(ops []operand) func(int) (int32, bool) {
		needle, hay := stringOperand(ops[0]), stringOperand(ops[1])
		return func(i int) (int32, bool) {
			h := hay(i)
			b := strings.Index(h, needle(i))
			if b < 0 {
				return 0, true
			}
			return int32(utf8.RuneCountInString(h[:b]) + 1), true
		}
	}, nil)
	return newCall(name, arrow.PrimitiveTypes.Int32, true, k, conv...), nil
}

func bindTrim(name string, args []Expr) (Expr, error) {
	if len(args) < 1 || len(args) > 3 {
		return nil, arityError(name, len(args), "1 to 3")
	}
	conv, err := typedArgs(name, args, "sss"[:len(args)], "(string[, string characters[, 'BOTH'|'LEADING'|'TRAILING']])")
	if err != nil {
		return nil, err
	}
	if len(conv) == 3 {
		if v, ok := ConstValue(conv[2]); ok && v != nil {
			switch strings.ToUpper(v.(string)) {
			case "BOTH", "LEADING", "TRAILING":
			default:
				return nil, newError(ErrArgumentTypes, "exec: function trim: side %q is not BOTH, LEADING or TRAILING", v)
			}
		}
	}
	k := strKernel(func(ops []operand) func(int, []byte) ([]byte, bool) {
		g := stringOperand(ops[0])
		chars := func(int) string { return " " }
		side := func(int) string { return "BOTH" }
		if len(ops) > 1 {
			chars = stringOperand(ops[1])
		}
		if len(ops) > 2 {
			side = stringOperand(ops[2])
		}
		return func(i int, dst []byte) ([]byte, bool) {
			s, c := g(i), chars(i)
			switch sd := side(i); {
			case strings.EqualFold(sd, "BOTH"):
				s = strings.Trim(s, c)
			case strings.EqualFold(sd, "LEADING"):
				s = strings.TrimLeft(s, c)
			case strings.EqualFold(sd, "TRAILING"):
				s = strings.TrimRight(s, c)
			default:
				return dst, false
			}
			return append(dst, s...), true
		}
	}, errTrimSide)
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}

func bindCharLength(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	conv, err := typedArgs(name, args, "s", "(string)")
	if err != nil {
		return nil, err
	}
	k := fixedKernel(arrow.PrimitiveTypes.Int32, func(ops []operand) func(int) (int32, bool) {
		g := stringOperand(ops[0])
		return func(i int) (int32, bool) { return int32(utf8.RuneCountInString(g(i))), true }
	}, nil)
	return newCall(name, arrow.PrimitiveTypes.Int32, true, k, conv...), nil
}

// bindSplitIndex binds Flink's SPLIT_INDEX(s, delim, index): the 0-based
// index-th field, NULL when out of range.
func bindSplitIndex(name string, args []Expr) (Expr, error) {
	if len(args) != 3 {
		return nil, arityError(name, len(args), "3")
	}
	conv, err := typedArgs(name, args, "ssi", "(string, string delimiter, integer index)")
	if err != nil {
		return nil, err
	}
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g, delim, index := stringOperand(ops[0]), stringOperand(ops[1]), intOperand(ops[2])
		v := newValidity(ec.Alloc, n, ops...)
		out := newStrOut(ec.Alloc, n, 8*n)
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				out.empty(i)
				continue
			}
			field, ok := splitField(g(i), delim(i), index(i))
			if !ok {
				v.setNull(i)
				out.empty(i)
				continue
			}
			out.appendString(i, field)
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}

func splitField(s, delim string, index int64) (string, bool) {
	if index < 0 || delim == "" {
		return "", false
	}
	for ; index > 0; index-- {
		j := strings.Index(s, delim)
		if j < 0 {
			return "", false
		}
		s = s[j+len(delim):]
	}
	if j := strings.Index(s, delim); j >= 0 {
		s = s[:j]
	}
	return s, true
}

// bindPad binds LPAD/RPAD(s, length, pad): s padded with pad (repeated) or
// cut to length characters; NULL when length is negative or pad is empty
// and padding is needed; a result over MaxStringBytes is a row error.
func bindPad(name string, args []Expr) (Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, arityError(name, len(args), "2 or 3")
	}
	conv, err := typedArgs(name, args, "sis"[:len(args)], "(string, integer length[, string pad])")
	if err != nil {
		return nil, err
	}
	left := name == "lpad"
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g, length := stringOperand(ops[0]), intOperand(ops[1])
		pad := func(int) string { return " " }
		if len(ops) == 3 {
			pad = stringOperand(ops[2])
		}
		v := newValidity(ec.Alloc, n, ops...)
		out := newStrOut(ec.Alloc, n, 8*n)
		var scratch []byte
		for i := 0; i < n; i++ {
			s, l, p := g(i), length(i), pad(i)
			have := int64(utf8.RuneCountInString(s))
			if !v.valid(i) || l < 0 || (l > have && p == "") {
				v.setNull(i)
				out.empty(i)
				continue
			}
			if l > have && int64(len(s))+repeatedBytes(p, l-have) > MaxStringBytes {
				v.fail(ec, i, tooLongError(name))
				out.empty(i)
				continue
			}
			if l <= have {
				out.appendString(i, runeSlice(s, 0, l))
				continue
			}
			scratch = scratch[:0]
			if !left {
				scratch = append(scratch, s...)
			}
			need := l - have
			for need > 0 {
				for _, r := range p {
					if need == 0 {
						break
					}
					scratch = utf8.AppendRune(scratch, r)
					need--
				}
			}
			if left {
				scratch = append(scratch, s...)
			}
			out.appendBytes(i, scratch)
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}
