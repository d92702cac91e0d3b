package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// queryPlanner plans the queries of one statement.
type queryPlanner struct {
	s   *Session
	b   *binder
	src *sql.Source
	// windows are the WINDOW clause of the SELECT being planned (KDA's
	// join windows name them).
	windows map[string]*sql.WindowSpec
}

func (q *queryPlanner) errorf(pos sql.Pos, format string, args ...any) error {
	return q.src.Errorf(pos, format, args...)
}

// query plans a (possibly UNION ALL) query.
func (q *queryPlanner) query(qu *sql.Query) (Node, error) {
	var items []Node
	for _, s := range qu.Selects {
		n, err := q.selectNode(s)
		if err != nil {
			return nil, err
		}
		items = append(items, n)
	}
	n := items[0]
	if len(items) > 1 {
		first := items[0].Scope()
		for i, n := range items[1:] {
			if err := sameColumns(first, n.Scope()); err != nil {
				return nil, q.errorf(qu.Selects[i+1].Pos, "UNION ALL branch %d: %v", i+2, err)
			}
		}
		n = &Union{Items: items}
	}
	n, err := q.orderBy(n, qu.OrderBy)
	if err != nil {
		return nil, err
	}
	return q.limit(n, qu.Limit)
}

func sameColumns(a, b *scope) error {
	if len(a.fields) != len(b.fields) {
		return fmt.Errorf("has %d columns, the first branch %d", len(b.fields), len(a.fields))
	}
	for i := range a.fields {
		if !typesEqual(a.fields[i].Type, b.fields[i].Type) {
			return fmt.Errorf("column %d is %s, in the first branch %s", i+1, SQLTypeOf(b.fields[i].Type), SQLTypeOf(a.fields[i].Type))
		}
	}
	return nil
}

// selectNode plans one SELECT block.
func (q *queryPlanner) selectNode(s *sql.Select) (Node, error) {
	if s.From == nil {
		return nil, q.errorf(s.Pos, "a streaming SELECT needs a FROM clause")
	}
	q.windows = map[string]*sql.WindowSpec{}
	for _, w := range s.Windows {
		q.windows[w.Name] = w.Spec
	}
	from, where := q.joinWhere(s)
	in, tvf, err := q.fromWindowed(from)
	if err != nil {
		return nil, err
	}
	if where != nil {
		pred, err := q.b.expr(where, in.Scope())
		if err != nil {
			return nil, err
		}
		in = &Filter{Input: in, Pred: pred, Text: sql.FormatExpr(where)}
	}
	var n Node
	switch _, grouped := needsAggregation(s); {
	case grouped || tvf != nil:
		if hasOver(s.Items) {
			return nil, q.errorf(s.Pos, "a query cannot both group and use OVER windows; aggregate in a subquery or another pump")
		}
		n, err = q.aggregate(s, in, tvf)
	case s.Distinct:
		n, err = q.distinct(s, in)
	case hasOver(s.Items):
		n, err = q.over(s, in)
	default:
		n, err = q.project(s.Items, in)
	}
	if err != nil {
		return nil, err
	}
	return q.orderBy(n, s.OrderBy)
}

// needsAggregation tells whether s groups, windows or aggregates, and where.
func needsAggregation(s *sql.Select) (sql.Pos, bool) {
	if len(s.GroupBy) > 0 {
		return s.GroupBy[0].ExprPos(), true
	}
	if s.Stagger != nil {
		return s.Stagger.Pos, true
	}
	if s.Having != nil {
		return s.Having.ExprPos(), true
	}
	for _, it := range s.Items {
		if it.Expr == nil {
			continue
		}
		if pos, ok := findAggregate(it.Expr); ok {
			return pos, true
		}
	}
	return 0, false
}

// findAggregate finds an aggregate or OVER call inside e.
func findAggregate(e sql.Expr) (sql.Pos, bool) {
	var pos sql.Pos
	found := false
	walkExpr(e, func(x sql.Expr) {
		if c, ok := x.(*sql.Call); ok && !found && c.Over == nil && aggregateNames[c.Name] {
			pos, found = c.Pos, true
		}
	})
	return pos, found
}

// walkExpr calls fn on e and every expression below it.
func walkExpr(e sql.Expr, fn func(sql.Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *sql.Unary:
		walkExpr(e.X, fn)
	case *sql.Binary:
		walkExpr(e.L, fn)
		walkExpr(e.R, fn)
	case *sql.IsNull:
		walkExpr(e.X, fn)
	case *sql.Between:
		walkExpr(e.X, fn)
		walkExpr(e.Lo, fn)
		walkExpr(e.Hi, fn)
	case *sql.InList:
		walkExpr(e.X, fn)
		for _, x := range e.List {
			walkExpr(x, fn)
		}
	case *sql.Like:
		walkExpr(e.X, fn)
		walkExpr(e.Pattern, fn)
		walkExpr(e.Escape, fn)
	case *sql.Case:
		walkExpr(e.Operand, fn)
		for _, w := range e.Whens {
			walkExpr(w.Cond, fn)
			walkExpr(w.Result, fn)
		}
		walkExpr(e.Else, fn)
	case *sql.Cast:
		walkExpr(e.X, fn)
	case *sql.Call:
		for _, x := range e.Args {
			walkExpr(x, fn)
		}
		walkExpr(e.Filter, fn)
	}
}

// fromWindowed plans a FROM item that may be a window table function,
// which contributes the window of the GROUP BY that follows.
func (q *queryPlanner) fromWindowed(t sql.TableExpr) (Node, *windowInfo, error) {
	w, ok := t.(*sql.WindowTVF)
	if !ok {
		n, err := q.from(t)
		return n, nil, err
	}
	in, err := q.from(w.Table)
	if err != nil {
		return nil, nil, err
	}
	var ds []time.Duration
	for _, a := range w.Args {
		d, err := q.intervalArg(a)
		if err != nil {
			return nil, nil, err
		}
		ds = append(ds, d)
	}
	want := map[string]int{"TUMBLE": 1, "HOP": 2, "SESSION": 1, "CUMULATE": 2}[w.Func]
	if len(ds) < want || len(ds) > want+1 || w.Func == "SESSION" && len(ds) != 1 {
		return nil, nil, q.errorf(w.Pos, "%s takes the table, DESCRIPTOR(time column) and %d interval(s)", w.Func, want)
	}
	var offset time.Duration
	if len(ds) > want {
		offset = ds[want]
	}
	var a window.Assigner
	switch w.Func {
	case "TUMBLE":
		a, err = window.Tumbling(ds[0], offset)
	case "HOP":
		a, err = window.Hopping(ds[1], ds[0], offset)
	case "SESSION":
		a, err = window.Session(ds[0])
	case "CUMULATE":
		a, err = window.Cumulate(ds[0], ds[1])
	default:
		return nil, nil, q.errorf(w.Pos, "unknown window function %s", w.Func)
	}
	if err != nil {
		return nil, nil, q.errorf(w.Pos, "%v", err)
	}
	if w.Alias != "" {
		in = withScope(in, in.Scope().withQual(w.Alias))
	}
	info := &windowInfo{assigner: a, timeCol: w.TimeCol.Name, text: a.String()}
	if len(w.PartitionBy) > 0 {
		info.partition = w.PartitionBy
	}
	return in, info, nil
}

// from plans a FROM item.
func (q *queryPlanner) from(t sql.TableExpr) (Node, error) {
	switch t := t.(type) {
	case *sql.TableRef:
		if _, isTable, err := q.s.resolveTable(t.Name); isTable || err != nil {
			if err != nil {
				return nil, q.errorf(t.Pos, "%v", err)
			}
			return nil, q.errorf(t.Pos, "%s is a reference table; join it to a stream: FROM stream JOIN %s ON …", quoteIdent(t.Name), quoteIdent(t.Name))
		}
		def, err := q.s.resolveStream(t.Name)
		if err != nil {
			return nil, q.errorf(t.Pos, "%v", err)
		}
		source := q.s.isSourceStream(def)
		if source && columnIndex(def, exec.ArrivalColumn) >= 0 {
			return nil, q.errorf(t.Pos, "source stream %s declares %s, a system column of every source; rename the column", quoteIdent(def.Name), exec.ArrivalColumn)
		}
		quals := []string{def.Name}
		if t.Alias != "" {
			quals = []string{t.Alias}
		}
		return &Scan{Stream: def, sc: streamScope(def, q.s.isSourceStream(def)).withQual(quals...)}, nil
	case *sql.SubqueryRef:
		n, err := q.query(t.Query)
		if err != nil {
			return nil, err
		}
		if n, err = q.renameColumns(n, t); err != nil {
			return nil, err
		}
		if t.Alias == "" {
			return n, nil
		}
		return withScope(n, n.Scope().withQual(t.Alias)), nil
	case *sql.Join:
		return q.join(t)
	case *sql.WindowTVF:
		return nil, q.errorf(t.Pos, "a window table function must be grouped directly: SELECT … FROM TABLE(%s(…)) GROUP BY window_start, window_end, …", t.Func)
	case *sql.TableFunc:
		return q.tableFunc(t)
	}
	return nil, fmt.Errorf("planner: unknown FROM item %T", t)
}

// withScope returns n with its output columns re-qualified. Only Project,
// Filter-over-anything and Scan carry a scope of their own; others are
// wrapped in an identity projection.
func withScope(n Node, sc *scope) Node {
	exprs := make([]exec.Expr, len(sc.fields))
	texts := make([]string, len(sc.fields))
	for i, f := range sc.fields {
		exprs[i] = exec.Column(i, f.Name, f.Type)
		texts[i] = quoteIdent(f.Name)
	}
	return &Project{Input: n, Exprs: exprs, Texts: texts, sc: sc}
}

// streamScope is the columns a scan of def sees: the declared columns, then
// the hidden system columns.
func streamScope(def *StreamDef, source bool) *scope {
	sc := &scope{}
	for _, c := range def.Columns {
		sc.fields = append(sc.fields, field{Name: c.Name, Type: c.Type, Length: c.Length})
	}
	if source {
		sc.fields = append(sc.fields, field{Name: exec.ArrivalColumn, Type: exec.TimestampType, Hidden: true})
	}
	sc.fields = append(sc.fields, field{Name: exec.RowtimeColumn, Type: exec.TimestampType, Hidden: true})
	return sc
}

// project plans a select list. An item named ROWTIME becomes the output's
// ROWTIME; otherwise the input's ROWTIME passes through, hidden.
func (q *queryPlanner) project(items []sql.SelectItem, in Node) (Node, error) {
	sc := in.Scope()
	var exprs []exec.Expr
	var texts []string
	out := &scope{}
	hasRowtime := false
	add := func(e exec.Expr, text, name string, hidden bool) {
		exprs = append(exprs, e)
		texts = append(texts, text)
		out.fields = append(out.fields, field{Name: name, Type: e.DataType(), Hidden: hidden})
	}
	for i, it := range items {
		if it.Star {
			idx := sc.visible(it.Qualifier)
			if len(idx) == 0 && it.Qualifier != "" {
				return nil, q.errorf(it.Pos, "unknown stream or alias %s", quoteIdent(it.Qualifier))
			}
			for _, j := range idx {
				f := sc.fields[j]
				add(exec.Column(j, f.Name, f.Type), quoteIdent(f.Name), f.Name, false)
			}
			continue
		}
		e, err := q.b.expr(it.Expr, sc)
		if err != nil {
			return nil, err
		}
		name := itemName(it, i)
		if strings.EqualFold(name, exec.RowtimeColumn) {
			if e.DataType().ID() != exec.TimestampType.ID() {
				return nil, q.errorf(it.Pos, "ROWTIME must be a TIMESTAMP, not %s", SQLTypeOf(e.DataType()))
			}
			if hasRowtime {
				return nil, q.errorf(it.Pos, "ROWTIME is selected twice")
			}
			hasRowtime = true
			name = exec.RowtimeColumn
		}
		add(e, sql.FormatExpr(it.Expr), name, false)
	}
	if !hasRowtime {
		rt := sc.rowtime()
		if rt < 0 {
			return nil, fmt.Errorf("planner: input has no ROWTIME")
		}
		add(exec.Column(rt, exec.RowtimeColumn, exec.TimestampType), exec.RowtimeColumn, exec.RowtimeColumn, true)
	}
	if err := uniqueNames(out); err != nil {
		return nil, q.errorf(items[0].Pos, "%v", err)
	}
	return &Project{Input: in, Exprs: exprs, Texts: texts, Retime: hasRowtime, sc: out}, nil
}

// itemName is the output name of a select item: its alias, the column it
// names, or EXPR$i.
func itemName(it sql.SelectItem, i int) string {
	if it.Alias != "" {
		return it.Alias
	}
	if c, ok := it.Expr.(*sql.ColumnRef); ok {
		return c.Name
	}
	if f, ok := it.Expr.(*sql.FieldRef); ok {
		return f.Field // T.REC.COLUMN1 is COLUMN1
	}
	return fmt.Sprintf("EXPR$%d", i)
}

func uniqueNames(sc *scope) error {
	seen := map[string]bool{}
	for _, f := range sc.fields {
		if seen[f.Name] {
			return fmt.Errorf("column %s appears twice in the select list; give one an alias", quoteIdent(f.Name))
		}
		seen[f.Name] = true
	}
	return nil
}
