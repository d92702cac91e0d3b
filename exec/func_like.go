package exec

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

func registerLike(reg registrar) {
	reg(true, bindLike, "like", "similar_to")
}

var errBadPattern = newError(ErrInvalidArgument, "exec: like: invalid pattern")

// matcher tests one string against a compiled pattern.
type matcher func(s string) bool

// compileLike compiles a LIKE pattern; simple shapes avoid regexps.
func compileLike(pattern string, escape rune) (matcher, error) {
	if escape == 0 && !strings.ContainsRune(pattern, '_') {
		inner := strings.Trim(pattern, "%")
		if !strings.Contains(inner, "%") {
			pre := strings.HasPrefix(pattern, "%")
			suf := strings.HasSuffix(pattern, "%") && len(pattern) > len(inner)+b2i(pre)
			switch {
			case pre && suf:
				return func(s string) bool { return strings.Contains(s, inner) }, nil
			case pre:
				return func(s string) bool { return strings.HasSuffix(s, inner) }, nil
			case suf:
				return func(s string) bool { return strings.HasPrefix(s, inner) }, nil
			default:
				return func(s string) bool { return s == inner }, nil
			}
		}
	}
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i, w := 0, 0; i < len(pattern); i += w {
		r, width := utf8.DecodeRuneInString(pattern[i:])
		w = width
		switch {
		case escape != 0 && r == escape:
			if i+w >= len(pattern) {
				return nil, errBadPattern
			}
			next, nw := utf8.DecodeRuneInString(pattern[i+w:])
			b.WriteString(regexp.QuoteMeta(string(next)))
			w += nw
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`)$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, errBadPattern
	}
	return re.MatchString, nil
}

func b2i(b bool) int { return int(b2u(b)) }

// compileSimilar translates a SQL SIMILAR TO pattern into an anchored Go
// regexp: % and _ are wildcards; | * + ? {m,n} ( ) [ ] keep their regexp
// meaning; everything else is literal.
func compileSimilar(pattern string, escape rune) (matcher, error) {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	inClass := false
	for i, w := 0, 0; i < len(pattern); i += w {
		r, width := utf8.DecodeRuneInString(pattern[i:])
		w = width
		switch {
		case escape != 0 && r == escape:
			if i+w >= len(pattern) {
				return nil, errBadPattern
			}
			next, nw := utf8.DecodeRuneInString(pattern[i+w:])
			b.WriteString(regexp.QuoteMeta(string(next)))
			w += nw
		case inClass:
			if r == ']' {
				inClass = false
			}
			if r == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteRune(r)
			}
		case r == '[':
			inClass = true
			b.WriteRune(r)
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		case strings.ContainsRune("|*+?{}()", r):
			b.WriteRune(r)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`)$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, errBadPattern
	}
	return re.MatchString, nil
}

func bindLike(name string, args []Expr) (Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, arityError(name, len(args), "2 or 3")
	}
	for _, a := range args {
		if !isString(a.DataType()) && !isNullType(a.DataType()) {
			return nil, argTypesError(name, args, "(string, pattern string[, escape string])")
		}
	}
	compile := compileLike
	if name == "similar_to" {
		compile = compileSimilar
	}
	var escape rune
	if len(args) == 3 {
		v, ok := ConstValue(args[2])
		s, _ := v.(string)
		if !ok || utf8.RuneCountInString(s) != 1 {
			return nil, newError(ErrArgumentTypes, "exec: function %s: the escape must be a constant string of one character", name)
		}
		escape, _ = utf8.DecodeRuneInString(s)
	}
	conv := []Expr{args[0], args[1]}
	for i, a := range conv {
		c, err := coerce(a, arrow.BinaryTypes.String)
		if err != nil {
			return nil, err
		}
		conv[i] = c
	}
	var k kernel
	if v, ok := ConstValue(args[1]); ok && v != nil {
		m, err := compile(v.(string), escape)
		if err != nil {
			return nil, newError(ErrArgumentTypes, "exec: function %s: invalid pattern %q", name, v)
		}
		k = matchKernel(func(ops []operand) func(int) (bool, bool) {
			get := stringOperand(ops[0])
			return func(i int) (bool, bool) { return m(get(i)), true }
		}, errBadPattern)
	} else {
		k = matchKernel(func(ops []operand) func(int) (bool, bool) {
			get, pat := stringOperand(ops[0]), stringOperand(ops[1])
			var last string
			var m matcher
			var lastErr error
			return func(i int) (bool, bool) {
				// Patterns usually repeat: recompile only when it changes.
				if p := pat(i); (m == nil && lastErr == nil) || p != last {
					last = strings.Clone(p)
					m, lastErr = compile(p, escape)
				}
				if lastErr != nil {
					return false, false
				}
				return m(get(i)), true
			}
		}, errBadPattern)
	}
	return &named{Expr: newCall(name, arrow.FixedWidthTypes.Boolean, true, k, conv...), name: name, args: args}, nil
}

// matchKernel builds a boolean from a per-row predicate; a row where the
// predicate says !ok is the row error rowErr.
func matchKernel(pred func(ops []operand) func(int) (res, ok bool), rowErr error) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		p := pred(ops)
		v := newValidity(ec.Alloc, n, ops...)
		buf, bits := newBits(ec.Alloc, n)
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				continue
			}
			r, ok := p(i)
			if !ok {
				v.fail(ec, i, rowErr)
				continue
			}
			bits[i>>3] |= b2u(r) << (i & 7)
		}
		return newArray(arrow.FixedWidthTypes.Boolean, n, v, buf), nil
	}
}
