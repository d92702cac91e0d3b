package planner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// This file holds KDA's query forms over streams that need event time:
// SELECT STREAM DISTINCT and ORDER BY on a monotonic time prefix, and
// LIMIT for bounded queries.

// Distinct is streaming SELECT DISTINCT over a projection: the first row
// of each value of Keys within its Bucket of ROWTIME.
type Distinct struct {
	Input  Node
	Keys   []int
	Bucket window.Bucket
	Text   string
}

// StreamSort is ORDER BY on a stream: rows gathered per Bucket of ROWTIME
// (the leading, monotonic key), each bucket sorted by Keys when it closes.
type StreamSort struct {
	Input  Node
	Bucket window.Bucket
	Keys   []exec.SortKey
	Text   string
}

// Limit passes the first N rows of a bounded query.
type Limit struct {
	Input Node
	N     int64
}

// Scope returns the input's columns.
func (n *Distinct) Scope() *scope { return n.Input.Scope() }

// Inputs returns the input.
func (n *Distinct) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *Distinct) Describe() string { return "Distinct " + n.Text }

// Scope returns the input's columns.
func (n *StreamSort) Scope() *scope { return n.Input.Scope() }

// Inputs returns the input.
func (n *StreamSort) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *StreamSort) Describe() string { return "StreamSort " + n.Text }

// Scope returns the input's columns.
func (n *Limit) Scope() *scope { return n.Input.Scope() }

// Inputs returns the input.
func (n *Limit) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *Limit) Describe() string { return "Limit " + strconv.FormatInt(n.N, 10) }

// withFormInput is withInputs for the nodes of this file.
func withFormInput(n Node, fn func(Node) Node) Node {
	switch n := n.(type) {
	case *Distinct:
		if in := fn(n.Input); in != n.Input {
			c := *n
			c.Input = in
			return &c
		}
	case *StreamSort:
		if in := fn(n.Input); in != n.Input {
			c := *n
			c.Input = in
			return &c
		}
	case *Limit:
		if in := fn(n.Input); in != n.Input {
			return &Limit{Input: in, N: n.N}
		}
	}
	return n
}

// monotonic recognizes a non-constant monotonic expression of ROWTIME:
// ROWTIME itself, FLOOR/CEIL(ROWTIME TO unit) and STEP(ROWTIME BY
// interval), any of them qualified. It returns the bucket function and a
// text for EXPLAIN; ok is false for other expressions.
func (q *queryPlanner) monotonic(e sql.Expr) (b window.Bucket, text string, ok bool, err error) {
	if isRowtime(e) {
		return func(t int64) int64 { return t }, "ROWTIME", true, nil
	}
	c, isCall := e.(*sql.Call)
	if !isCall || len(c.Args) == 0 || !isRowtime(c.Args[0]) || c.Over != nil {
		return nil, "", false, nil
	}
	var size time.Duration
	switch c.Name {
	case "STEP":
		if len(c.Args) != 2 {
			return nil, "", false, nil
		}
		if size, err = q.intervalArg(c.Args[1]); err != nil {
			return nil, "", false, err
		}
	case "FLOOR", "CEIL", "CEILING":
		d, known := unitDuration(c.Unit)
		if len(c.Args) != 1 || !known {
			return nil, "", false, nil
		}
		size = d
	default:
		return nil, "", false, nil
	}
	n := size.Milliseconds()
	floor := func(t int64) int64 {
		r := t % n
		if r < 0 {
			r += n
		}
		return t - r
	}
	if c.Name == "STEP" || c.Name == "FLOOR" {
		return floor, fmt.Sprintf("%s(ROWTIME, %s)", c.Name, size), true, nil
	}
	return func(t int64) int64 {
		if f := floor(t); f != t {
			return f + n
		}
		return t
	}, fmt.Sprintf("CEIL(ROWTIME, %s)", size), true, nil
}

// distinct plans SELECT [STREAM] DISTINCT without grouping: the select
// list, then the Distinct operator on its visible columns but ROWTIME.
func (q *queryPlanner) distinct(s *sql.Select, in Node) (Node, error) {
	if hasOver(s.Items) {
		return nil, q.errorf(s.Pos, "SELECT DISTINCT cannot be combined with OVER windows; deduplicate in a subquery or another pump")
	}
	var bucket window.Bucket
	var text string
	for _, it := range s.Items {
		if it.Star || strings.EqualFold(itemName(it, 0), exec.RowtimeColumn) {
			if !it.Star && !isRowtime(it.Expr) {
				return nil, q.errorf(it.Pos, "SELECT STREAM DISTINCT keeps the input's ROWTIME; select a time column under another name")
			}
			continue
		}
		b, t, ok, err := q.monotonic(it.Expr)
		if err != nil {
			return nil, err
		}
		if ok && bucket == nil {
			bucket, text = b, t
		}
	}
	if bucket == nil {
		if !q.s.cfg.Bounded {
			return nil, q.errorf(s.Pos, "SELECT STREAM DISTINCT needs a monotonic expression of ROWTIME among its columns, such as FLOOR(ROWTIME TO MINUTE) or STEP(ROWTIME BY INTERVAL '1' MINUTE), so that each time bucket can be closed (ROWTIME itself is ignored for duplicates)")
		}
		bucket, text = func(int64) int64 { return 0 }, "bounded" // one bucket, closed at the end
	}
	n, err := q.project(s.Items, in)
	if err != nil {
		return nil, err
	}
	sc := n.Scope()
	var keys []int
	var names []string
	for i, f := range sc.fields {
		if !f.Hidden && f.Name != exec.RowtimeColumn {
			keys = append(keys, i)
			names = append(names, quoteIdent(f.Name))
		}
	}
	return &Distinct{Input: n, Keys: keys, Bucket: bucket, Text: "on " + strings.Join(names, ", ") + " per " + text}, nil
}

// orderBy plans ORDER BY. A leading monotonic expression of ROWTIME makes
// it a StreamSort (on streams and reports alike); otherwise only a bounded
// query (a report) may sort, by columns of the select list.
func (q *queryPlanner) orderBy(n Node, order []sql.OrderItem) (Node, error) {
	if len(order) == 0 {
		return n, nil
	}
	bucket, text, ok, err := q.monotonic(order[0].Expr)
	if err != nil {
		return nil, err
	}
	if !ok {
		if !q.s.cfg.Bounded {
			return nil, q.errorf(order[0].Expr.ExprPos(), "ORDER BY on a stream must start with a monotonic expression of ROWTIME, such as ROWTIME, FLOOR(ROWTIME TO MINUTE) or STEP(ROWTIME BY INTERVAL '10' SECOND): rows are sorted within each time bucket")
		}
		return q.sortAll(n, order)
	}
	if order[0].Desc {
		return nil, q.errorf(order[0].Expr.ExprPos(), "the leading ORDER BY key of a stream must ascend, as time does")
	}
	keys, texts, extra, err := q.sortKeys(n, order[1:])
	if err != nil {
		return nil, err
	}
	texts = append([]string{text}, texts...)
	in, out := withSortColumns(n, extra)
	return out(&StreamSort{Input: in, Bucket: bucket, Keys: keys, Text: strings.Join(texts, ", ")}), nil
}

// sortAll sorts a bounded query's whole result.
func (q *queryPlanner) sortAll(n Node, order []sql.OrderItem) (Node, error) {
	keys, texts, extra, err := q.sortKeys(n, order)
	if err != nil {
		return nil, err
	}
	in, out := withSortColumns(n, extra)
	return out(&Sort{Input: in, Keys: keys, Text: strings.Join(texts, ", ")}), nil
}

// sortKeys resolves ORDER BY keys to columns of n: a column of the select
// list by name or position, ROWTIME, or else an expression over n's
// columns, computed into column len(n's columns)+i for extra[i].
func (q *queryPlanner) sortKeys(n Node, order []sql.OrderItem) ([]exec.SortKey, []string, []exec.Expr, error) {
	sc := n.Scope()
	var visible []int
	for i, f := range sc.fields {
		if !f.Hidden {
			visible = append(visible, i)
		}
	}
	var keys []exec.SortKey
	var texts []string
	var extra []exec.Expr
	for _, o := range order {
		col := -1
		text := ""
		switch e := o.Expr.(type) {
		case *sql.ColumnRef:
			for _, i := range visible {
				if sc.fields[i].Name == e.Name && e.Qualifier == "" {
					col = i
				}
			}
			if col < 0 && e.Name == exec.RowtimeColumn && e.Qualifier == "" {
				col = sc.rowtime()
			}
		case *sql.Literal:
			if k, err := strconv.Atoi(e.Text); err == nil && e.Kind == sql.LitInt {
				if k < 1 || k > len(visible) {
					return nil, nil, nil, q.errorf(e.Pos, "ORDER BY %d: the select list has %d columns", k, len(visible))
				}
				col = visible[k-1]
			}
		}
		if col >= 0 {
			text = quoteIdent(sc.fields[col].Name)
		} else {
			x, err := q.b.expr(o.Expr, sc)
			if err != nil {
				return nil, nil, nil, err
			}
			col = len(sc.fields) + len(extra)
			extra = append(extra, x)
			text = sql.FormatExpr(o.Expr)
		}
		keys = append(keys, exec.SortKey{Column: col, Desc: o.Desc})
		if o.Desc {
			text += " DESC"
		}
		texts = append(texts, text)
	}
	return keys, texts, extra, nil
}

// withSortColumns returns the input of a sort over n that computes the
// extra key columns, and a function wrapping the sort so that its output
// has n's columns again (both identities when extra is empty).
func withSortColumns(n Node, extra []exec.Expr) (Node, func(Node) Node) {
	if len(extra) == 0 {
		return n, func(s Node) Node { return s }
	}
	sc := n.Scope()
	var exprs []exec.Expr
	var texts []string
	wide := &scope{fields: append([]field(nil), sc.fields...)}
	for i, f := range sc.fields {
		exprs = append(exprs, exec.Column(i, f.Name, f.Type))
		texts = append(texts, quoteIdent(f.Name))
	}
	for i, x := range extra {
		name := fmt.Sprintf("$s%d", i)
		exprs = append(exprs, x)
		texts = append(texts, x.String())
		wide.fields = append(wide.fields, field{Name: name, Type: x.DataType(), Hidden: true})
	}
	in := &Project{Input: n, Exprs: exprs, Texts: texts, sc: wide}
	return in, func(s Node) Node {
		back := &scope{fields: append([]field(nil), sc.fields...)}
		return &Project{Input: s, Exprs: exprs[:len(sc.fields)], Texts: texts[:len(sc.fields)], sc: back}
	}
}

// limit plans LIMIT, which only a bounded query (a report) can have.
func (q *queryPlanner) limit(n Node, l *sql.Limit) (Node, error) {
	if l == nil {
		return n, nil
	}
	if !q.s.cfg.Bounded {
		return nil, q.errorf(l.Pos, "LIMIT on a stream would stop it; only reports over retained history take LIMIT")
	}
	return &Limit{Input: n, N: l.N}, nil
}

// lowerDistinct builds the Distinct operator.
func (b *jobBuilder) lowerDistinct(n *Distinct, env exec.Env) (exec.Operator, error) {
	in, err := b.lower(n.Input, env)
	if err != nil {
		return nil, err
	}
	et, err := b.s.inputEventTime(n.Input)
	if err != nil {
		in.Close()
		return nil, err
	}
	op, err := window.NewDistinct(in, window.DistinctConfig{
		Keys: n.Keys, Bucket: n.Bucket, Lateness: et.Lateness, Late: et.Late,
		Errors: env.Errors, Pump: env.Pump, Alloc: env.Alloc, Clock: env.Clock,
	})
	if err != nil {
		in.Close()
		return nil, err
	}
	b.countLate(env.Pump, et.Late, op)
	return b.stateful(env.Pump, op, nil)
}

// lowerStreamSort builds the streaming ORDER BY operator.
func (b *jobBuilder) lowerStreamSort(n *StreamSort, env exec.Env) (exec.Operator, error) {
	in, err := b.lower(n.Input, env)
	if err != nil {
		return nil, err
	}
	et, err := b.s.inputEventTime(n.Input)
	if err != nil {
		in.Close()
		return nil, err
	}
	op, err := window.NewOrder(in, window.OrderConfig{
		Bucket: n.Bucket, Keys: n.Keys, Lateness: et.Lateness, Late: et.Late, Drain: b.s.cfg.Drain,
		Errors: env.Errors, Pump: env.Pump, Alloc: env.Alloc, Clock: env.Clock,
	})
	if err != nil {
		in.Close()
		return nil, err
	}
	b.countLate(env.Pump, et.Late, op)
	return b.stateful(env.Pump, op, nil)
}

// lowerLimit builds the LIMIT operator.
func (b *jobBuilder) lowerLimit(n *Limit, env exec.Env) (exec.Operator, error) {
	in, err := b.lower(n.Input, env)
	if err != nil {
		return nil, err
	}
	return exec.NewLimit(in, n.N), nil
}

// pumpControl runs START PUMP and STOP PUMP: the pump stays in the catalog
// and runs, or not, in the jobs built from then on (a live session starts
// or stops it at once).
func (s *Session) pumpControl(st *sql.PumpControl) (*Result, error) {
	p, ok := s.cat.pumps[st.Name]
	if !ok {
		return nil, st.Src.Errorf(st.NamePos, "unknown pump %s", quoteIdent(st.Name))
	}
	c := *p // plans and definitions are shared with clones: replace, never change
	c.Stopped = !st.Start
	s.cat.pumps[st.Name] = &c
	if st.Start {
		return &Result{Text: "START PUMP " + quoteIdent(c.Name)}, nil
	}
	return &Result{Text: "STOP PUMP " + quoteIdent(c.Name)}, nil
}
