package sql

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// query converts a SELECT or a UNION ALL of SELECTs.
func (c *conv) query(n ast.Node) (*Query, error) {
	q := &Query{}
	switch n := n.(type) {
	case *ast.SelectStmt:
		s, err := c.selectStmt(n)
		if err != nil {
			return nil, err
		}
		q.Selects = []*Select{s}
		if q.Limit, err = c.limit(n.Limit, s.Pos); err != nil {
			return nil, err
		}
	case *ast.SetOprStmt:
		if n.With != nil {
			return nil, c.unsupported(Pos(c.st.base), "WITH")
		}
		if err := c.setOprList(n.SelectList, q); err != nil {
			return nil, err
		}
		if n.OrderBy != nil {
			var err error
			if q.OrderBy, err = c.orderBy(n.OrderBy.Items); err != nil {
				return nil, err
			}
		}
		var err error
		if q.Limit, err = c.limit(n.Limit, q.Selects[0].Pos); err != nil {
			return nil, err
		}
	default:
		return nil, c.unsupported(Pos(c.st.base), "query")
	}
	q.Pos = q.Selects[0].Pos
	return q, nil
}

// setOprList flattens the members of a UNION ALL into q.
func (c *conv) setOprList(l *ast.SetOprSelectList, q *Query) error {
	for i, m := range l.Selects {
		var after *ast.SetOprType
		var err error
		switch m := m.(type) {
		case *ast.SelectStmt:
			after = m.AfterSetOperator
			var s *Select
			if s, err = c.selectStmt(m); err == nil {
				q.Selects = append(q.Selects, s)
			}
		case *ast.SetOprSelectList:
			after = m.AfterSetOperator
			if m.OrderBy != nil || m.Limit != nil {
				return c.unsupported(Pos(c.st.base), "ORDER BY or LIMIT inside UNION")
			}
			err = c.setOprList(m, q)
		default:
			return c.unsupported(Pos(c.st.base), "set operation")
		}
		if err != nil {
			return err
		}
		if i > 0 && (after == nil || *after != ast.UnionAll) {
			return c.unsupported(q.Selects[len(q.Selects)-1].Pos, "set operation other than UNION ALL")
		}
	}
	return nil
}

// selectPos finds the SELECT keyword of a select from its first field.
func (c *conv) selectPos(n *ast.SelectStmt) Pos {
	if n.Fields == nil || len(n.Fields.Fields) == 0 {
		return Pos(c.st.base)
	}
	k := c.st.tokenAt(int(c.pos(n.Fields.Fields[0].Offset)))
	for k > 0 {
		k--
		t := c.st.toks[k]
		if t.is("SELECT") {
			return Pos(t.pos)
		}
		if !t.is("STREAM") && !t.is("ALL") && !t.is("DISTINCT") && !t.is("DISTINCTROW") {
			break
		}
	}
	return Pos(c.st.base)
}

// selectStmt converts one SELECT block.
func (c *conv) selectStmt(n *ast.SelectStmt) (*Select, error) {
	p := c.selectPos(n)
	if n.Kind != ast.SelectStmtKindSelect {
		return nil, c.unsupported(p, "TABLE or VALUES statement")
	}
	switch {
	case n.With != nil:
		return nil, c.unsupported(p, "WITH")
	case n.SelectIntoOpt != nil || n.LockInfo != nil && n.LockInfo.LockType != ast.SelectLockNone:
		return nil, c.unsupported(p, "SELECT option")
	}
	s := &Select{Pos: p, Distinct: n.Distinct}
	if x := c.st.sels[int(p)]; x != nil {
		s.Stream, s.Emit = x.stream, x.emit
		if x.stagger != nil {
			sub := &conv{st: c.st, ins: x.stagger.part.ins}
			part, err := sub.exprs(x.stagger.part.exprs)
			if err != nil {
				return nil, err
			}
			s.Stagger = &Stagger{Pos: Pos(x.stagger.pos), PartitionBy: part, Range: x.stagger.rng}
		}
	}
	for _, f := range n.Fields.Fields {
		item := SelectItem{Pos: c.pos(f.Offset), Alias: f.AsName.O}
		if f.WildCard != nil {
			item.Star, item.Qualifier = true, f.WildCard.Table.O
		} else {
			e, err := c.expr(f.Expr)
			if err != nil {
				return nil, err
			}
			item.Expr = e
		}
		s.Items = append(s.Items, item)
	}
	var err error
	if n.From != nil {
		saved := c.tcur
		c.tcur = int(p)
		s.From, err = c.table(n.From.TableRefs)
		c.tcur = saved
		if err != nil {
			return nil, err
		}
	}
	if n.Where != nil {
		if s.Where, err = c.expr(n.Where); err != nil {
			return nil, err
		}
	}
	if n.GroupBy != nil {
		if n.GroupBy.Rollup {
			return nil, c.unsupported(p, "WITH ROLLUP")
		}
		for _, it := range n.GroupBy.Items {
			e, err := c.expr(it.Expr)
			if err != nil {
				return nil, err
			}
			s.GroupBy = append(s.GroupBy, e)
		}
	}
	if s.Stagger != nil && len(s.GroupBy) > 0 {
		return nil, c.st.src.Errorf(s.Stagger.Pos, "WINDOWED BY STAGGER cannot be combined with GROUP BY")
	}
	if n.Having != nil {
		if s.Having, err = c.expr(n.Having.Expr); err != nil {
			return nil, err
		}
	}
	for i := range n.WindowSpecs {
		w := &n.WindowSpecs[i]
		wp := c.findName(w.Name.O, int(p))
		spec, err := c.windowSpec(w, wp)
		if err != nil {
			return nil, err
		}
		spec.Ref = w.Ref.O
		s.Windows = append(s.Windows, NamedWindow{Name: w.Name.O, Pos: wp, Spec: spec})
	}
	if n.OrderBy != nil {
		if s.OrderBy, err = c.orderBy(n.OrderBy.Items); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// limit converts LIMIT n (a non-negative integer; no OFFSET).
func (c *conv) limit(l *ast.Limit, p Pos) (*Limit, error) {
	if l == nil {
		return nil, nil
	}
	if l.Offset != nil {
		return nil, c.unsupported(p, "LIMIT with an offset")
	}
	v, ok := l.Count.(*driver.ValueExpr)
	// TiDB keeps no offset for the count: find the query's LIMIT.
	at := p
	if k := c.st.tokenAt(int(p)); k < len(c.st.toks) {
		for j := k; j+1 < len(c.st.toks); j++ {
			if c.st.toks[j].is("LIMIT") && c.st.depth[j] == c.st.depth[k] {
				at = Pos(c.st.toks[j+1].pos)
			}
		}
	}
	if !ok || (v.Kind() != driver.KindInt64 && v.Kind() != driver.KindUint64) || v.GetInt64() < 0 {
		return nil, c.st.src.Errorf(at, "LIMIT takes a non-negative integer")
	}
	return &Limit{Pos: at, N: v.GetInt64()}, nil
}

// orderBy converts ORDER BY items.
func (c *conv) orderBy(items []*ast.ByItem) ([]OrderItem, error) {
	out := make([]OrderItem, 0, len(items))
	for _, it := range items {
		e, err := c.expr(it.Expr)
		if err != nil {
			return nil, err
		}
		out = append(out, OrderItem{Expr: e, Desc: it.Desc})
	}
	return out, nil
}

// findName returns the offset of the next identifier token named name at
// or after offset from (TiDB keeps no offsets for names), advancing the
// search cursor for table names.
func (c *conv) findName(name string, from int) Pos {
	for k := c.st.tokenAt(from); k < len(c.st.toks); k++ {
		if t := c.st.toks[k]; t.isIdent() && t.val == name {
			return Pos(t.pos)
		}
	}
	return Pos(from)
}

// table converts a FROM item.
func (c *conv) table(n ast.ResultSetNode) (TableExpr, error) {
	switch n := n.(type) {
	case *ast.Join:
		if n.Right == nil {
			return c.table(n.Left)
		}
		l, err := c.table(n.Left)
		if err != nil {
			return nil, err
		}
		r, err := c.table(n.Right)
		if err != nil {
			return nil, err
		}
		j := &Join{Pos: l.TablePos(), Left: l, Right: r}
		if n.NaturalJoin || len(n.Using) > 0 || n.StraightJoin {
			return nil, c.unsupported(r.TablePos(), "NATURAL, USING or STRAIGHT_JOIN")
		}
		if n.On != nil {
			if j.On, err = c.expr(n.On.Expr); err != nil {
				return nil, err
			}
		}
		switch n.Tp {
		case ast.LeftJoin:
			j.Kind = JoinLeft
			if j.On != nil && c.st.fullJoin[int(j.On.ExprPos())] {
				j.Kind = JoinFull
			}
		case ast.RightJoin:
			j.Kind = JoinRight
		default:
			j.Kind = JoinInner
			if j.On == nil {
				j.Kind = JoinCross
			}
		}
		return j, nil
	case *ast.TableSource:
		if n.Lateral || len(n.ColumnNames) > 0 {
			return nil, c.unsupported(Pos(c.tcur), "LATERAL or derived column list")
		}
		alias := n.AsName.O
		switch src := n.Source.(type) {
		case *ast.TableName:
			return c.tableName(src, alias)
		case *ast.SelectStmt, *ast.SetOprStmt:
			q, err := c.query(src)
			if err != nil {
				return nil, err
			}
			return &SubqueryRef{Pos: q.Pos, Query: q, Alias: alias, Columns: c.st.derived[int(q.Pos)]}, nil
		case *ast.Join:
			return c.table(src)
		}
	}
	return nil, c.unsupported(Pos(c.tcur), "FROM item")
}

// tableName converts a stream name, or a table function that pass 2
// replaced by __T<offset>.
func (c *conv) tableName(n *ast.TableName, alias string) (TableExpr, error) {
	name := n.Name.O
	if strings.HasPrefix(name, "__T") {
		if off, err := strconv.Atoi(name[3:]); err == nil {
			if e := c.st.tvfs[off]; e != nil {
				return c.tableFunc(e, alias)
			}
		}
	}
	p := c.findName(name, c.tcur)
	c.tcur = int(p) + 1
	if n.AsOf != nil || n.TableSample != nil || len(n.IndexHints) > 0 || len(n.PartitionNames) > 0 {
		return nil, c.unsupported(p, "table option")
	}
	return &TableRef{Pos: p, Name: name, Alias: alias, AsOf: c.st.asOf[int(p)], Over: c.st.fromOver[int(p)]}, nil
}

// tableFunc converts an extracted table function.
func (c *conv) tableFunc(e *tvfEntry, alias string) (TableExpr, error) {
	sub := &conv{st: c.st, ins: e.args.ins}
	args, err := sub.exprs(e.args.exprs)
	if err != nil {
		return nil, err
	}
	if !e.window {
		return &TableFunc{Pos: Pos(e.pos), Name: e.name, Args: args, Alias: alias}, nil
	}
	return &WindowTVF{Pos: Pos(e.pos), Func: e.name, Table: e.table, TimeCol: e.timeCol,
		PartitionBy: args[:e.nPart], Args: args[e.nPart:], Alias: alias}, nil
}

// windowSpec converts OVER (…) or a named window's body.
func (c *conv) windowSpec(w *ast.WindowSpec, p Pos) (*WindowSpec, error) {
	spec := &WindowSpec{Pos: p}
	if w.OnlyAlias {
		spec.Ref = w.Name.O
		return spec, nil
	}
	spec.Ref = w.Ref.O
	if w.PartitionBy != nil {
		for _, it := range w.PartitionBy.Items {
			e, err := c.expr(it.Expr)
			if err != nil {
				return nil, err
			}
			spec.PartitionBy = append(spec.PartitionBy, e)
		}
	}
	if w.OrderBy != nil {
		var err error
		if spec.OrderBy, err = c.orderBy(w.OrderBy.Items); err != nil {
			return nil, err
		}
	}
	if w.Frame == nil {
		return spec, nil
	}
	f := &Frame{Pos: p, Rows: w.Frame.Type == ast.Rows}
	if w.Frame.Type == ast.Groups {
		return nil, c.unsupported(p, "GROUPS frame")
	}
	if w.Frame.Extent.End.Type != ast.CurrentRow {
		return nil, c.unsupported(p, "window frame that does not end at the current row")
	}
	b := w.Frame.Extent.Start
	switch {
	case b.Type == ast.CurrentRow:
	case b.Type == ast.Preceding && b.UnBounded:
		f.Unbounded = true
	case b.Type == ast.Preceding:
		v, ok := b.Expr.(*driver.ValueExpr)
		if !ok || (v.Kind() != driver.KindInt64 && v.Kind() != driver.KindUint64) {
			return nil, c.unsupported(p, "window frame bound")
		}
		n := v.GetInt64()
		if f.Rows {
			if s := strconv.FormatInt(n, 10); len(s) == 10 && s[0] == '9' {
				return nil, c.unsupported(p, "ROWS frame with an INTERVAL")
			}
			f.N = n
			break
		}
		iv, ok := c.st.frames[int(n%1_000_000_000)]
		if !ok || n < 9_000_000_000 {
			return nil, c.unsupported(p, "RANGE frame without an INTERVAL")
		}
		f.Range = iv
	default:
		return nil, c.unsupported(p, "window frame that does not end at the current row")
	}
	spec.Frame = f
	return spec, nil
}
