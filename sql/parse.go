package sql

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Parse parses a whole file: statements separated by ';' (the last ';' is
// optional, empty statements are ignored). Every error is a *Error
// positioned in src.Text; parsing stops at the first one.
func Parse(src *Source) ([]Statement, error) {
	toks, comments, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	var out []Statement
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !toks[i].isP(";") {
			continue
		}
		if i > start {
			s, err := parseStatement(src, toks[start:i], comments)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		start = i + 1
	}
	return out, nil
}

// parseStatement parses the tokens of one statement.
func parseStatement(src *Source, toks []token, comments []span) (s Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, src.Errorf(Pos(toks[0].pos), "internal parser error: %v", r)
		}
	}()
	st := newStmtState(src, toks, comments)
	defer st.release()
	if err := st.pass1(); err != nil {
		return nil, err
	}
	if err := st.pass2(); err != nil {
		return nil, err
	}
	s, err = st.statement(0)
	if err != nil {
		return nil, err
	}
	for _, at := range st.filterOrder {
		if f := st.filters[at]; !f.used {
			return nil, src.Errorf(Pos(f.pos), "FILTER (WHERE …) applies only to an aggregate call")
		}
	}
	return s, nil
}

// stmtAt returns the Stmt of a statement starting at token i.
func (st *stmtState) stmtAt(i int) Stmt {
	at := st.toks[i].pos
	return Stmt{Src: st.src, At: Pos(at), Text: st.src.Text[at:st.end]}
}

// statement parses the statement starting at token i.
func (st *stmtState) statement(i int) (Statement, error) {
	c := st.cursorAt(i)
	t := c.peek()
	switch {
	case t.is("SELECT") || t.isP("("):
		q, err := st.query(i)
		if err != nil {
			return nil, err
		}
		return &SelectStatement{Stmt: st.stmtAt(i), Query: q}, nil
	case t.is("INSERT"):
		return st.insert(i)
	case t.is("CREATE"):
		return st.create(i)
	case t.is("DROP"):
		return st.drop(i)
	case t.is("START") || t.is("STOP") || t.is("ALTER") && c.at(1).is("PUMP"):
		return st.pumpControl(i)
	case t.is("SHOW"):
		c.next()
		s := &Show{Stmt: st.stmtAt(i)}
		switch {
		case c.eat("STREAMS") || c.eat("TABLES"):
			s.Kind = KindStream
		case c.eat("PUMPS"):
			s.Kind = KindPump
		case c.eat("FUNCTIONS"):
			s.Kind = KindFunction
		default:
			return nil, c.fail()
		}
		return s, c.done()
	case t.is("DESCRIBE") || t.is("DESC"):
		c.next()
		c.eat("STREAM")
		id, err := c.name()
		if err != nil {
			return nil, err
		}
		return &Describe{Stmt: st.stmtAt(i), Name: id.Name, NamePos: id.Pos}, c.done()
	case t.is("EXPLAIN"):
		if i+1 >= len(st.toks) {
			return nil, syntaxErr(st.src, c.at(1))
		}
		target, err := st.statement(i + 1)
		if err != nil {
			return nil, err
		}
		return &Explain{Stmt: st.stmtAt(i), Target: target}, nil
	case t.is("SET"):
		return st.set(i)
	case t.is("REFRESH"):
		c.next()
		if err := c.want("TABLE"); err != nil {
			return nil, err
		}
		id, err := c.name()
		if err != nil {
			return nil, err
		}
		return &RefreshTable{Stmt: st.stmtAt(i), Name: id.Name, NamePos: id.Pos}, c.done()
	}
	return nil, c.fail()
}

// query parses the query that starts at token i and runs to the end of the
// statement, with TiDB on the rewritten text.
func (st *stmtState) query(i int) (*Query, error) {
	t := st.toks[i]
	if !t.is("SELECT") && !t.isP("(") {
		return nil, syntaxErr(st.src, t)
	}
	text := make([]byte, len(st.buf))
	copy(text, st.buf)
	blankBytes(text[:t.pos-st.base])
	stmts, ins, err := st.parseTiDB(text)
	if err != nil {
		return nil, err
	}
	c := &conv{st: st, ins: ins}
	switch n := oneStmt(stmts).(type) {
	case *ast.SelectStmt:
		return c.query(n)
	case *ast.SetOprStmt:
		return c.query(n)
	}
	return nil, syntaxErr(st.src, t)
}

// insert parses INSERT [EXPEDITED] INTO name [(cols)] query.
func (st *stmtState) insert(i int) (*Insert, error) {
	c := st.cursorAt(i + 1)
	c.eat("EXPEDITED")
	if err := c.want("INTO"); err != nil {
		return nil, err
	}
	id, err := c.name()
	if err != nil {
		return nil, err
	}
	ins := &Insert{Stmt: st.stmtAt(i), Target: id.Name, TargetPos: id.Pos}
	if c.peek().isP("(") && !c.at(1).is("SELECT") && !c.at(1).isP("(") {
		c.next()
		for {
			col, err := c.ident()
			if err != nil {
				return nil, err
			}
			ins.Columns = append(ins.Columns, col)
			if c.eatP(")") {
				break
			}
			if err := c.wantP(","); err != nil {
				return nil, err
			}
		}
	}
	if c.i >= len(st.toks) {
		return nil, c.fail()
	}
	if ins.Query, err = st.query(c.i); err != nil {
		return nil, err
	}
	return ins, nil
}

// drop parses DROP STREAM|TABLE|PUMP|FUNCTION [IF EXISTS] name.
func (st *stmtState) drop(i int) (*Drop, error) {
	c := st.cursorAt(i + 1)
	d := &Drop{Stmt: st.stmtAt(i)}
	switch {
	case c.eat("STREAM") || c.eat("TABLE"):
		d.Kind = KindStream
	case c.eat("PUMP"):
		d.Kind = KindPump
	case c.eat("FUNCTION"):
		d.Kind = KindFunction
	default:
		return nil, c.fail()
	}
	if c.eat("IF") {
		if err := c.want("EXISTS"); err != nil {
			return nil, err
		}
		d.IfExists = true
	}
	id, err := c.name()
	if err != nil {
		return nil, err
	}
	d.Name, d.NamePos = id.Name, id.Pos
	return d, c.done()
}

// set parses SET key = value, where the key is a dotted name or a string
// and the value a string, number or word.
func (st *stmtState) set(i int) (*Set, error) {
	c := st.cursorAt(i + 1)
	s := &Set{Stmt: st.stmtAt(i)}
	if t := c.peek(); t.kind == tkString {
		s.Key = t.val
		c.next()
	} else {
		var parts []string
		for {
			t := c.peek()
			if t.kind != tkWord && t.kind != tkQuoted && t.kind != tkBack {
				return nil, c.fail()
			}
			parts = append(parts, st.src.Text[t.pos:t.end])
			c.next()
			if !c.eatP(".") {
				break
			}
		}
		s.Key = strings.Join(parts, ".")
	}
	s.Key = lowerKey(s.Key)
	if !c.eatP("=") && !c.eat("TO") {
		return nil, c.fail()
	}
	v := c.next()
	switch v.kind {
	case tkString:
		s.Value = v.val
	case tkNumber, tkWord:
		s.Value = st.src.Text[v.pos:v.end]
	case tkPunct:
		if v.val == "-" && c.peek().kind == tkNumber {
			s.Value = "-" + c.next().val
			break
		}
		fallthrough
	default:
		c.back(v)
		return nil, c.fail()
	}
	return s, c.done()
}
