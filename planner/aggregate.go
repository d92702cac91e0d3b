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

// Aggregate is a windowed GROUP BY: Keys and Aggs per window of Assigner
// over the event-time column TimeColumn. Its output is the keys,
// window_start, window_end, the aggregates, is_partial when Emit.Every is
// set, then ROWTIME (the window end).
type Aggregate struct {
	Input      Node
	Keys       []exec.Expr
	KeyNames   []string
	Aggs       []exec.AggSpec
	Assigner   window.Assigner
	TimeColumn string
	// Lateness and Late come from the input streams' event time (see
	// Session.inputEventTime), resolved when the plan is built and again
	// when it is lowered (bindings may change in between).
	Lateness time.Duration
	Emit     window.EmitPolicy
	Late     window.LatePolicy
	Text     string
	sc       *scope
}

// Over computes sliding-window aggregates, one output row per input row:
// the input columns followed by one column per spec.
type Over struct {
	Input Node
	Specs []window.OverSpec
	Text  string
	sc    *scope
}

// Scope returns the aggregate's output columns.
func (n *Aggregate) Scope() *scope { return n.sc }

// Inputs returns the input.
func (n *Aggregate) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *Aggregate) Describe() string { return "WindowAggregate " + n.Text }

// Scope returns the input's columns plus the window functions'.
func (n *Over) Scope() *scope { return n.sc }

// Inputs returns the input.
func (n *Over) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *Over) Describe() string { return "SlidingWindow " + n.Text }

// boolType is the type of is_partial.
var boolType = arrow.FixedWidthTypes.Boolean

// aggAliases maps SQL aggregate names to exec's.
var aggAliases = map[string]string{"STDDEV": exec.AggStddevSamp, "VARIANCE": exec.AggVarSamp}

// windowInfo is what a window TVF in FROM contributes to a GROUP BY.
type windowInfo struct {
	assigner  window.Assigner
	timeCol   string
	text      string
	partition []sql.Expr // SESSION(TABLE t PARTITION BY k, …): extra keys
}

// timeKey describes a GROUP BY expression that is the window.
type timeKey struct {
	assigner window.Assigner
	timeCol  string
	text     string
}

// aggregate plans a SELECT with GROUP BY, WINDOWED BY STAGGER or
// aggregates over in.
func (q *queryPlanner) aggregate(s *sql.Select, in Node, tvf *windowInfo) (Node, error) {
	sc := in.Scope()
	var win *timeKey
	var keys []sql.Expr
	windowTexts := map[string]bool{} // canonical texts that mean window_start
	if tvf != nil {
		win = &timeKey{assigner: tvf.assigner, timeCol: tvf.timeCol, text: tvf.text}
		keys = append(keys, tvf.partition...)
	}
	for _, g := range s.GroupBy {
		tk, err := q.groupWindow(g, sc)
		if err != nil {
			return nil, err
		}
		if tk != nil {
			if win != nil {
				return nil, q.errorf(g.ExprPos(), "a GROUP BY can have only one window")
			}
			win = tk
			windowTexts[canonical(g, sc)] = true
			continue
		}
		if tvf != nil && isWindowColumn(g) {
			continue
		}
		keys = append(keys, g)
	}
	if s.Stagger != nil {
		if win != nil {
			return nil, q.errorf(s.Stagger.Pos, "WINDOWED BY STAGGER cannot be combined with another window")
		}
		a, err := window.Stagger(time.Duration(s.Stagger.Range.Millis) * time.Millisecond)
		if err != nil {
			return nil, q.errorf(s.Stagger.Pos, "%v", err)
		}
		win = &timeKey{assigner: a, timeCol: exec.RowtimeColumn, text: "STAGGER " + a.String()}
		keys = append(keys, s.Stagger.PartitionBy...)
	}
	var agg *Aggregate
	if win == nil {
		if !q.s.cfg.Bounded {
			pos := s.Pos
			if len(s.GroupBy) > 0 {
				pos = s.GroupBy[0].ExprPos()
			}
			return nil, q.errorf(pos, "a streaming GROUP BY needs a time window: group by STEP(ROWTIME BY INTERVAL …), FLOOR(ROWTIME TO MINUTE), TUMBLE/HOP/SESSION(…), or use WINDOWED BY STAGGER")
		}
		// Bounded input (a report): one group per key, emitted at the end.
		agg = &Aggregate{Input: in}
	} else {
		var err error
		if agg, err = q.windowedAggregate(s, in, win); err != nil {
			return nil, err
		}
	}
	// Keys and aggregates, by canonical text.
	keyIdx := map[string]int{}
	for _, k := range keys {
		ck := canonical(k, sc)
		if _, dup := keyIdx[ck]; dup {
			continue
		}
		e, err := q.b.expr(k, sc)
		if err != nil {
			return nil, err
		}
		keyIdx[ck] = len(agg.Keys)
		agg.Keys = append(agg.Keys, e)
		agg.KeyNames = append(agg.KeyNames, fmt.Sprintf("$k%d", len(agg.KeyNames)))
	}
	aggIdx := map[string]int{}
	var collectErr error
	collect := func(e sql.Expr) {
		walkExpr(e, func(x sql.Expr) {
			c, ok := x.(*sql.Call)
			if !ok || collectErr != nil || c.Over != nil || !aggregateNames[c.Name] {
				return
			}
			ck := canonical(c, sc)
			if _, seen := aggIdx[ck]; seen {
				return
			}
			spec, err := q.aggSpec(c, sc)
			if err != nil {
				collectErr = err
				return
			}
			spec.Name = fmt.Sprintf("$a%d", len(agg.Aggs))
			aggIdx[ck] = len(agg.Aggs)
			agg.Aggs = append(agg.Aggs, spec)
		})
	}
	for _, it := range s.Items {
		collect(it.Expr)
	}
	collect(s.Having)
	if collectErr != nil {
		return nil, collectErr
	}
	if win == nil {
		// A bounded group's ROWTIME is its newest row's: the last aggregate.
		rt := sc.rowtime()
		agg.Aggs = append(agg.Aggs, exec.AggSpec{Func: exec.AggMax, Arg: exec.Column(rt, exec.RowtimeColumn, exec.TimestampType), Name: exec.RowtimeColumn})
	}
	// The operator's output columns.
	out := &scope{}
	for i, k := range agg.Keys {
		out.fields = append(out.fields, field{Name: agg.KeyNames[i], Type: k.DataType(), Hidden: true})
	}
	if win != nil {
		out.fields = append(out.fields,
			field{Name: window.WindowStartColumn, Type: exec.TimestampType, Hidden: true},
			field{Name: window.WindowEndColumn, Type: exec.TimestampType, Hidden: true})
	}
	for _, a := range agg.Aggs {
		if a.Name == exec.RowtimeColumn {
			continue // added below, in the same place
		}
		t, err := a.ResultType()
		if err != nil {
			return nil, q.errorf(s.Pos, "%s", strings.TrimPrefix(err.Error(), "exec: "))
		}
		out.fields = append(out.fields, field{Name: a.Name, Type: t, Hidden: true})
	}
	if agg.Emit.Every > 0 {
		out.fields = append(out.fields, field{Name: window.PartialColumn, Type: boolType, Hidden: true})
	}
	out.fields = append(out.fields, field{Name: exec.RowtimeColumn, Type: exec.TimestampType, Hidden: true})
	agg.sc = out
	agg.Text = q.aggText(agg, win)

	// Rewrite the select list and HAVING over the operator's output.
	var rwErr error
	rw := func(e sql.Expr) sql.Expr {
		return replaceExpr(e, func(x sql.Expr) (sql.Expr, bool) {
			ck := canonical(x, sc)
			if i, ok := aggIdx[ck]; ok {
				return &sql.ColumnRef{Pos: x.ExprPos(), Name: agg.Aggs[i].Name}, true
			}
			if i, ok := keyIdx[ck]; ok {
				return &sql.ColumnRef{Pos: x.ExprPos(), Name: agg.KeyNames[i]}, true
			}
			if windowTexts[ck] {
				return &sql.ColumnRef{Pos: x.ExprPos(), Name: window.WindowStartColumn}, true
			}
			if r, ok := windowHelper(x, tvf != nil); ok {
				return r, true
			}
			if c, ok := x.(*sql.ColumnRef); ok {
				if agg.Emit.Every > 0 && strings.EqualFold(c.Name, window.PartialColumn) {
					return &sql.ColumnRef{Pos: c.Pos, Name: window.PartialColumn}, true
				}
				if c.Name == exec.RowtimeColumn {
					return &sql.ColumnRef{Pos: c.Pos, Name: exec.RowtimeColumn}, true
				}
				if rwErr == nil {
					rwErr = q.errorf(c.Pos, "column %s must appear in GROUP BY or inside an aggregate", quoteIdent(c.Name))
				}
			}
			return nil, false
		})
	}
	items := make([]sql.SelectItem, len(s.Items))
	for i, it := range s.Items {
		if it.Star {
			return nil, q.errorf(it.Pos, "SELECT * cannot be used with GROUP BY; name the columns")
		}
		items[i] = sql.SelectItem{Pos: it.Pos, Expr: rw(it.Expr), Alias: itemName(it, i)}
	}
	var n Node = agg
	if s.Having != nil {
		h := rw(s.Having)
		if rwErr != nil {
			return nil, rwErr
		}
		pred, err := q.b.expr(h, out)
		if err != nil {
			return nil, err
		}
		n = &Filter{Input: agg, Pred: pred, Text: sql.FormatExpr(s.Having)}
	}
	if rwErr != nil {
		return nil, rwErr
	}
	if s.Distinct {
		return nil, q.errorf(s.Pos, "SELECT DISTINCT on a stream is not supported yet")
	}
	return q.project(items, n)
}

// groupWindow recognises a GROUP BY expression that defines the window:
// KDA's STEP(ROWTIME BY …) and FLOOR/CEIL(ROWTIME TO unit), and Flink's
// TUMBLE, HOP and SESSION group windows. It returns nil for other keys.
func (q *queryPlanner) groupWindow(g sql.Expr, sc *scope) (*timeKey, error) {
	c, ok := g.(*sql.Call)
	if !ok {
		return nil, nil
	}
	switch c.Name {
	case "STEP", "FLOOR", "CEIL", "CEILING":
		if len(c.Args) == 0 || !isRowtime(c.Args[0]) {
			return nil, nil
		}
		var size time.Duration
		if c.Name == "STEP" {
			if len(c.Args) != 2 {
				return nil, nil
			}
			d, err := q.intervalArg(c.Args[1])
			if err != nil {
				return nil, err
			}
			size = d
		} else {
			d, ok := unitDuration(c.Unit)
			if !ok {
				return nil, nil
			}
			size = d
		}
		a, err := window.Tumbling(size, 0)
		if err != nil {
			return nil, q.errorf(c.Pos, "%v", err)
		}
		return &timeKey{assigner: a, timeCol: exec.RowtimeColumn, text: a.String()}, nil
	case "TUMBLE", "HOP", "SESSION":
		want := map[string]int{"TUMBLE": 2, "HOP": 3, "SESSION": 2}[c.Name]
		if len(c.Args) != want {
			return nil, q.errorf(c.Pos, "%s takes %d arguments: the time column and %d interval(s)", c.Name, want, want-1)
		}
		col, ok := c.Args[0].(*sql.ColumnRef)
		if !ok {
			return nil, q.errorf(c.Args[0].ExprPos(), "the first argument of %s must be a time column", c.Name)
		}
		var ds []time.Duration
		for _, a := range c.Args[1:] {
			d, err := q.intervalArg(a)
			if err != nil {
				return nil, err
			}
			ds = append(ds, d)
		}
		var a window.Assigner
		var err error
		switch c.Name {
		case "TUMBLE":
			a, err = window.Tumbling(ds[0], 0)
		case "HOP":
			a, err = window.Hopping(ds[1], ds[0], 0)
		case "SESSION":
			a, err = window.Session(ds[0])
		}
		if err != nil {
			return nil, q.errorf(c.Pos, "%v", err)
		}
		return &timeKey{assigner: a, timeCol: col.Name, text: a.String()}, nil
	}
	return nil, nil
}

// windowHelper maps TUMBLE_START(…)/HOP_END(…)/SESSION_ROWTIME(…) and a
// window TVF's WINDOW_START/WINDOW_END/WINDOW_TIME to the window bounds.
func windowHelper(x sql.Expr, tvf bool) (sql.Expr, bool) {
	name := ""
	switch x := x.(type) {
	case *sql.Call:
		for _, p := range []string{"TUMBLE_", "HOP_", "SESSION_"} {
			if strings.HasPrefix(x.Name, p) {
				name = strings.TrimPrefix(x.Name, p)
			}
		}
	case *sql.ColumnRef:
		if tvf && strings.HasPrefix(strings.ToUpper(x.Name), "WINDOW_") {
			name = strings.TrimPrefix(strings.ToUpper(x.Name), "WINDOW_")
		}
	}
	pos := x.ExprPos()
	switch name {
	case "START":
		return &sql.ColumnRef{Pos: pos, Name: window.WindowStartColumn}, true
	case "END":
		return &sql.ColumnRef{Pos: pos, Name: window.WindowEndColumn}, true
	case "ROWTIME", "TIME":
		return &sql.Binary{Pos: pos, Op: "-", L: &sql.ColumnRef{Pos: pos, Name: window.WindowEndColumn},
			R: &sql.Literal{Pos: pos, Kind: sql.LitInterval, Interval: sql.Interval{Millis: 1}}}, true
	}
	return nil, false
}

func isWindowColumn(g sql.Expr) bool {
	c, ok := g.(*sql.ColumnRef)
	if !ok {
		return false
	}
	n := strings.ToUpper(c.Name)
	return n == "WINDOW_START" || n == "WINDOW_END" || n == "WINDOW_TIME"
}

func isRowtime(e sql.Expr) bool {
	c, ok := e.(*sql.ColumnRef)
	return ok && c.Name == exec.RowtimeColumn
}

func unitDuration(unit string) (time.Duration, bool) {
	switch unit {
	case "SECOND":
		return time.Second, true
	case "MINUTE":
		return time.Minute, true
	case "HOUR":
		return time.Hour, true
	case "DAY":
		return 24 * time.Hour, true
	}
	return 0, false
}

// intervalArg reads a day-time interval literal.
func (q *queryPlanner) intervalArg(e sql.Expr) (time.Duration, error) {
	l, ok := e.(*sql.Literal)
	if !ok || l.Kind != sql.LitInterval || l.Interval.Months != 0 || l.Interval.Millis <= 0 {
		return 0, q.errorf(e.ExprPos(), "want a positive day-time interval such as INTERVAL '10' SECOND")
	}
	return time.Duration(l.Interval.Millis) * time.Millisecond, nil
}

// aggSpec binds one aggregate call.
func (q *queryPlanner) aggSpec(c *sql.Call, sc *scope) (exec.AggSpec, error) {
	fn := c.Name
	if a, ok := aggAliases[fn]; ok {
		fn = a
	}
	spec := exec.AggSpec{Func: fn, Distinct: c.Distinct}
	if c.Filter != nil {
		if !filterAggs[fn] {
			return spec, q.errorf(c.FilterPos, "FILTER (WHERE …) is not supported on %s", c.Name)
		}
		f, err := q.b.expr(c.Filter, sc)
		if err != nil {
			return spec, err
		}
		if id := f.DataType().ID(); id != arrow.BOOL && id != arrow.NULL {
			return spec, q.errorf(c.Filter.ExprPos(), "FILTER (WHERE …) needs a BOOLEAN condition, not %s", SQLTypeOf(f.DataType()))
		}
	}
	switch {
	case c.Star:
		if fn != exec.AggCount {
			return spec, q.errorf(c.Pos, "%s(*) is not an aggregate; only COUNT(*)", c.Name)
		}
		if c.Filter != nil {
			// COUNT(*) FILTER (WHERE f) counts the rows of CASE WHEN f THEN 1 END.
			arg, err := q.b.expr(filtered(c, &sql.Literal{Pos: c.Pos, Kind: sql.LitInt, Text: "1"}), sc)
			if err != nil {
				return spec, err
			}
			spec.Arg = arg
		}
	case len(c.Args) == 1:
		x := c.Args[0]
		if c.Filter != nil {
			x = filtered(c, x)
		}
		arg, err := q.b.expr(x, sc)
		if err != nil {
			return spec, err
		}
		spec.Arg = arg
	default:
		return spec, q.errorf(c.Pos, "%s takes one argument", c.Name)
	}
	if _, err := spec.ResultType(); err != nil {
		return spec, q.errorf(c.Pos, "%s", strings.TrimPrefix(err.Error(), "exec: "))
	}
	return spec, nil
}

// filterAggs are the aggregates that ignore NULL arguments, for which
// AGG(x) FILTER (WHERE f) is exactly AGG(CASE WHEN f THEN x END).
var filterAggs = map[string]bool{
	exec.AggCount: true, exec.AggSum: true, exec.AggAvg: true, exec.AggMin: true, exec.AggMax: true,
	exec.AggStddevPop: true, exec.AggStddevSamp: true, exec.AggVarPop: true, exec.AggVarSamp: true,
}

// filtered is CASE WHEN c.Filter THEN x END: NULL, which the aggregate
// skips, for the rows whose condition is FALSE or NULL.
func filtered(c *sql.Call, x sql.Expr) sql.Expr {
	return &sql.Case{Pos: c.FilterPos, Whens: []sql.When{{Cond: c.Filter, Result: x}}}
}

func (q *queryPlanner) aggText(a *Aggregate, win *timeKey) string {
	parts := []string{"bounded"}
	if win != nil {
		parts = []string{win.text + " on " + a.TimeColumn}
	}
	for _, k := range a.Keys {
		parts = append(parts, "key "+k.String())
	}
	for _, s := range a.Aggs {
		if s.Name == exec.RowtimeColumn {
			continue
		}
		arg := "*"
		if s.Arg != nil {
			arg = s.Arg.String()
		}
		d := ""
		if s.Distinct {
			d = "DISTINCT "
		}
		parts = append(parts, fmt.Sprintf("%s(%s%s)", s.Func, d, arg))
	}
	if a.Emit.Every > 0 {
		parts = append(parts, "emit every "+a.Emit.Every.String())
	}
	return strings.Join(parts, ", ")
}

// windowedAggregate starts the Aggregate of a windowed GROUP BY: its time
// column, watermark, late-row policy and emit policy.
func (q *queryPlanner) windowedAggregate(s *sql.Select, in Node, win *timeKey) (*Aggregate, error) {
	sc := in.Scope()
	timeIdx, err := sc.resolve("", win.timeCol)
	if err != nil {
		return nil, q.errorf(s.Pos, "window time column: %v", err)
	}
	if sc.fields[timeIdx].Type.ID() != exec.TimestampType.ID() {
		return nil, q.errorf(s.Pos, "window time column %s is %s, not TIMESTAMP", quoteIdent(win.timeCol), SQLTypeOf(sc.fields[timeIdx].Type))
	}
	agg := &Aggregate{Input: in, Assigner: win.assigner, TimeColumn: sc.fields[timeIdx].Name}
	et, err := q.s.inputEventTime(in)
	if err != nil {
		return nil, q.errorf(s.Pos, "%v", err)
	}
	agg.Lateness, agg.Late = et.Lateness, et.Late
	if s.Emit != nil && s.Emit.Every.Millis > 0 {
		agg.Emit = window.EmitPolicy{Every: time.Duration(s.Emit.Every.Millis) * time.Millisecond}
	}
	return agg, nil
}
