package sql

// createFunction parses the rest of CREATE FUNCTION after the FUNCTION
// keyword: name ( [p type, …] ) RETURNS type [options] RETURN expr. The
// body runs to the end of the statement and is parsed by TiDB on a masked
// copy of the statement, like a watermark expression.
func (st *stmtState) createFunction(i int, c *cursor, orReplace bool) (*CreateFunction, error) {
	id, err := c.name()
	if err != nil {
		return nil, err
	}
	f := &CreateFunction{Stmt: st.stmtAt(i), Name: id.Name, NamePos: id.Pos, OrReplace: orReplace}
	if t := c.peek(); t.is("AS") || t.is("USING") {
		return nil, st.src.Errorf(Pos(t.pos), "unsupported function implemented outside SQL: write (parameters) RETURNS type RETURN expression")
	}
	if err := c.wantP("("); err != nil {
		return nil, err
	}
	if !c.eatP(")") {
		for {
			p, err := c.ident()
			if err != nil {
				return nil, err
			}
			ty, err := parseType(c)
			if err != nil {
				return nil, err
			}
			f.Params = append(f.Params, Param{Name: p.Name, Pos: p.Pos, Type: ty})
			if c.eatP(")") {
				break
			}
			if err := c.wantP(","); err != nil {
				return nil, err
			}
		}
	}
	if err := c.want("RETURNS"); err != nil {
		return nil, err
	}
	if f.Returns, err = parseType(c); err != nil {
		return nil, err
	}
	if err := functionOptions(c, f); err != nil {
		return nil, err
	}
	ret := c.next() // RETURN, checked by functionOptions
	if c.i >= len(st.toks) {
		return nil, c.fail()
	}
	from, to := st.toks[c.i], st.toks[len(st.toks)-1]
	list, err := st.maskedExprs(st.toks[i].pos, []span{{from.pos, to.end}}, nil)
	if err != nil {
		return nil, err
	}
	if len(list.exprs) != 1 {
		return nil, syntaxErr(st.src, ret)
	}
	conv := &conv{st: st, ins: list.ins}
	if f.Body, err = conv.expr(list.exprs[0]); err != nil {
		return nil, err
	}
	return f, nil
}

// functionOptions reads the routine characteristics between RETURNS type
// and RETURN, leaving the cursor on RETURN.
func functionOptions(c *cursor, f *CreateFunction) error {
	seen := map[string]bool{}
	once := func(what string, t token) error {
		if seen[what] {
			return syntaxErr(c.src, t)
		}
		seen[what] = true
		return nil
	}
	for {
		t := c.peek()
		var err error
		switch {
		case t.is("RETURN"):
			return nil
		case t.is("LANGUAGE"):
			c.next()
			if l := c.peek(); !l.is("SQL") {
				if l.kind == tkWord {
					return c.src.Errorf(Pos(l.pos), "unsupported function language %s: only LANGUAGE SQL", l.val)
				}
				return c.fail()
			}
			c.next()
			err = once("language", t)
		case t.is("SPECIFIC"):
			c.next()
			if _, err = c.name(); err == nil {
				err = once("specific", t)
			}
		case t.is("DETERMINISTIC"):
			c.next()
			err = once("deterministic", t)
		case t.is("NOT") && c.at(1).is("DETERMINISTIC"):
			c.i += 2
			err = once("deterministic", t)
		case t.is("CONTAINS") && c.at(1).is("SQL"), t.is("NO") && c.at(1).is("SQL"):
			c.i += 2
			err = once("data access", t)
		case (t.is("READS") || t.is("MODIFIES")) && c.at(1).is("SQL") && c.at(2).is("DATA"):
			c.i += 3
			err = once("data access", t)
		case t.is("RETURNS") && c.at(1).is("NULL") && c.at(2).is("ON") && c.at(3).is("NULL") && c.at(4).is("INPUT"):
			c.i += 5
			f.NullOnNull = true
			err = once("null call", t)
		case t.is("CALLED") && c.at(1).is("ON") && c.at(2).is("NULL") && c.at(3).is("INPUT"):
			c.i += 4
			err = once("null call", t)
		default:
			return c.fail()
		}
		if err != nil {
			return err
		}
	}
}

// createFunction prints CREATE FUNCTION in its canonical form.
func (p *printer) createFunction(s *CreateFunction) {
	p.WriteString("CREATE ")
	if s.OrReplace {
		p.WriteString("OR REPLACE ")
	}
	p.WriteString("FUNCTION " + quoteIdent(s.Name) + "(")
	for i, a := range s.Params {
		if i > 0 {
			p.WriteString(", ")
		}
		p.WriteString(quoteIdent(a.Name) + " " + FormatType(a.Type))
	}
	p.WriteString(") RETURNS " + FormatType(s.Returns))
	if s.NullOnNull {
		p.WriteString(" RETURNS NULL ON NULL INPUT")
	}
	p.WriteString(" RETURN ")
	p.expr(s.Body, 0)
}
