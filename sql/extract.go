package sql

import (
	"fmt"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// windowTVFs are the Flink window table functions.
var windowTVFs = map[string]bool{"TUMBLE": true, "HOP": true, "SESSION": true, "CUMULATE": true}

// pass2 lifts out the clauses TiDB has no grammar for: table functions in
// FROM (innermost first, so an outer one sees the inner already replaced),
// WINDOWED BY STAGGER and EMIT.
func (st *stmtState) pass2() error {
	toks := st.toks
	for i := len(toks) - 4; i >= 0; i-- {
		if toks[i].is("TABLE") && toks[i+1].isP("(") && toks[i+2].kind == tkWord && toks[i+3].isP("(") &&
			st.match[i+3] >= 0 && st.match[i+3]+1 == st.match[i+1] {
			if err := st.extractTableFunc(i); err != nil {
				return err
			}
		}
	}
	for i := 0; i < len(toks); i++ {
		var err error
		switch {
		case toks[i].is("WINDOWED") && i+3 < len(toks) && toks[i+1].is("BY") && toks[i+2].is("STAGGER") && toks[i+3].isP("("):
			err = st.extractStagger(i)
		case toks[i].is("EMIT"):
			err = st.extractEmit(i)
		case toks[i].is("OVER") && i > 1 && toks[i-1].isIdent() && (toks[i-2].is("FROM") || toks[i-2].is("JOIN") || toks[i-2].isP(",")) &&
			!(toks[i-2].is("FROM") && i > 2 && toks[i-3].isP(")") && (toks[i-1].is("FIRST") || toks[i-1].is("LAST"))): // NTH_VALUE(…) FROM LAST OVER
			err = st.extractFromOver(i)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// extractTableFunc replaces TABLE(NAME(args)) at token i by __T<offset>.
func (st *stmtState) extractTableFunc(i int) error {
	toks := st.toks
	open, outer := i+3, st.match[i+1]
	closeAt := st.match[open]
	e := &tvfEntry{pos: toks[i].pos, name: toks[i+2].val}
	var regions []span
	first, desc := open+1, -1
	if windowTVFs[e.name] && toks[open+1].is("TABLE") {
		e.window = true
		c := st.cursorAt(open + 2)
		id, err := c.name()
		if err != nil {
			return err
		}
		e.table = &TableRef{Pos: id.Pos, Name: id.Name}
		if c.eat("PARTITION") {
			if err := c.want("BY"); err != nil {
				return err
			}
			k := c.i
			for k < closeAt && !(toks[k].is("DESCRIPTOR") && st.depth[k] == st.depth[open]+1) {
				k++
			}
			if k == closeAt || k-1 <= c.i || !toks[k-1].isP(",") {
				return syntaxErr(st.src, toks[k])
			}
			regions = append(regions, span{toks[c.i].pos, toks[k-2].end})
			c.i = k - 1
		}
		if err := c.wantP(","); err != nil {
			return err
		}
		desc = c.peek().pos
		if err := c.want("DESCRIPTOR"); err != nil {
			return err
		}
		if err := c.wantP("("); err != nil {
			return err
		}
		if e.timeCol, err = c.ident(); err != nil {
			return err
		}
		if err := c.wantP(")"); err != nil {
			return err
		}
		switch {
		case c.i == closeAt:
			first = closeAt
		case c.peek().isP(","):
			first = c.i + 1
		default:
			return c.fail()
		}
	}
	// the remaining arguments, split at commas directly inside the call
	if first < closeAt {
		start := first
		for k := first; k <= closeAt; k++ {
			if k == closeAt || toks[k].isP(",") && st.depth[k] == st.depth[open]+1 {
				if k == start {
					return syntaxErr(st.src, toks[k])
				}
				regions = append(regions, span{toks[start].pos, toks[k-1].end})
				start = k + 1
			}
		}
	}
	if len(regions) > 0 {
		sep := make([]int, 0, len(regions))
		for r := 1; r < len(regions); r++ {
			sep = append(sep, commaBefore(toks, st, regions[r].pos))
		}
		list, err := st.maskedExprs(toks[i].pos, regions, sep)
		if err != nil {
			return err
		}
		e.args = list
		for _, off := range list.offs {
			if st.base+list.ins.toOrig(off) < desc {
				e.nPart++
			}
		}
	}
	name := fmt.Sprintf("__T%d", e.pos)
	if len(name) > toks[outer].end-e.pos {
		return st.src.Errorf(Pos(e.pos), "statement too long")
	}
	st.tvfs[e.pos] = e
	st.replace(e.pos, toks[outer].end, name)
	return nil
}

// commaBefore returns the offset of the comma token just before offset pos.
func commaBefore(toks []token, st *stmtState, pos int) int {
	k := st.tokenAt(pos) - 1
	for k >= 0 && !toks[k].isP(",") {
		k--
	}
	if k < 0 {
		return pos
	}
	return toks[k].pos
}

// extractStagger lifts WINDOWED BY STAGGER (PARTITION BY … RANGE interval).
func (st *stmtState) extractStagger(i int) error {
	toks := st.toks
	open := i + 3
	closeAt := st.match[open]
	if closeAt < 0 {
		return syntaxErr(st.src, toks[open])
	}
	c := st.cursorAt(open + 1)
	if err := c.want("PARTITION"); err != nil {
		return err
	}
	if err := c.want("BY"); err != nil {
		return err
	}
	k := st.inside(open, "RANGE")
	if k < 0 || k <= c.i {
		return syntaxErr(st.src, c.at(max(k, closeAt)-c.i))
	}
	iv := toks[k+1]
	lit, ok := st.exprs[iv.pos].(*Literal)
	if !iv.is("INTERVAL") || !ok {
		return syntaxErr(st.src, iv)
	}
	if st.ivEnd[iv.pos] != closeAt {
		return syntaxErr(st.src, toks[st.ivEnd[iv.pos]])
	}
	list, err := st.maskedExprs(toks[i].pos, []span{{toks[c.i].pos, toks[k-1].end}}, nil)
	if err != nil {
		return err
	}
	owner := st.owner(i)
	if owner < 0 {
		return syntaxErr(st.src, toks[i])
	}
	x := st.sel(owner)
	if x.stagger != nil {
		return syntaxErr(st.src, toks[i])
	}
	x.stagger = &staggerEntry{pos: toks[i].pos, part: list, rng: lit.Interval}
	st.blank(toks[i].pos, toks[closeAt].end)
	return nil
}

// extractEmit lifts EMIT CHANGES | FINAL | ON WINDOW CLOSE | AFTER WATERMARK
// | EVERY interval. An EMIT that starts none of these is left to TiDB.
func (st *stmtState) extractEmit(i int) error {
	c := st.cursorAt(i + 1)
	em := &Emit{Pos: Pos(st.toks[i].pos)}
	switch {
	case c.eat("CHANGES"):
		em.Mode = "CHANGES"
	case c.eat("FINAL"):
		em.Mode = "FINAL"
	case c.peek().is("ON") && c.at(1).is("WINDOW") && c.at(2).is("CLOSE"):
		em.Mode, c.i = "ON WINDOW CLOSE", c.i+3
	case c.peek().is("AFTER") && c.at(1).is("WATERMARK"):
		em.Mode, c.i = "AFTER WATERMARK", c.i+2
	case c.peek().is("EVERY") && c.at(1).is("INTERVAL"):
		lit, ok := st.exprs[c.at(1).pos].(*Literal)
		if !ok {
			return syntaxErr(st.src, c.at(1))
		}
		em.Every = lit.Interval
		c.i = st.ivEnd[c.at(1).pos]
	default:
		return nil
	}
	if t := c.peek(); t.kind != tkEOF && !t.isP(")") {
		return syntaxErr(st.src, t)
	}
	owner := st.owner(i)
	if owner < 0 || st.sel(owner).emit != nil {
		return syntaxErr(st.src, st.toks[i])
	}
	st.sel(owner).emit = em
	st.blank(st.toks[i].pos, st.toks[c.i-1].end)
	return nil
}

// maskedExprs parses the regions of buf as a select list on a copy where
// everything else is blank: "SELECT " is written at offset sel and a comma
// at each offset of commas. Offsets in the result are those of the text.
func (st *stmtState) maskedExprs(sel int, regions []span, commas []int) (exprList, error) {
	mask := make([]byte, len(st.buf))
	copy(mask, st.buf)
	blankBytes(mask)
	copy(mask[sel-st.base:], "SELECT ")
	for _, r := range regions {
		copy(mask[r.pos-st.base:r.end-st.base], st.buf[r.pos-st.base:r.end-st.base])
	}
	for _, p := range commas {
		mask[p-st.base] = ','
	}
	stmts, ins, err := st.parseTiDB(mask)
	if err != nil {
		return exprList{}, err
	}
	s, ok := oneStmt(stmts).(*ast.SelectStmt)
	if !ok || s.Fields == nil || s.From != nil {
		return exprList{}, st.src.Errorf(Pos(regions[0].pos), "syntax error at or near \"%s\"", st.src.Text[regions[0].pos:regions[0].end])
	}
	list := exprList{ins: ins}
	for _, f := range s.Fields.Fields {
		if f.WildCard != nil || f.AsName.O != "" {
			return exprList{}, st.src.Errorf(Pos(st.base+ins.toOrig(f.Offset)), "syntax error at or near \"%s\"", "*")
		}
		list.exprs = append(list.exprs, f.Expr)
		list.offs = append(list.offs, f.Offset)
	}
	return list, nil
}

// oneStmt returns the only statement of a parse, or nil.
func oneStmt(stmts []ast.StmtNode) ast.StmtNode {
	if len(stmts) != 1 {
		return nil
	}
	return stmts[0]
}
