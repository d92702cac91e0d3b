package planner

import (
	"fmt"
	"github.com/apache/arrow-go/v18/arrow"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// hasOver tells whether any select item uses a window function (OVER).
func hasOver(items []sql.SelectItem) bool {
	found := false
	for _, it := range items {
		walkExpr(it.Expr, func(x sql.Expr) {
			if c, ok := x.(*sql.Call); ok && c.Over != nil {
				found = true
			}
		})
	}
	return found
}

// over plans KDA sliding windows: every `f(…) OVER w` of the select list
// becomes a spec of one Over node, and the items are bound over its output.
func (q *queryPlanner) over(s *sql.Select, in Node) (Node, error) {
	sc := in.Scope()
	named := map[string]*sql.WindowSpec{}
	for _, w := range s.Windows {
		named[w.Name] = w.Spec
	}
	node := &Over{Input: in}
	idx := map[string]int{}
	var err error
	for _, it := range s.Items {
		walkExpr(it.Expr, func(x sql.Expr) {
			c, ok := x.(*sql.Call)
			if !ok || c.Over == nil || err != nil {
				return
			}
			ck := canonical(c, sc) + " OVER " + q.windowKey(c.Over, named)
			if _, seen := idx[ck]; seen {
				return
			}
			var spec window.OverSpec
			spec, err = q.overSpec(c, named, sc)
			if err != nil {
				return
			}
			spec.Name = fmt.Sprintf("$o%d", len(node.Specs))
			idx[ck] = len(node.Specs)
			node.Specs = append(node.Specs, spec)
		})
	}
	if err != nil {
		return nil, err
	}
	out := &scope{fields: append([]field(nil), sc.fields...)}
	texts := make([]string, len(node.Specs))
	for i, sp := range node.Specs {
		t, terr := overResultType(sp)
		if terr != nil {
			return nil, q.errorf(s.Pos, "%v", terr)
		}
		out.fields = append(out.fields, field{Name: sp.Name, Type: t, Hidden: true})
		texts[i] = describeOver(sp)
	}
	node.sc = out
	node.Text = strings.Join(texts, ", ")
	items := make([]sql.SelectItem, len(s.Items))
	for i, it := range s.Items {
		if it.Star {
			items[i] = it
			continue
		}
		items[i] = sql.SelectItem{Pos: it.Pos, Alias: itemName(it, i), Expr: replaceExpr(it.Expr, func(x sql.Expr) (sql.Expr, bool) {
			c, ok := x.(*sql.Call)
			if !ok || c.Over == nil {
				return nil, false
			}
			j := idx[canonical(c, sc)+" OVER "+q.windowKey(c.Over, named)]
			return &sql.ColumnRef{Pos: c.Pos, Name: node.Specs[j].Name}, true
		})}
	}
	return q.project(items, node)
}

// windowKey identifies a window spec for sharing identical calls.
func (q *queryPlanner) windowKey(w *sql.WindowSpec, named map[string]*sql.WindowSpec) string {
	if w.Ref != "" && len(w.PartitionBy) == 0 && w.Frame == nil {
		return "ref:" + w.Ref
	}
	var parts []string
	for _, p := range w.PartitionBy {
		parts = append(parts, sql.FormatExpr(p))
	}
	if w.Frame != nil {
		parts = append(parts, fmt.Sprintf("%v/%d/%d/%v", w.Frame.Rows, w.Frame.N, w.Frame.Range.Millis, w.Frame.Unbounded))
	}
	return w.Ref + "(" + strings.Join(parts, ",") + ")"
}

// resolveWindow merges a window reference with the named window it names.
func (q *queryPlanner) resolveWindow(w *sql.WindowSpec, named map[string]*sql.WindowSpec) (*sql.WindowSpec, error) {
	if w.Ref == "" {
		return w, nil
	}
	base, ok := named[w.Ref]
	if !ok {
		return nil, q.errorf(w.Pos, "unknown window %s", quoteIdent(w.Ref))
	}
	merged := *base
	if len(w.PartitionBy) > 0 {
		merged.PartitionBy = w.PartitionBy
	}
	if w.Frame != nil {
		merged.Frame = w.Frame
	}
	return &merged, nil
}

// overSpec binds one windowed call.
func (q *queryPlanner) overSpec(c *sql.Call, named map[string]*sql.WindowSpec, sc *scope) (window.OverSpec, error) {
	var spec window.OverSpec
	w, err := q.resolveWindow(c.Over, named)
	if err != nil {
		return spec, err
	}
	fn := c.Name
	if a, ok := aggAliases[fn]; ok {
		fn = a
	}
	spec.Func = fn
	spec.IgnoreNulls = c.IgnoreNulls
	if c.IgnoreNulls {
		switch fn {
		case window.FuncLag, window.FuncNthValue, exec.AggFirstValue, exec.AggLastValue:
		default:
			return spec, q.errorf(c.Pos, "IGNORE NULLS applies to LAG, NTH_VALUE, FIRST_VALUE and LAST_VALUE, not %s", c.Name)
		}
	}
	if fn == window.FuncExpAvg {
		if len(c.Args) != 2 {
			return spec, q.errorf(c.Pos, "EXP_AVG takes a value and a half-life: EXP_AVG(x, INTERVAL '10' SECOND)")
		}
		d, err := q.intervalArg(c.Args[1])
		if err != nil {
			return spec, err
		}
		spec.HalfLife = d
		c = &sql.Call{Pos: c.Pos, Name: c.Name, Args: c.Args[:1], Over: c.Over}
	}
	switch {
	case c.Star:
		if fn != exec.AggCount {
			return spec, q.errorf(c.Pos, "only COUNT takes *")
		}
	case len(c.Args) >= 1:
		arg, err := q.b.expr(c.Args[0], sc)
		if err != nil {
			return spec, err
		}
		spec.Arg = arg
	default:
		return spec, q.errorf(c.Pos, "%s needs an argument", c.Name)
	}
	if fn == window.FuncExpAvg && !numericSQL(spec.Arg.DataType()) {
		return spec, q.errorf(c.Pos, "EXP_AVG takes a number, not %s", SQLTypeOf(spec.Arg.DataType()))
	}
	if fn == window.FuncLag || fn == window.FuncNthValue {
		spec.N = 1
		if len(c.Args) >= 2 {
			l, ok := c.Args[1].(*sql.Literal)
			n, perr := 0, error(nil)
			if ok && l.Kind == sql.LitInt {
				_, perr = fmt.Sscanf(l.Text, "%d", &n)
			}
			if !ok || l.Kind != sql.LitInt || perr != nil || n < 0 {
				return spec, q.errorf(c.Args[1].ExprPos(), "%s wants a non-negative integer constant", c.Name)
			}
			spec.N = n
		}
	}
	if fn == window.FuncLag && len(c.Args) >= 3 {
		d, err := q.b.expr(c.Args[2], sc)
		if err != nil {
			return spec, err
		}
		spec.Default = d
	} else if len(c.Args) >= 3 {
		return spec, q.errorf(c.Args[2].ExprPos(), "%s takes at most 2 arguments", c.Name)
	}
	for _, p := range w.PartitionBy {
		e, err := q.b.expr(p, sc)
		if err != nil {
			return spec, err
		}
		spec.Partition = append(spec.Partition, e)
	}
	switch f := w.Frame; {
	case f == nil && fn == window.FuncLag:
		spec.Rows, spec.Preceding = true, spec.N
	case f == nil:
		return spec, q.errorf(w.Pos, "a streaming window needs a frame: ROWS n PRECEDING or RANGE INTERVAL '…' PRECEDING")
	case f.Unbounded:
		return spec, q.errorf(f.Pos, "UNBOUNDED PRECEDING windows grow without bound on a stream; use ROWS n or RANGE INTERVAL … PRECEDING")
	case f.Rows:
		spec.Rows, spec.Preceding = true, int(f.N)
		if fn == window.FuncLag && spec.Preceding < spec.N {
			spec.Preceding = spec.N
		}
	default:
		if f.Range.Months != 0 {
			return spec, q.errorf(f.Pos, "RANGE windows take day-time intervals")
		}
		spec.Range = time.Duration(f.Range.Millis) * time.Millisecond
	}
	return spec, nil
}

// overResultType is the type of a window function's column: the
// aggregate's, or the argument's for LAG and NTH_VALUE.
func overResultType(sp window.OverSpec) (arrow.DataType, error) {
	fn := sp.Func
	if fn == window.FuncExpAvg {
		if sp.Arg == nil || !numericSQL(sp.Arg.DataType()) {
			return nil, fmt.Errorf("EXP_AVG takes a number")
		}
		return arrow.PrimitiveTypes.Float64, nil
	}
	if fn == window.FuncLag || fn == window.FuncNthValue {
		fn = exec.AggFirstValue
	}
	var arg arrow.DataType
	if sp.Arg != nil {
		arg = sp.Arg.DataType()
	}
	t, err := exec.AggResultType(fn, arg)
	if err != nil {
		return nil, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "exec: "))
	}
	return t, nil
}

func describeOver(sp window.OverSpec) string {
	arg := "*"
	if sp.Arg != nil {
		arg = sp.Arg.String()
	}
	frame := fmt.Sprintf("RANGE %s", sp.Range)
	if sp.Rows {
		frame = fmt.Sprintf("ROWS %d", sp.Preceding)
	}
	var parts []string
	for _, p := range sp.Partition {
		parts = append(parts, p.String())
	}
	if sp.Func == window.FuncExpAvg {
		arg += ", " + sp.HalfLife.String()
	}
	nulls := ""
	if sp.IgnoreNulls {
		nulls = " IGNORE NULLS"
	}
	return fmt.Sprintf("%s(%s)%s OVER (PARTITION BY %s %s PRECEDING)", sp.Func, arg, nulls, strings.Join(parts, ", "), frame)
}

// numericSQL tells whether t is a SQL number type.
func numericSQL(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

// overWorkers returns how many workers an OVER of cfg folds its frames on
// (window.NewParallelOver; see partitionedWorkers): some spec must have
// PARTITION BY and fold its frames row by row (window.OverParallelizable).
func (s *Session) overWorkers(cfg window.OverConfig) int {
	return s.partitionedWorkers(window.OverParallelizable(cfg), window.ParallelOverPaysFrom(cfg))
}

// overWorkersText describes the workers of an OVER for EXPLAIN.
func (s *Session) overWorkersText(n *Over) string {
	cfg := window.OverConfig{Specs: n.Specs}
	return s.partitionedWorkersText(window.OverParallelizable(cfg), window.ParallelOverPaysFrom(cfg))
}
