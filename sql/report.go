package sql

// createReport parses the rest of CREATE [OR REPLACE] REPORT after the
// REPORT keyword:
//
//	name SCHEDULE 'cron' | EVERY INTERVAL … AS query [WITH (options)]
//
// The trailing WITH clause is blanked out of the text handed to TiDB, so
// the query is parsed exactly as an ad hoc SELECT would be.
func (st *stmtState) createReport(i int, c *cursor, orReplace bool) (*CreateReport, error) {
	id, err := c.name()
	if err != nil {
		return nil, err
	}
	r := &CreateReport{Stmt: st.stmtAt(i), Name: id.Name, NamePos: id.Pos, OrReplace: orReplace}
	switch {
	case c.eat("SCHEDULE"):
		t := c.next()
		if t.kind != tkString {
			c.back(t)
			return nil, c.fail()
		}
		if t.val == "" {
			return nil, st.src.Errorf(Pos(t.pos), "report %s: the schedule is empty", id.Name)
		}
		r.Cron = t.val
	case c.eat("EVERY"):
		if !c.peek().is("INTERVAL") {
			return nil, c.fail()
		}
		at := c.peek().pos
		lit, err := parseInterval(c)
		if err != nil {
			return nil, err
		}
		if lit.Interval.Months != 0 || lit.Interval.Millis <= 0 {
			return nil, st.src.Errorf(Pos(at), "report %s: EVERY needs a positive day-time interval such as INTERVAL '1' HOUR", id.Name)
		}
		r.Every = lit.Interval
	default:
		return nil, c.fail()
	}
	if err := c.want("AS"); err != nil {
		return nil, err
	}
	if t := c.peek(); !t.is("SELECT") && !t.isP("(") {
		return nil, c.fail()
	}
	start := c.i
	if w := st.trailingWith(start); w >= 0 {
		oc := st.cursorAt(w + 1)
		opts, err := options(oc)
		if err != nil {
			return nil, err
		}
		if err := oc.done(); err != nil {
			return nil, err
		}
		r.Options = opts
		st.blank(st.toks[w].pos, st.end)
	}
	if r.Query, err = st.query(start); err != nil {
		return nil, err
	}
	return r, nil
}

// trailingWith returns the index of a WITH token after token from, outside
// any parenthesis, that starts the statement's last parenthesized group:
// a report's options. It returns -1 when there is none.
func (st *stmtState) trailingWith(from int) int {
	last := len(st.toks) - 1
	for k := last - 1; k > from; k-- {
		if st.depth[k] == 0 && st.toks[k].is("WITH") && st.toks[k+1].isP("(") && st.match[k+1] == last {
			return k
		}
	}
	return -1
}

// createReport renders CREATE REPORT canonically.
func (p *printer) createReport(s *CreateReport) {
	p.WriteString("CREATE ")
	if s.OrReplace {
		p.WriteString("OR REPLACE ")
	}
	p.WriteString("REPORT " + quoteIdent(s.Name) + " ")
	if s.Cron != "" {
		p.WriteString("SCHEDULE " + quoteString(s.Cron))
	} else {
		p.WriteString("EVERY " + formatInterval(s.Every))
	}
	p.WriteString(" AS ")
	p.query(s.Query)
	if len(s.Options) > 0 {
		p.WriteString(" WITH (")
		for i, o := range s.Options {
			if i > 0 {
				p.WriteString(", ")
			}
			p.WriteString(quoteString(o.Key) + " = " + quoteString(o.Value))
		}
		p.WriteString(")")
	}
}
