package codec

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// A JSONPath, as KDA's record column mappings write them: $ followed by
// .name, ['name'] or ["name"] keys and [n] array indexes; a final [0:]
// selects the whole array (as JSON text).

const (
	segKey byte = iota
	segIndex
	segAll
)

type pathSeg struct {
	kind  byte
	key   []byte
	index int
}

// parsePath reads a JSONPath. "$" alone selects the whole record.
func parsePath(p string) ([]pathSeg, error) {
	s := strings.TrimSpace(p)
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("codec: JSONPath %q must start with $", p)
	}
	var segs []pathSeg
	for i := 1; i < len(s); {
		if len(segs) > 0 && segs[len(segs)-1].kind == segAll {
			return nil, fmt.Errorf("codec: JSONPath %q: [0:] must be last (one row per element is not supported)", p)
		}
		switch s[i] {
		case '.':
			j := i + 1
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("codec: JSONPath %q: empty name at %d", p, i)
			}
			segs = append(segs, pathSeg{kind: segKey, key: []byte(s[i+1 : j])})
			i = j
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("codec: JSONPath %q: missing ]", p)
			}
			in := s[i+1 : i+end]
			switch {
			case len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0]:
				segs = append(segs, pathSeg{kind: segKey, key: []byte(in[1 : len(in)-1])})
			case in == "0:":
				segs = append(segs, pathSeg{kind: segAll})
			default:
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("codec: JSONPath %q: unsupported selector [%s]", p, in)
				}
				segs = append(segs, pathSeg{kind: segIndex, index: n})
			}
			i += end + 1
		default:
			return nil, fmt.Errorf("codec: JSONPath %q: unexpected %q at %d", p, s[i], i)
		}
	}
	return segs, nil
}

// resolve follows path from the validated value sp of rec; false when the
// path leads nowhere (a missing key, an index out of range, a type that
// does not match).
func resolve(rec []byte, sp span, path []pathSeg, keybuf *[]byte) (span, bool) {
	for _, seg := range path {
		var ok bool
		switch seg.kind {
		case segKey:
			if sp.kind != jObject {
				return sp, false
			}
			sp, ok = objectField(rec, sp, seg.key, keybuf)
		case segIndex:
			if sp.kind != jArray {
				return sp, false
			}
			sp, ok = arrayElement(rec, sp, seg.index)
		case segAll:
			ok = sp.kind == jArray
		}
		if !ok {
			return sp, false
		}
	}
	return sp, true
}

// objectField finds key (exactly) in the validated object sp; the last
// occurrence wins.
func objectField(rec []byte, sp span, key []byte, keybuf *[]byte) (span, bool) {
	var found span
	ok := false
	j := skipWS(rec, sp.start+1)
	for j < sp.end && rec[j] == '"' {
		kend, esc, err := scanString(rec, j)
		if err != nil {
			return sp, false
		}
		k := rec[j+1 : kend-1]
		if esc {
			*keybuf = appendUnescaped((*keybuf)[:0], k)
			k = *keybuf
		}
		j = skipWS(rec, kend) + 1 // past ':'
		v, err := scanValue(rec, skipWS(rec, j), 0)
		if err != nil {
			return sp, false
		}
		if bytes.Equal(k, key) {
			found, ok = v, true
		}
		j = skipWS(rec, v.end)
		if j < sp.end && rec[j] == ',' {
			j = skipWS(rec, j+1)
		}
	}
	return found, ok
}

// arrayElement returns element n of the validated array sp.
func arrayElement(rec []byte, sp span, n int) (span, bool) {
	j := skipWS(rec, sp.start+1)
	for i := 0; j < sp.end && rec[j] != ']'; i++ {
		v, err := scanValue(rec, j, 0)
		if err != nil {
			return sp, false
		}
		if i == n {
			return v, true
		}
		j = skipWS(rec, v.end)
		if j < sp.end && rec[j] == ',' {
			j = skipWS(rec, j+1)
		}
	}
	return sp, false
}
