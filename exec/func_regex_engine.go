package exec

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/dlclark/regexp2/v2"
)

// jregex is a compiled java.util.regex pattern (KDA's and Flink's dialect).
// A pattern RE2 accepts runs on RE2 (Go's regexp: linear time); one that
// needs what RE2 refuses (backreferences, lookaround, atomic groups) runs on
// the backtracking regexp2 engine. The choice is made once, at compile.
type jregex struct {
	re2 *regexp.Regexp
	bt  *regexp2.Regexp
	n   int // capturing groups
}

// btStackLimit bounds the backtracking stack of a regexp2 match, so that a
// catastrophic pattern fails its row instead of eating the process.
const btStackLimit = 1 << 20

// compileJava compiles a java.util.regex pattern.
func compileJava(p string) (*jregex, error) {
	re, err := regexp.Compile(p)
	if err == nil {
		return &jregex{re2: re, n: re.NumSubexp()}, nil
	}
	bt, err2 := regexp2.Compile(p, regexp2.None, regexp2.OptionMaxBacktrackingStackSize(btStackLimit))
	if err2 != nil {
		return nil, err // RE2's message is the clearer one
	}
	n := 0
	for _, g := range bt.GetGroupNumbers() {
		n = max(n, g)
	}
	return &jregex{bt: bt, n: n}, nil
}

// backtracking reports whether the pattern runs on regexp2.
func (r *jregex) backtracking() bool { return r.bt != nil }

func (r *jregex) numSubexp() int { return r.n }

// submatch returns the byte offsets of the first match and its groups, as
// regexp.FindStringSubmatchIndex does (-1 for a group that took no part),
// or nil.
func (r *jregex) submatch(s string) ([]int, error) {
	if r.re2 != nil {
		return r.re2.FindStringSubmatchIndex(s), nil
	}
	m, err := r.bt.FindStringMatch(s)
	if err != nil || m == nil {
		return nil, err
	}
	return r.offsets(m, nil), nil
}

// matches reports whether s has a match.
func (r *jregex) matches(s string) (bool, error) {
	if r.re2 != nil {
		return r.re2.MatchString(s), nil
	}
	return r.bt.MatchString(s)
}

// allSubmatch returns up to n matches (n < 0: all) as submatch does.
func (r *jregex) allSubmatch(s string, n int) ([][]int, error) {
	if r.re2 != nil {
		return r.re2.FindAllStringSubmatchIndex(s, n), nil
	}
	var out [][]int
	m, err := r.bt.FindStringMatch(s)
	for ; err == nil && m != nil && (n < 0 || len(out) < n); m, err = r.bt.FindNextMatch(m) {
		out = append(out, r.offsets(m, nil))
	}
	return out, err
}

func (r *jregex) offsets(m *regexp2.Match, dst []int) []int {
	dst = dst[:0]
	for g := 0; g <= r.n; g++ {
		grp := m.GroupByNumber(g)
		if grp == nil || len(grp.Captures) == 0 {
			dst = append(dst, -1, -1)
			continue
		}
		i, l := grp.ByteRange()
		dst = append(dst, i, i+l)
	}
	return dst
}

// expand appends tmpl (Go template syntax: ${n}, ${name}, $$) with the
// groups of match m of src.
func (r *jregex) expand(dst []byte, tmpl, src string, m []int) []byte {
	if r.re2 != nil {
		return r.re2.ExpandString(dst, tmpl, src, m)
	}
	for len(tmpl) > 0 {
		i := strings.IndexByte(tmpl, '$')
		if i < 0 || i+1 >= len(tmpl) {
			return append(dst, tmpl...)
		}
		dst = append(dst, tmpl[:i]...)
		tmpl = tmpl[i+1:]
		if tmpl[0] == '$' {
			dst = append(dst, '$')
			tmpl = tmpl[1:]
			continue
		}
		end := strings.IndexByte(tmpl, '}')
		if tmpl[0] != '{' || end < 0 {
			dst = append(dst, '$')
			continue
		}
		name := tmpl[1:end]
		tmpl = tmpl[end+1:]
		g, err := strconv.Atoi(name)
		if err != nil {
			g = r.bt.GroupNumberFromName(name)
		}
		if g >= 0 && 2*g+1 < len(m) && m[2*g] >= 0 {
			dst = append(dst, src[m[2*g]:m[2*g+1]]...)
		}
	}
	return dst
}
