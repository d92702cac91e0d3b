package sql

import "fmt"

// The rewrite passes turn Eddy's dialect into text TiDB accepts without
// moving a byte: every construct is replaced by something of the same length
// (padded with spaces, newlines kept), and what TiDB cannot carry is kept in
// the statement's side tables, keyed by the construct's offset.
//
// Pass 1 (inline) rewrites:
//
//	SELECT STREAM            → SELECT (STREAM blanked; recorded on the SELECT)
//	INTERVAL '1' MINUTE      → __E()         (the literal is in st.exprs)
//	… PRECEDING frame bound  → 9<offset>     (the interval is in st.frames)
//	TIMESTAMP|DATE|TIME 'x'  → __E()
//	STEP(x BY y)             → STEP(x , y)
//	FLOOR|CEIL(x TO unit)    → FLOOR(x        )   (unit in st.units)
//	CAST(x AS type)          → __CT(x         )   (type in st.casts)
//	[NOT] SIMILAR TO p       → [NOT] LIKE p       (flag in st.similar)
//	FULL [OUTER] JOIN … ON c → LEFT [OUTER] JOIN  (flag in st.fullJoin)
//	CURSOR(query)            → (query)
//	t FOR SYSTEM_TIME AS OF c → t             (c in st.asOf, by t's offset)
//	SESSION(…)               → __SESSN(…)
//	(x, y) OVERLAPS (z, w)   → (x, y) <=>      (z, w)  (flag in st.overlaps)
//	(x).FIELD, f(x).FIELD    → (x)           (names in st.fieldsAt)
//	(query) AS l(c, …)       → (query) AS l         (names in st.derived)
//	EXP_AVG(x, INTERVAL …)   → LAG    (x, 9<offset>)  (the interval in st.expAvg)
//	f(x) FILTER (WHERE c)    → f(x)                   (c in st.filters, by f's offset)
//
// Pass 2 (extract.go) lifts whole clauses out: window and table functions in
// FROM, WINDOWED BY STAGGER and EMIT.

// frameMark encodes the offset of a frame-bound interval as a number that
// TiDB accepts in ROWS/RANGE n PRECEDING.
func frameMark(pos int) string { return fmt.Sprintf("9%09d", pos) }

// pass1 applies the inline rewrites.
func (st *stmtState) pass1() error {
	toks := st.toks
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		next := func(k int) token {
			if i+k < len(toks) {
				return toks[i+k]
			}
			return token{kind: tkEOF, pos: st.end, end: st.end}
		}
		if t.isP(")") {
			if err := st.filterAfter(i); err != nil {
				return err
			}
			st.afterParen(i)
			continue
		}
		if t.kind != tkWord {
			continue
		}
		switch {
		case t.val == "SELECT" && next(1).is("STREAM") && streamIsKeyword(next(2)):
			st.blank(next(1).pos, next(1).end)
			st.sel(t.pos).stream = true
			i++
		case t.val == "INTERVAL":
			c := st.cursorAt(i)
			lit, err := parseInterval(c)
			if err != nil {
				return err
			}
			endTok := toks[c.i-1]
			if c.peek().is("PRECEDING") || c.peek().is("FOLLOWING") {
				st.frames[t.pos] = lit.Interval
				st.replace(t.pos, endTok.end, frameMark(t.pos))
			} else {
				st.exprs[t.pos] = lit
				st.replace(t.pos, endTok.end, "__E()")
			}
			st.ivEnd[t.pos] = c.i
			i = c.i - 1
		case (t.val == "TIMESTAMP" || t.val == "DATE" || t.val == "TIME") && next(1).kind == tkString:
			kind := map[string]LitKind{"TIMESTAMP": LitTimestamp, "DATE": LitDate, "TIME": LitTime}[t.val]
			st.exprs[t.pos] = &Literal{Pos: Pos(t.pos), Kind: kind, Text: next(1).val}
			st.replace(t.pos, next(1).end, "__E()")
			i++
		case t.val == "STEP" && next(1).isP("("):
			if k := st.inside(i+1, "BY"); k >= 0 {
				st.replace(toks[k].pos, toks[k].end, ",")
			}
		case (t.val == "FLOOR" || t.val == "CEIL" || t.val == "CEILING") && next(1).isP("("):
			k := st.inside(i+1, "TO")
			if k < 0 {
				continue
			}
			u, ok := timeUnits[toks[k+1].val]
			if toks[k+1].kind != tkWord || !ok {
				return syntaxErr(st.src, toks[k+1])
			}
			if st.match[i+1] != k+2 {
				return syntaxErr(st.src, st.cursorAt(k+2).peek())
			}
			st.units[t.pos] = u
			st.blank(toks[k].pos, toks[k+1].end)
		case t.val == "CAST" && next(1).isP("("):
			k := st.inside(i+1, "AS")
			if k < 0 {
				continue
			}
			c := st.cursorAt(k + 1)
			ty, err := parseType(c)
			if err != nil {
				return err
			}
			if c.i != st.match[i+1] {
				return c.fail()
			}
			st.casts[t.pos] = ty
			st.write(t.pos, "__CT")
			st.blank(toks[k].pos, toks[c.i-1].end)
		case t.val == "SIMILAR" && next(1).is("TO"):
			st.replace(t.pos, t.end, "LIKE")
			st.blank(next(1).pos, next(1).end)
			st.similar[next(2).pos] = true
			i++
		case t.val == "FULL" && (next(1).is("JOIN") || next(1).is("OUTER") && next(2).is("JOIN")):
			st.write(t.pos, "LEFT")
			for k := i + 1; k < len(toks) && st.depth[k] >= st.depth[i]; k++ {
				if st.depth[k] == st.depth[i] && toks[k].is("ON") && k+1 < len(toks) {
					st.fullJoin[toks[k+1].pos] = true
					break
				}
			}
		case t.val == "FOR" && i > 0 && next(1).is("SYSTEM_TIME") && next(2).is("AS") && next(3).is("OF"):
			c := st.cursorAt(i + 4)
			id, err := c.ident()
			if err != nil {
				return err
			}
			ref := &ColumnRef{Pos: id.Pos, Name: id.Name}
			if c.peek().isP(".") && c.at(1).isIdent() {
				c.i++
				col, _ := c.ident()
				ref.Qualifier, ref.Name = id.Name, col.Name
			}
			st.asOf[toks[i-1].pos] = ref
			st.blank(t.pos, toks[c.i-1].end)
			i = c.i - 1
		case t.val == "EXP_AVG" && next(1).isP("("):
			k, err := st.expAvgCall(i)
			if err != nil {
				return err
			}
			i = k
		case t.val == "CURSOR" && next(1).isP("("):
			st.blank(t.pos, t.end)
		case t.val == "SESSION" && next(1).isP("("):
			st.write(t.pos, "__SESSN")
		case t.val == "OVERLAPS" && i > 0 && toks[i-1].isP(")") && st.match[i-1] >= 0 && next(1).isP("("):
			st.replace(t.pos, t.end, "<=>")
			st.overlaps[toks[st.match[i-1]].pos] = true
		}
	}
	return st.parseFilters()
}

// filterAfter blanks FILTER (WHERE cond) after the call whose closing
// parenthesis is at index i, recording it by the offset of the call's name;
// cond keeps its text until parseFilters has read it, once the rest of
// pass 1 has rewritten it.
func (st *stmtState) filterAfter(i int) error {
	toks := st.toks
	if i+2 >= len(toks) || !toks[i+1].is("FILTER") || st.match[i] < 1 {
		return nil
	}
	name := toks[st.match[i]-1]
	if name.kind != tkWord {
		return nil // not a call: left to TiDB, which reports FILTER
	}
	c := st.cursorAt(i + 2)
	if !c.peek().isP("(") {
		return nil // f(x) FILTER: an alias, left to TiDB
	}
	if st.match[i+2] < 0 {
		return syntaxErr(st.src, c.peek())
	}
	closeAt := st.match[i+2]
	if !c.at(1).is("WHERE") {
		return syntaxErr(st.src, c.at(1))
	}
	if i+4 >= closeAt {
		return syntaxErr(st.src, toks[closeAt])
	}
	st.filters[name.pos] = &filterEntry{pos: toks[i+1].pos, cond: span{toks[i+4].pos, toks[closeAt-1].end}}
	st.filterOrder = append(st.filterOrder, name.pos)
	st.blank(toks[i+1].pos, toks[i+3].end)
	st.blank(toks[closeAt].pos, toks[closeAt].end)
	return nil
}

// parseFilters parses the conditions filterAfter kept, then blanks them.
func (st *stmtState) parseFilters() error {
	for _, at := range st.filterOrder {
		f := st.filters[at]
		list, err := st.maskedExprs(f.pos, []span{f.cond}, nil)
		if err != nil {
			return err
		}
		if len(list.exprs) != 1 {
			return st.src.Errorf(Pos(f.cond.pos), "FILTER takes one condition: FILTER (WHERE cond)")
		}
		f.list = list
	}
	for _, at := range st.filterOrder {
		f := st.filters[at]
		st.blank(f.cond.pos, f.cond.end)
	}
	return nil
}

// afterParen rewrites what may follow the closing parenthesis at index i:
// the fields of a row value, (x).A.B or f(x).A, are lifted out; a column
// list after a derived table's alias, (SELECT …) AS l(r), too.
func (st *stmtState) afterParen(i int) {
	toks := st.toks
	at := func(k int) token {
		if k < len(toks) {
			return toks[k]
		}
		return token{kind: tkEOF, pos: st.end, end: st.end}
	}
	open := st.match[i]
	if open < 0 {
		return
	}
	if at(i+1).isP(".") && (at(i+2).kind == tkWord || at(i+2).kind == tkQuoted) {
		var names []string
		k := i + 1
		for at(k).isP(".") && (at(k+1).kind == tkWord || at(k+1).kind == tkQuoted) {
			names = append(names, toks[k+1].val)
			k += 2
		}
		st.blank(toks[i+1].pos, toks[k-1].end)
		st.fieldsAt[toks[open].pos] = names
		if open > 0 && toks[open-1].isIdent() && toks[open-1].end == toks[open].pos {
			st.fieldsAt[toks[open-1].pos] = names
		}
		return
	}
	first := open + 1
	for first < i && toks[first].isP("(") {
		first++
	}
	if !at(first).is("SELECT") {
		return
	}
	k := i + 1
	if at(k).is("AS") {
		k++
	}
	if !at(k).isIdent() || !at(k+1).isP("(") || st.match[k+1] < 0 {
		return
	}
	closeAt := st.match[k+1]
	var cols []Ident
	for j := k + 2; j < closeAt; j += 2 {
		if !toks[j].isIdent() || !(toks[j+1].isP(",") && j+1 < closeAt-1 || j+1 == closeAt) {
			return // not a column list: left to TiDB, which reports it
		}
		cols = append(cols, Ident{Name: toks[j].val, Pos: Pos(toks[j].pos)})
	}
	if len(cols) == 0 {
		return
	}
	st.derived[toks[first].pos] = cols
	st.blank(toks[k+1].pos, toks[closeAt].end)
}

// expAvgCall rewrites EXP_AVG(x, INTERVAL …) at token i, which TiDB cannot
// read, as a LAG call whose offset marks the half-life interval, kept in
// st.expAvg. It returns the index of the last token it consumed.
func (st *stmtState) expAvgCall(i int) (int, error) {
	toks := st.toks
	open := i + 1
	closeAt := st.match[open]
	if closeAt < 0 {
		return i, nil // TiDB reports the parenthesis
	}
	comma := -1
	for k := open + 1; k < closeAt; k++ {
		if st.depth[k] == st.depth[open]+1 && toks[k].isP(",") {
			comma = k
			break
		}
	}
	if comma < 0 || !toks[comma+1].is("INTERVAL") {
		return i, st.src.Errorf(Pos(toks[i].pos), "EXP_AVG takes a value and a half-life: EXP_AVG(x, INTERVAL '10' SECOND)")
	}
	c := st.cursorAt(comma + 1)
	lit, err := parseInterval(c)
	if err != nil {
		return i, err
	}
	if c.i != closeAt {
		return i, syntaxErr(st.src, c.peek())
	}
	after := st.cursorAt(closeAt + 1)
	if (after.peek().is("IGNORE") || after.peek().is("RESPECT")) && after.at(1).is("NULLS") {
		after.i += 2
	}
	if !after.peek().is("OVER") {
		return i, st.src.Errorf(Pos(toks[i].pos), "EXP_AVG is a window function: add OVER (… RANGE INTERVAL … PRECEDING)")
	}
	st.expAvg[toks[i].pos] = lit
	st.replace(toks[i].pos, toks[i].end, "LAG")
	iv := toks[comma+1].pos
	st.replace(iv, toks[closeAt-1].end, frameMark(iv))
	return closeAt - 1, nil
}

// inside returns the index of the first word w directly inside the
// parenthesis at index open, or -1.
func (st *stmtState) inside(open int, w string) int {
	closeAt := st.match[open]
	if closeAt < 0 {
		return -1
	}
	for k := open + 1; k < closeAt; k++ {
		if st.depth[k] == st.depth[open]+1 && st.toks[k].is(w) {
			return k
		}
	}
	return -1
}

// streamIsKeyword decides whether STREAM after SELECT is KDA's keyword or a
// column named STREAM, by the token that follows it.
func streamIsKeyword(t token) bool {
	switch {
	case t.kind == tkEOF:
		return false
	case t.kind == tkPunct:
		switch t.val {
		case ",", ".", ")", "=", "<", ">", "<=", ">=", "<>", "!=", "+", "/", "||", "%":
			return false
		}
	case t.is("FROM") || t.is("AS") || t.is("AND") || t.is("OR") || t.is("IS") || t.is("LIKE") || t.is("IN") || t.is("BETWEEN"):
		return false
	}
	return true
}
