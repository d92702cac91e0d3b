package sql

import (
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// stmtState is one statement on its way through the rewrite passes: its
// tokens, the rewritten text handed to TiDB and the side tables that carry
// what TiDB cannot express, keyed by absolute byte offsets in the Source.
type stmtState struct {
	// held are the TiDB parsers whose ASTs the conversion still reads: a
	// pooled parser reuses its nodes on the next parse, so they go back to
	// the pool only when the statement is converted.
	held []*parser.Parser

	src   *Source
	toks  []token
	match []int // index of the matching parenthesis, or -1
	depth []int // number of open parentheses before the token
	base  int   // offset of buf[0] in the Source
	end   int   // end of the statement's last token
	buf   []byte

	exprs    map[int]Expr        // __E() placeholders: literals we parsed
	ivEnd    map[int]int         // INTERVAL token offset → index of the token after the literal
	frames   map[int]Interval    // frame-bound placeholders (offset of INTERVAL)
	units    map[int]string      // FLOOR/CEIL(x TO unit), by offset of the call
	casts    map[int]Type        // CAST(x AS type), by offset of the call
	similar  map[int]bool        // SIMILAR TO, by offset of the pattern
	fullJoin map[int]bool        // FULL JOIN, by offset of the ON condition
	asOf     map[int]Expr        // FOR SYSTEM_TIME AS OF col, by offset of the table name
	fromOver map[int]*WindowSpec // KDA's OVER window on a stream in FROM, by offset of its name
	tvfs     map[int]*tvfEntry
	sels     map[int]*selExtra // by offset of the SELECT keyword
	// overlaps marks (a, b) OVERLAPS (c, d), by offset of the first '('.
	overlaps map[int]bool
	// fieldsAt holds the fields read from a parenthesized expression or a
	// call, (x).A.B or f(x).A: by offset of the '(' and of the word before
	// it (a ParenthesesExpr starts at one, a call at the other).
	fieldsAt map[int][]string
	// derived holds AS l(columns) of a derived table, by offset of the
	// first SELECT of its query.
	derived map[int][]Ident
	expAvg  map[int]*Literal // EXP_AVG(x, interval) → LAG(x, mark): the interval, by offset of the call
	// filters holds AGG(…) FILTER (WHERE cond), by offset of the call's
	// name; filterOrder lists those offsets in the order of the text.
	filters     map[int]*filterEntry
	filterOrder []int
}

// filterEntry is FILTER (WHERE cond) after a call: the FILTER keyword's
// offset, the span of cond, cond parsed, and whether a call took it.
type filterEntry struct {
	pos  int
	cond span
	list exprList
	used bool
}

// exprList is a list of TiDB expressions parsed from a masked copy of the
// statement, with the insertion map of that parse.
type exprList struct {
	exprs []ast.ExprNode
	offs  []int // SelectField offsets in the parsed text
	ins   insMap
}

// tvfEntry is a table function extracted from FROM and replaced by the
// table name __T<offset>.
type tvfEntry struct {
	pos     int
	name    string
	window  bool
	table   *TableRef
	timeCol Ident
	nPart   int // leading entries of args that are PARTITION BY keys
	args    exprList
}

// staggerEntry is WINDOWED BY STAGGER (PARTITION BY … RANGE interval).
type staggerEntry struct {
	pos  int
	part exprList
	rng  Interval
}

// selExtra is what a SELECT carries beyond TiDB's grammar.
type selExtra struct {
	stream  bool
	stagger *staggerEntry
	emit    *Emit
}

func newStmtState(src *Source, toks []token, comments []span) *stmtState {
	st := &stmtState{
		src: src, toks: toks,
		base: toks[0].pos, end: toks[len(toks)-1].end,
		exprs: map[int]Expr{}, ivEnd: map[int]int{}, frames: map[int]Interval{},
		units: map[int]string{}, casts: map[int]Type{}, similar: map[int]bool{},
		fullJoin: map[int]bool{}, asOf: map[int]Expr{}, fromOver: map[int]*WindowSpec{}, tvfs: map[int]*tvfEntry{}, sels: map[int]*selExtra{},
		overlaps: map[int]bool{}, fieldsAt: map[int][]string{}, derived: map[int][]Ident{}, expAvg: map[int]*Literal{},
		filters: map[int]*filterEntry{},
	}
	st.buf = []byte(src.Text[st.base:st.end])
	for _, c := range comments {
		if c.end > st.base && c.pos < st.end {
			st.blank(max(c.pos, st.base), min(c.end, st.end))
		}
	}
	for _, t := range toks {
		if t.kind == tkWord {
			copy(st.buf[t.pos-st.base:], t.val)
		}
	}
	st.match = make([]int, len(toks))
	st.depth = make([]int, len(toks))
	var stack []int
	for i, t := range toks {
		st.match[i] = -1
		st.depth[i] = len(stack)
		switch {
		case t.isP("("):
			stack = append(stack, i)
		case t.isP(")") && len(stack) > 0:
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			st.match[i], st.match[j] = j, i
			st.depth[i] = len(stack)
		}
	}
	return st
}

// blank replaces the bytes of [from, to) (absolute offsets) with spaces,
// keeping newlines so that line numbers never move.
func (st *stmtState) blank(from, to int) {
	blankBytes(st.buf[from-st.base : to-st.base])
}

// write overwrites buf at absolute offset pos with s.
func (st *stmtState) write(pos int, s string) { copy(st.buf[pos-st.base:], s) }

// replace blanks [from, to) and writes s at its start.
func (st *stmtState) replace(from, to int, s string) {
	st.blank(from, to)
	st.write(from, s)
}

func blankBytes(b []byte) {
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
}

// sel returns the extras of the SELECT at offset pos, creating them.
func (st *stmtState) sel(pos int) *selExtra {
	x := st.sels[pos]
	if x == nil {
		x = &selExtra{}
		st.sels[pos] = x
	}
	return x
}

// cursorAt returns a cursor over the statement's tokens positioned at i.
func (st *stmtState) cursorAt(i int) *cursor {
	return &cursor{src: st.src, toks: st.toks, i: i, end: st.end}
}

// tokenAt returns the index of the first token at or after offset pos, or
// len(toks).
func (st *stmtState) tokenAt(pos int) int {
	lo, hi := 0, len(st.toks)
	for lo < hi {
		m := (lo + hi) / 2
		if st.toks[m].pos < pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// owner returns the offset of the SELECT that a token at index k belongs
// to: the nearest SELECT before it at the same parenthesis depth.
func (st *stmtState) owner(k int) int {
	for j := k - 1; j >= 0; j-- {
		if st.depth[j] < st.depth[k] {
			break
		}
		if st.depth[j] == st.depth[k] && st.toks[j].is("SELECT") {
			return st.toks[j].pos
		}
	}
	return -1
}
