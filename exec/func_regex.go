package exec

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

func registerRegex(reg registrar) {
	reg(true, bindRegexReplace, "regex_replace")
	reg(true, bindRegexpExtract, "regexp_extract")
	reg(true, bindRegexpReplace, "regexp_replace")
}

// bindRegexpReplace binds Flink REGEXP_REPLACE(s, pattern, replacement):
// every match replaced, Java replaceAll semantics.
func bindRegexpReplace(name string, args []Expr) (Expr, error) {
	if len(args) != 3 {
		return nil, arityError(name, len(args), "3")
	}
	return bindRegexReplace(name, args)
}

var (
	errBadRegex    = newError(ErrInvalidArgument, "exec: invalid regular expression")
	errRegexArgs   = newError(ErrInvalidArgument, "exec: regex_replace: position must be at least 1 and occurrence at least 0")
	errRegexpGroup = newError(ErrInvalidArgument, "exec: regexp_extract: invalid group")
)

// regexMemoSize bounds the per-batch memo of regex_replace results.
const regexMemoSize = 1024

func allConstOps(ops []operand) bool {
	for _, o := range ops {
		if !o.isConst() {
			return false
		}
	}
	return true
}

// regexCache compiles per-row patterns, reusing the last one.
type regexCache struct {
	last string
	re   *jregex
	err  error
	set  bool
}

func (c *regexCache) get(p string) (*jregex, error) {
	if !c.set || p != c.last {
		c.last, c.set = strings.Clone(p), true
		c.re, c.err = compileJava(p)
	}
	return c.re, c.err
}

// regexOperand returns the compiled pattern of a row: the one compiled at
// Bind for a constant, else compiled per distinct row value.
func regexOperand(o operand, fixed *jregex) func(int) (*jregex, error) {
	if fixed != nil {
		return func(int) (*jregex, error) { return fixed, nil }
	}
	get := stringOperand(o)
	c := &regexCache{}
	return func(i int) (*jregex, error) { return c.get(get(i)) }
}

// constRegex compiles a constant pattern at Bind.
func constRegex(name string, e Expr) (*jregex, error) {
	v, ok := ConstValue(e)
	if !ok || v == nil {
		return nil, nil
	}
	re, err := compileJava(v.(string))
	if err != nil {
		return nil, newError(ErrInvalidArgument, "exec: function %s: invalid regular expression %q: %v", name, v, err)
	}
	return re, nil
}

// javaReplacement turns a Java replacement string ($n group references,
// backslash escapes) into a Go regexp template.
func javaReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\' && i+1 < len(r):
			i++
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(r[i])
			}
		case c == '$' && i+1 < len(r) && r[i+1] >= '0' && r[i+1] <= '9':
			j := i + 1
			for j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			b.WriteString("${" + r[i+1:j] + "}")
			i = j - 1
		case c == '$' && i+1 < len(r) && r[i+1] == '{':
			end := strings.IndexByte(r[i:], '}')
			if end < 0 {
				b.WriteString("$$")
				continue
			}
			b.WriteString(r[i : i+end+1])
			i += end
		case c == '$':
			b.WriteString("$$")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// bindRegexReplace binds KDA REGEX_REPLACE(s, pattern, replacement
// [, position[, occurrence]]): Java replaceAll semantics from the 1-based
// character position; occurrence 0 replaces every match, N only the Nth.
func bindRegexReplace(name string, args []Expr) (Expr, error) {
	if len(args) < 3 || len(args) > 5 {
		return nil, arityError(name, len(args), "3 to 5")
	}
	conv, err := typedArgs(name, args, "sssii"[:len(args)], "(string, string pattern, string replacement[, integer position[, integer occurrence]])")
	if err != nil {
		return nil, err
	}
	fixed, err := constRegex(name, conv[1])
	if err != nil {
		return nil, err
	}
	var fixedRepl *string
	if v, ok := ConstValue(conv[2]); ok && v != nil {
		t := javaReplacement(v.(string))
		fixedRepl = &t
	}
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g, re, repl := stringOperand(ops[0]), regexOperand(ops[1], fixed), stringOperand(ops[2])
		pos, occ := func(int) int64 { return 1 }, func(int) int64 { return 0 }
		if len(ops) > 3 {
			pos = intOperand(ops[3])
		}
		if len(ops) > 4 {
			occ = intOperand(ops[4])
		}
		v := newValidity(ec.Alloc, n, ops...)
		out := newStrOut(ec.Alloc, n, 16*n)
		var scratch []byte
		// When everything but the text is constant, repeated texts (common
		// in streams: names, codes, URLs) are replaced once per batch.
		var memo map[string]string
		if fixed != nil && fixedRepl != nil && allConstOps(ops[2:]) {
			memo = make(map[string]string)
		}
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				out.empty(i)
				continue
			}
			if memo != nil {
				if res, ok := memo[g(i)]; ok {
					out.appendString(i, res)
					continue
				}
			}
			r, err := re(i)
			if err != nil {
				v.fail(ec, i, errBadRegex)
				out.empty(i)
				continue
			}
			p, o := pos(i), occ(i)
			if p < 1 || o < 0 {
				v.fail(ec, i, errRegexArgs)
				out.empty(i)
				continue
			}
			var tmpl string
			if fixedRepl != nil {
				tmpl = *fixedRepl
			} else {
				tmpl = javaReplacement(repl(i))
			}
			scratch, err = appendRegexReplace(scratch[:0], g(i), r, tmpl, p, o)
			if err != nil {
				v.fail(ec, i, newError(ErrInvalidArgument, "exec: %s: %v", name, err))
				out.empty(i)
				continue
			}
			if len(scratch) > MaxStringBytes {
				v.fail(ec, i, tooLongError(name))
				out.empty(i)
				continue
			}
			out.appendBytes(i, scratch)
			if memo != nil && len(memo) < regexMemoSize {
				memo[strings.Clone(g(i))] = string(scratch)
			}
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}

func appendRegexReplace(dst []byte, s string, re *jregex, tmpl string, pos, occ int64) ([]byte, error) {
	// Skip pos-1 characters.
	start := 0
	for k := int64(1); k < pos && start < len(s); k++ {
		_, w := utf8.DecodeRuneInString(s[start:])
		start += w
	}
	dst = append(dst, s[:start]...)
	rest := s[start:]
	limit := -1
	if occ > 0 {
		limit = int(min(occ, 1<<30))
	}
	var matches [][]int
	literal := !strings.Contains(tmpl, "$")
	if literal && re.re2 != nil {
		// Without group references the cheaper search without submatches will do.
		matches = re.re2.FindAllStringIndex(rest, limit)
	} else {
		var err error
		if matches, err = re.allSubmatch(rest, limit); err != nil {
			return dst, err
		}
	}
	last := 0
	for k, m := range matches {
		if occ != 0 && int64(k+1) != occ {
			continue
		}
		dst = append(dst, rest[last:m[0]]...)
		if literal {
			dst = append(dst, tmpl...)
		} else {
			dst = re.expand(dst, tmpl, rest, m)
		}
		last = m[1]
	}
	return append(dst, rest[last:]...), nil
}

// bindRegexpExtract binds Flink REGEXP_EXTRACT(s, pattern[, group]): the
// group (0, the default, is the whole match) of the first match, NULL when
// nothing matches or the group does not exist.
func bindRegexpExtract(name string, args []Expr) (Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, arityError(name, len(args), "2 or 3")
	}
	conv, err := typedArgs(name, args, "ssi"[:len(args)], "(string, string pattern[, integer group])")
	if err != nil {
		return nil, err
	}
	fixed, err := constRegex(name, conv[1])
	if err != nil {
		return nil, err
	}
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g, re := stringOperand(ops[0]), regexOperand(ops[1], fixed)
		group := func(int) int64 { return 0 }
		if len(ops) > 2 {
			group = intOperand(ops[2])
		}
		v := newValidity(ec.Alloc, n, ops...)
		out := newStrOut(ec.Alloc, n, 8*n)
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				out.empty(i)
				continue
			}
			r, err := re(i)
			if err != nil {
				v.fail(ec, i, errBadRegex)
				out.empty(i)
				continue
			}
			gr := group(i)
			if gr < 0 || gr > int64(r.numSubexp()) {
				v.fail(ec, i, errRegexpGroup)
				out.empty(i)
				continue
			}
			s := g(i)
			m, err := r.submatch(s)
			if err != nil {
				v.fail(ec, i, newError(ErrInvalidArgument, "exec: %s: %v", name, err))
				out.empty(i)
				continue
			}
			if m == nil || m[2*gr] < 0 {
				v.setNull(i)
				out.empty(i)
				continue
			}
			out.appendString(i, s[m[2*gr]:m[2*gr+1]])
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}
