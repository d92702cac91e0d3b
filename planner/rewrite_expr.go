package planner

import (
	"fmt"

	"github.com/eddy-sql/eddy/sql"
)

// replaceExpr rebuilds e, asking fn at each node (outermost first) for a
// replacement; a replaced node is not descended into. e is not modified.
func replaceExpr(e sql.Expr, fn func(sql.Expr) (sql.Expr, bool)) sql.Expr {
	if e == nil {
		return nil
	}
	if r, ok := fn(e); ok {
		return r
	}
	rec := func(x sql.Expr) sql.Expr { return replaceExpr(x, fn) }
	switch e := e.(type) {
	case *sql.FieldRef:
		c := *e
		c.X = rec(e.X)
		return &c
	case *sql.Unary:
		c := *e
		c.X = rec(e.X)
		return &c
	case *sql.Binary:
		c := *e
		c.L, c.R = rec(e.L), rec(e.R)
		return &c
	case *sql.IsNull:
		c := *e
		c.X = rec(e.X)
		return &c
	case *sql.Between:
		c := *e
		c.X, c.Lo, c.Hi = rec(e.X), rec(e.Lo), rec(e.Hi)
		return &c
	case *sql.InList:
		c := *e
		c.X = rec(e.X)
		c.List = make([]sql.Expr, len(e.List))
		for i, x := range e.List {
			c.List[i] = rec(x)
		}
		return &c
	case *sql.Like:
		c := *e
		c.X, c.Pattern, c.Escape = rec(e.X), rec(e.Pattern), rec(e.Escape)
		return &c
	case *sql.Case:
		c := *e
		c.Operand, c.Else = rec(e.Operand), rec(e.Else)
		c.Whens = make([]sql.When, len(e.Whens))
		for i, w := range e.Whens {
			c.Whens[i] = sql.When{Cond: rec(w.Cond), Result: rec(w.Result)}
		}
		return &c
	case *sql.Cast:
		c := *e
		c.X = rec(e.X)
		return &c
	case *sql.Call:
		c := *e
		c.Args = make([]sql.Expr, len(e.Args))
		for i, x := range e.Args {
			c.Args[i] = rec(x)
		}
		c.Filter = rec(e.Filter)
		return &c
	}
	return e
}

// canonical renders e with every column reference resolved to its input
// column, so that s.price, "S".PRICE and price compare equal.
func canonical(e sql.Expr, sc *scope) string {
	return sql.FormatExpr(replaceExpr(e, func(x sql.Expr) (sql.Expr, bool) {
		c, ok := x.(*sql.ColumnRef)
		if !ok {
			return nil, false
		}
		if idx, err := sc.resolve(c.Qualifier, c.Name); err == nil {
			return &sql.ColumnRef{Pos: c.Pos, Name: fmt.Sprintf("$c%d", idx)}, true
		}
		return nil, false
	}))
}
