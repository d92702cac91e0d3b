package sql

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values for the TiDB AST
)

// sqlMode makes TiDB read standard SQL: "x" is an identifier, || concatenates,
// COUNT (*) may have a space, and backslashes in strings are plain characters.
var sqlMode = mysql.ModeANSIQuotes | mysql.ModePipesAsConcat | mysql.ModeIgnoreSpace | mysql.ModeNoBackslashEscapes

// parsers pools TiDB parsers, which are not safe for concurrent use.
var parsers = sync.Pool{New: func() any {
	p := parser.New()
	p.SetSQLMode(sqlMode)
	p.EnableWindowFunc(true)
	return p
}}

// insMap lists the offsets (in the rewritten statement, before insertion)
// where the growing pass inserted one byte each, sorted.
type insMap []int

// toOrig maps an offset of the grown text back to the ungrown one.
func (m insMap) toOrig(cur int) int {
	shift := 0
	for k, q := range m {
		if q+k < cur {
			shift++
		} else {
			break
		}
	}
	return cur - shift
}

// toCur maps an ungrown offset to the grown text, before any insertion at
// that offset.
func (m insMap) toCur(p int) int {
	n := 0
	for _, q := range m {
		if q < p {
			n++
		}
	}
	return p + n
}

// add records an insertion at ungrown offset p.
func (m insMap) add(p int) insMap {
	i := len(m)
	for i > 0 && m[i-1] > p {
		i--
	}
	m = append(m, 0)
	copy(m[i+1:], m[i:])
	m[i] = p
	return m
}

// structural are keywords TiDB reserves that must never be read as names:
// when TiDB stumbles over one of them the text really is wrong.
var structural = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`ALL AND ANY AS ASC BETWEEN BY CASE CAST CREATE CROSS CURRENT DESC
		DISTINCT DIV DROP ELSE END ESCAPE EXISTS FALSE FOLLOWING FOR FROM FULL GROUP HAVING IN INNER
		INSERT INTERSECT INTERVAL INTO IS JOIN LEFT LIKE LIMIT MOD NATURAL NOT NULL ON OR ORDER OUTER
		OVER PARTITION PRECEDING RANGE RIGHT ROWS SELECT SET SOME TABLE THEN TRUE UNBOUNDED UNION
		USING VALUES WHEN WHERE WITH XOR EXCEPT`) {
		m[w] = true
	}
	return m
}()

// tidbKeywords holds every keyword TiDB knows.
var tidbKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range parser.Keywords {
		m[k.Word] = true
	}
	return m
}()

// parseTiDB parses text (a rewritten copy of the statement, starting at
// st.base) with TiDB. When TiDB fails on a word it reserves but Eddy does
// not (KEY, CHANGE, WINDOW as names), the word is back-quoted and the text
// parsed again; the insertions are returned for position mapping.
func (st *stmtState) parseTiDB(text []byte) (stmts []ast.StmtNode, ins insMap, err error) {
	cur := string(text)
	for tries := 0; ; tries++ {
		stmts, err = st.tidbOnce(cur)
		if err == nil {
			return stmts, ins, nil
		}
		off, eof := nearOffset(cur, err.Error())
		if off < 0 {
			return nil, nil, st.src.Errorf(Pos(st.base), "syntax error: %s", strings.ToLower(err.Error()))
		}
		rel := ins.toOrig(off)
		if eof {
			return nil, nil, st.src.Errorf(Pos(st.base+lastNonBlank(text)), "syntax error: unexpected end of input")
		}
		k := st.tokenAt(st.base + rel)
		if k >= len(st.toks) {
			return nil, nil, st.src.Errorf(Pos(st.base+lastNonBlank(text)), "syntax error: unexpected end of input")
		}
		t := st.toks[k]
		if tries < 32 && t.pos == st.base+rel && t.kind == tkWord && tidbKeywords[t.val] && !structural[t.val] &&
			string(text[t.pos-st.base:t.end-st.base]) == t.val {
			p, e := t.pos-st.base, t.end-st.base
			cp, ce := ins.toCur(p), ins.toCur(e)+1
			cur = cur[:cp] + "`" + cur[cp:ce-1] + "`" + cur[ce-1:]
			ins = ins.add(p).add(e)
			continue
		}
		return nil, nil, syntaxErr(st.src, t)
	}
}

// tidbOnce runs one TiDB parse, turning a panic into an error.
func (st *stmtState) tidbOnce(text string) (stmts []ast.StmtNode, err error) {
	p := parsers.Get().(*parser.Parser)
	defer func() {
		if r := recover(); r != nil {
			stmts, err = nil, fmt.Errorf("parser failure: %v", r)
			return // a parser that panicked is not reused
		}
		if err != nil {
			parsers.Put(p)
		}
	}()
	res, _, err := p.ParseSQL(text)
	if err != nil {
		return nil, err
	}
	st.held = append(st.held, p) // back to the pool once converted
	return append([]ast.StmtNode(nil), res...), nil
}

// release returns the parsers whose ASTs the statement used to the pool.
func (st *stmtState) release() {
	for _, p := range st.held {
		parsers.Put(p)
	}
	st.held = nil
}

// nearOffset recovers the offset of the offending token from a TiDB error:
// the message quotes the rest of the input from that token. eof reports
// that only blanks are left.
func nearOffset(text, msg string) (off int, eof bool) {
	i := strings.Index(msg, " near \"")
	if i < 0 {
		return -1, false
	}
	rest := msg[i+len(" near \""):]
	if j := strings.LastIndex(msg, "(total length "); j >= 0 {
		if n, err := strconv.Atoi(strings.TrimSuffix(msg[j+len("(total length "):], ")")); err == nil && n <= len(text) {
			off = len(text) - n
			return off, strings.TrimSpace(text[off:]) == ""
		}
	}
	for off = 0; off <= len(text); off++ {
		if r := text[off:]; len(rest) > len(r) && rest[len(r)] == '"' && rest[:len(r)] == r {
			return off, strings.TrimSpace(text[off:]) == ""
		}
	}
	return -1, false
}

// lastNonBlank returns the offset just after the last non-blank byte.
func lastNonBlank(b []byte) int {
	i := len(b)
	for i > 0 && (b[i-1] == ' ' || b[i-1] == '\n' || b[i-1] == '\t' || b[i-1] == '\r') {
		i--
	}
	return i
}

// tidbReserved lists the words TiDB reserves.
func tidbReserved() []string {
	var out []string
	for _, k := range parser.Keywords {
		if k.Reserved {
			out = append(out, k.Word)
		}
	}
	return out
}
