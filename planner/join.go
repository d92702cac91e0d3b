package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// LookupJoin joins each row of a stream with the rows of a reference table
// whose key columns equal its keys (stream-to-table join). Its columns are
// the input's then the table's; ROWTIME is the stream row's.
type LookupJoin struct {
	Input Node
	Table *TableDef
	// Alias qualifies the table's columns.
	Alias string
	Left  bool
	// Keys are the probe expressions over the input, TableKeys the table
	// columns they equal (same types).
	Keys      []exec.Expr
	TableKeys []int
	// Residual is the rest of the ON condition, over the joined columns;
	// nil when none.
	Residual exec.Expr
	// KeyText and ResidualText are the conditions as the user wrote them.
	KeyText, ResidualText string
	// Refresh is the table's refresh period (0: loaded once).
	Refresh time.Duration
	sc      *scope
}

// Scope returns the input's columns then the table's.
func (n *LookupJoin) Scope() *scope { return n.sc }

// Inputs returns the stream input.
func (n *LookupJoin) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line: kind, table, keys, residual and the
// refresh policy.
func (n *LookupJoin) Describe() string {
	kind := "INNER"
	if n.Left {
		kind = "LEFT"
	}
	s := fmt.Sprintf("LookupJoin %s table %s", kind, quoteIdent(n.Table.Name))
	if n.Alias != n.Table.Name {
		s += " AS " + quoteIdent(n.Alias)
	}
	s += " keys: " + n.KeyText
	if n.Residual != nil {
		s += " residual: " + n.ResidualText
	}
	if n.Refresh > 0 {
		s += " refresh: every " + n.Refresh.String()
	} else {
		s += " refresh: at start"
	}
	return s
}

// join plans a FROM item that is a join. Only stream-to-table joins exist:
// the left side is a stream (or a join yielding one), the right a
// reference table.
func (q *queryPlanner) join(t *sql.Join) (Node, error) {
	ref, _ := t.Right.(*sql.TableRef)
	var def *TableDef
	if ref != nil {
		d, ok, err := q.s.resolveTable(ref.Name)
		if err != nil {
			return nil, q.errorf(ref.Pos, "%v", err)
		}
		if ok {
			def = d
		}
	}
	if def == nil {
		if l, ok := t.Left.(*sql.TableRef); ok {
			if _, isTable, _ := q.s.resolveTable(l.Name); isTable {
				return nil, q.errorf(l.Pos, "reference table %s must be on the right of a join with a stream", quoteIdent(l.Name))
			}
		}
		if ref != nil && ref.AsOf != nil {
			return q.temporalJoin(t, ref)
		}
		return q.streamJoin(t)
	}
	switch t.Kind {
	case sql.JoinRight, sql.JoinFull:
		word := map[sql.JoinKind]string{sql.JoinRight: "RIGHT", sql.JoinFull: "FULL"}[t.Kind]
		return nil, q.errorf(ref.Pos, "%s JOIN with reference table %s is not supported: every output row comes from a stream row (use LEFT JOIN)", word, quoteIdent(def.Name))
	case sql.JoinCross:
		return nil, q.errorf(ref.Pos, "a join with reference table %s needs ON with an equality of a stream expression and a table column", quoteIdent(def.Name))
	}
	in, err := q.from(t.Left)
	if err != nil {
		return nil, err
	}
	alias := def.Name
	if ref.Alias != "" {
		alias = ref.Alias
	}
	left := in.Scope()
	if ref.AsOf != nil {
		e, err := q.b.expr(ref.AsOf, left)
		if err != nil {
			return nil, err
		}
		if e.DataType().ID() != exec.TimestampType.ID() {
			return nil, q.errorf(ref.AsOf.ExprPos(), "FOR SYSTEM_TIME AS OF takes a TIMESTAMP column of the stream, not %s", SQLTypeOf(e.DataType()))
		}
	}
	tsc := tableScope(def, alias)
	joined := &scope{fields: append(append([]field(nil), left.fields...), tsc.fields...)}
	n := &LookupJoin{Input: in, Table: def, Alias: alias, Left: t.Kind == sql.JoinLeft, sc: joined}
	n.Refresh, err = refreshPeriod(q.s.tableOptions(def))
	if err != nil {
		return nil, q.errorf(ref.Pos, "table %s: %v", quoteIdent(def.Name), err)
	}
	var keyTexts, restTexts []string
	var rest []exec.Expr
	for _, c := range conjuncts(t.On) {
		probe, col, ok, err := q.equiKey(c, left, joined)
		if err != nil {
			return nil, err
		}
		if ok {
			n.Keys = append(n.Keys, probe)
			n.TableKeys = append(n.TableKeys, col)
			keyTexts = append(keyTexts, sql.FormatExpr(c))
			continue
		}
		e, err := q.b.expr(c, joined)
		if err != nil {
			return nil, err
		}
		if e.DataType().ID() != arrow.BOOL {
			return nil, q.errorf(c.ExprPos(), "join condition must be BOOLEAN, not %s", SQLTypeOf(e.DataType()))
		}
		rest = append(rest, e)
		restTexts = append(restTexts, sql.FormatExpr(c))
	}
	if len(n.Keys) == 0 {
		return nil, q.errorf(t.On.ExprPos(), "a join with reference table %s needs an equality of a stream expression and a table column in ON", quoteIdent(def.Name))
	}
	for _, r := range rest {
		if n.Residual == nil {
			n.Residual = r
			continue
		}
		if n.Residual, err = q.b.call(t.On.ExprPos(), "and", n.Residual, r); err != nil {
			return nil, err
		}
	}
	n.KeyText = strings.Join(keyTexts, " AND ")
	n.ResidualText = strings.Join(restTexts, " AND ")
	return n, nil
}

// conjuncts splits e on AND.
func conjuncts(e sql.Expr) []sql.Expr {
	if b, ok := e.(*sql.Binary); ok && b.Op == "AND" {
		return append(conjuncts(b.L), conjuncts(b.R)...)
	}
	return []sql.Expr{e}
}

// equiKey recognizes stream-expression = table-column (either way round)
// and returns the probe expression, cast to the column's type when the
// types differ but compare alike, and the column's index in the table.
func (q *queryPlanner) equiKey(c sql.Expr, left, joined *scope) (exec.Expr, int, bool, error) {
	b, ok := c.(*sql.Binary)
	if !ok || b.Op != "=" {
		return nil, 0, false, nil
	}
	nl := len(left.fields)
	for _, side := range [][2]sql.Expr{{b.L, b.R}, {b.R, b.L}} {
		ref, ok := side[1].(*sql.ColumnRef)
		if !ok {
			continue
		}
		idx, err := joined.resolve(ref.Qualifier, ref.Name)
		if err != nil || idx < nl {
			continue
		}
		if !onlyStream(side[0], joined, nl) {
			continue
		}
		probe, err := q.b.expr(side[0], left)
		if err != nil {
			return nil, 0, false, err
		}
		col := joined.fields[idx]
		if !typesEqual(probe.DataType(), col.Type) {
			if !keyCastable(probe, col) {
				return nil, 0, false, q.errorf(b.Pos, "join key types differ: %s is %s, %s is %s", sql.FormatExpr(side[0]), SQLTypeOf(probe.DataType()), sql.FormatExpr(ref), SQLTypeOf(col.Type))
			}
			if probe, err = exec.Cast(probe, col.Type); err != nil {
				return nil, 0, false, q.errorf(b.Pos, "%v", err)
			}
		}
		return probe, idx - nl, true, nil
	}
	return nil, 0, false, nil
}

// onlyStream tells whether every column e names resolves among the first
// nl fields of sc (the stream's).
func onlyStream(e sql.Expr, sc *scope, nl int) bool {
	ok := true
	walkExpr(e, func(x sql.Expr) {
		if r, isRef := x.(*sql.ColumnRef); isRef {
			if i, err := sc.resolve(r.Qualifier, r.Name); err != nil || i >= nl {
				ok = false
			}
		}
	})
	return ok
}

// keyCastable tells whether a probe key may be cast to a table key
// column's type: integers to integers, strings to strings.
func keyCastable(probe exec.Expr, col field) bool {
	kind := func(id arrow.Type) int {
		switch id {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			return 1
		case arrow.STRING, arrow.LARGE_STRING:
			return 2
		}
		return 0
	}
	k := kind(probe.DataType().ID())
	return k != 0 && k == kind(col.Type.ID())
}

// lookupJoin lowers a LookupJoin: the table is loaded (once per job) before
// the pumps start, indexed on this join's key columns.
func (b *jobBuilder) lookupJoin(n *LookupJoin, env exec.Env) (exec.Operator, error) {
	h, err := b.tableHandle(n.Table, n.TableKeys)
	if err != nil {
		return nil, err
	}
	in, err := b.lower(n.Input, env)
	if err != nil {
		return nil, err
	}
	op, err := exec.NewLookupJoin(env, in, exec.LookupJoinConfig{
		Table: h, Left: n.Left, Keys: n.Keys, TableKeys: n.TableKeys, Residual: n.Residual,
	})
	if err != nil {
		in.Close()
		return nil, err
	}
	return op, nil
}

// lookupJoinPhysical is EXPLAIN's physical line of a lookup join.
func (s *Session) lookupJoinPhysical(n *LookupJoin) string {
	kind := "INNER"
	if n.Left {
		kind = "LEFT"
	}
	keys := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = k.String() + " = " + quoteIdent(n.Table.Columns[n.TableKeys[i]].Name)
	}
	line := fmt.Sprintf("LookupJoin %s hash index on %s of table %s [%s]", kind, strings.Join(keys, ", "), quoteIdent(n.Table.Name), s.tableOptions(n.Table)["connector"])
	if n.Residual != nil {
		line += " residual: " + n.Residual.String()
	}
	rows := "rows: loaded when the job starts"
	if h, ok := s.handles[n.Table.Name]; ok {
		if cur := h.Acquire(); cur != nil {
			rows = fmt.Sprintf("rows: %d (%d bytes)", cur.Rows(), cur.Bytes())
			cur.Release()
		}
	}
	return line + " " + rows
}
