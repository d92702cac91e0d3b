package sql

// create parses CREATE [OR REPLACE] STREAM|TABLE|PUMP|REPORT|FUNCTION.
func (st *stmtState) create(i int) (Statement, error) {
	c := st.cursorAt(i + 1)
	orReplace := false
	if c.eat("OR") {
		if err := c.want("REPLACE"); err != nil {
			return nil, err
		}
		orReplace = true
	}
	switch {
	case c.eat("STREAM"):
		return st.createStream(i, c, orReplace)
	case c.eat("TABLE"):
		cs, err := st.createStream(i, c, orReplace)
		if err != nil {
			return nil, err
		}
		cs.Table = true
		return cs, nil
	case c.eat("REPORT"):
		return st.createReport(i, c, orReplace)
	case c.eat("FUNCTION"):
		return st.createFunction(i, c, orReplace)
	case c.eat("PUMP"):
		id, err := c.name()
		if err != nil {
			return nil, err
		}
		stopped := c.eat("STOPPED")
		if c.eat("DESCRIPTION") {
			if t := c.next(); t.kind != tkString {
				c.back(t)
				return nil, c.fail()
			}
		}
		stopped = c.eat("STOPPED") || stopped
		if err := c.want("AS"); err != nil {
			return nil, err
		}
		if !c.peek().is("INSERT") {
			return nil, c.fail()
		}
		ins, err := st.insert(c.i)
		if err != nil {
			return nil, err
		}
		return &CreatePump{Stmt: st.stmtAt(i), Name: id.Name, NamePos: id.Pos, OrReplace: orReplace, Stopped: stopped, Insert: ins}, nil
	}
	return nil, c.fail()
}

// createStream parses the rest of CREATE STREAM after the STREAM keyword:
// name (columns) [DESCRIPTION '…'] [WITH (options)].
func (st *stmtState) createStream(i int, c *cursor, orReplace bool) (*CreateStream, error) {
	id, err := c.name()
	if err != nil {
		return nil, err
	}
	cs := &CreateStream{Stmt: st.stmtAt(i), Name: id.Name, NamePos: id.Pos, OrReplace: orReplace}
	if err := c.wantP("("); err != nil {
		return nil, err
	}
	for {
		if c.peek().is("WATERMARK") && c.at(1).is("FOR") {
			if err := st.watermark(c, cs); err != nil {
				return nil, err
			}
		} else {
			col, err := c.ident()
			if err != nil {
				return nil, err
			}
			ty, err := parseType(c)
			if err != nil {
				return nil, err
			}
			def := ColumnDef{Name: col.Name, Pos: col.Pos, Type: ty}
			if c.peek().is("NOT") && c.at(1).is("NULL") {
				c.i += 2
				def.NotNull = true
			} else {
				c.eat("NULL")
			}
			cs.Columns = append(cs.Columns, def)
		}
		if c.eatP(")") {
			break
		}
		if err := c.wantP(","); err != nil {
			return nil, err
		}
	}
	for {
		switch {
		case c.eat("DESCRIPTION"):
			t := c.next()
			if t.kind != tkString || cs.Description != "" {
				c.back(t)
				return nil, c.fail()
			}
			cs.Description = t.val
		case c.eat("WITH"):
			if cs.Options != nil {
				c.i--
				return nil, c.fail()
			}
			opts, err := options(c)
			if err != nil {
				return nil, err
			}
			cs.Options = opts
		default:
			return cs, c.done()
		}
	}
}

// watermark parses WATERMARK FOR col AS expr inside a column list; the
// expression is parsed by TiDB on a masked copy of the statement.
func (st *stmtState) watermark(c *cursor, cs *CreateStream) error {
	start := c.next() // WATERMARK
	if cs.Watermark != nil {
		return syntaxErr(st.src, start)
	}
	c.next() // FOR
	col, err := c.ident()
	if err != nil {
		return err
	}
	if err := c.want("AS"); err != nil {
		return err
	}
	from := c.i
	d := st.depth[from]
	for c.i < len(st.toks) && !(st.depth[c.i] == d && c.peek().isP(",") || st.depth[c.i] == d-1 && c.peek().isP(")")) {
		c.i++
	}
	if c.i == from || c.i >= len(st.toks) {
		return c.fail()
	}
	list, err := st.maskedExprs(start.pos, []span{{st.toks[from].pos, st.toks[c.i-1].end}}, nil)
	if err != nil {
		return err
	}
	if len(list.exprs) != 1 {
		return syntaxErr(st.src, st.toks[from])
	}
	conv := &conv{st: st, ins: list.ins}
	e, err := conv.expr(list.exprs[0])
	if err != nil {
		return err
	}
	cs.Watermark = &Watermark{Column: col.Name, Pos: Pos(start.pos), Expr: e}
	return nil
}

// options parses (key = 'value', …) of a WITH clause.
func options(c *cursor) ([]Option, error) {
	if err := c.wantP("("); err != nil {
		return nil, err
	}
	opts := []Option{}
	for {
		k := c.peek()
		var key string
		switch k.kind {
		case tkString, tkQuoted, tkBack:
			key = k.val
		case tkWord:
			key = c.src.Text[k.pos:k.end]
			for c.at(1).isP(".") && c.at(2).kind == tkWord {
				c.i += 2
				key += "." + c.src.Text[c.peek().pos:c.peek().end]
			}
		default:
			return nil, c.fail()
		}
		c.next()
		if err := c.wantP("="); err != nil {
			return nil, err
		}
		v := c.next()
		var val string
		switch v.kind {
		case tkString:
			val = v.val
		case tkNumber, tkWord:
			val = c.src.Text[v.pos:v.end]
		default:
			c.back(v)
			return nil, c.fail()
		}
		opts = append(opts, Option{Key: lowerKey(key), Value: val, Pos: Pos(k.pos)})
		if c.eatP(")") {
			return opts, nil
		}
		if err := c.wantP(","); err != nil {
			return nil, err
		}
	}
}

// pumpControl parses START PUMP name, STOP PUMP name and ALTER PUMP name
// START|STOP.
func (st *stmtState) pumpControl(i int) (Statement, error) {
	c := st.cursorAt(i)
	verb := c.next()
	if verb.is("ALTER") {
		if err := c.want("PUMP"); err != nil {
			return nil, err
		}
		id, err := c.name()
		if err != nil {
			return nil, err
		}
		start := c.peek().is("START")
		if !start && !c.peek().is("STOP") {
			return nil, c.fail()
		}
		c.next()
		return &PumpControl{Stmt: st.stmtAt(i), Name: id.Name, NamePos: id.Pos, Start: start}, c.done()
	}
	if err := c.want("PUMP"); err != nil {
		return nil, err
	}
	id, err := c.name()
	if err != nil {
		return nil, err
	}
	return &PumpControl{Stmt: st.stmtAt(i), Name: id.Name, NamePos: id.Pos, Start: verb.is("START")}, c.done()
}
