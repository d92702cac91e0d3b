package sql

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// conv turns one TiDB tree (with the side tables of its statement) into
// Eddy's AST.
type conv struct {
	st   *stmtState
	ins  insMap
	tcur int // offset from which table names are searched
}

// pos maps a TiDB offset to an offset in the Source.
func (c *conv) pos(off int) Pos { return Pos(c.st.base + c.ins.toOrig(off)) }

// tok returns the user's token at absolute offset p (or an EOF token).
func (c *conv) tok(p Pos) token {
	k := c.st.tokenAt(int(p))
	if k < len(c.st.toks) && c.st.toks[k].pos == int(p) {
		return c.st.toks[k]
	}
	return token{kind: tkEOF, pos: int(p), end: int(p)}
}

// unsupported is the error for constructs TiDB reads but Eddy cannot run.
func (c *conv) unsupported(p Pos, what string) error {
	return c.st.src.Errorf(p, "unsupported %s", what)
}

// exprs converts a list of expressions.
func (c *conv) exprs(list []ast.ExprNode) ([]Expr, error) {
	out := make([]Expr, 0, len(list))
	for _, e := range list {
		x, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// binaryOps maps TiDB operators to Eddy's.
var binaryOps = map[opcode.Op]string{
	opcode.LogicAnd: "AND", opcode.LogicOr: "OR", opcode.GE: ">=", opcode.LE: "<=",
	opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.GT: ">", opcode.Plus: "+",
	opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.Mod: "%",
}

// expr converts one expression, adding the fields the rewrite pass lifted
// off a parenthesis or a call: (x).FIELD, f(x).FIELD.
func (c *conv) expr(e ast.ExprNode) (Expr, error) {
	x, err := c.expr1(e)
	if err != nil || len(c.st.fieldsAt) == 0 {
		return x, err
	}
	if f, ok := e.(*ast.FuncCallExpr); ok && f.FnName.O == "concat" {
		return x, nil // a || b, which starts where a does
	}
	switch e.(type) {
	case *ast.ParenthesesExpr, *ast.FuncCallExpr, *ast.AggregateFuncExpr, *ast.WindowFuncExpr:
		p := c.pos(e.OriginTextPosition())
		for _, f := range c.st.fieldsAt[int(p)] {
			x = &FieldRef{Pos: p, X: x, Field: f}
		}
	}
	return x, nil
}

// expr1 converts one expression.
func (c *conv) expr1(e ast.ExprNode) (Expr, error) {
	p := c.pos(e.OriginTextPosition())
	switch n := e.(type) {
	case *driver.ValueExpr:
		return c.value(n, p)
	case *ast.ParenthesesExpr:
		return c.expr(n.Expr)
	case *ast.ColumnNameExpr:
		return c.column(n.Name, p)
	case *ast.BinaryOperationExpr:
		if x, ok, err := c.special(n, p); ok || err != nil {
			return x, err
		}
		op, ok := binaryOps[n.Op]
		if !ok {
			return nil, c.unsupported(p, "operator "+n.Op.String())
		}
		l, err := c.expr(n.L)
		if err != nil {
			return nil, err
		}
		r, err := c.expr(n.R)
		if err != nil {
			return nil, err
		}
		return &Binary{Pos: p, Op: op, L: l, R: r}, nil
	case *ast.UnaryOperationExpr:
		var op string
		switch n.Op {
		case opcode.Minus:
			op = "-"
		case opcode.Plus:
			op = "+"
		case opcode.Not, opcode.Not2:
			op = "NOT"
		default:
			return nil, c.unsupported(p, "operator "+n.Op.String())
		}
		x, err := c.expr(n.V)
		if err != nil {
			return nil, err
		}
		return &Unary{Pos: p, Op: op, X: x}, nil
	case *ast.IsNullExpr:
		x, err := c.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		return &IsNull{Pos: p, X: x, Not: n.Not}, nil
	case *ast.BetweenExpr:
		l, err := c.exprs([]ast.ExprNode{n.Expr, n.Left, n.Right})
		if err != nil {
			return nil, err
		}
		return &Between{Pos: p, X: l[0], Lo: l[1], Hi: l[2], Not: n.Not}, nil
	case *ast.PatternInExpr:
		if n.Sel != nil {
			return nil, c.unsupported(p, "IN (subquery)")
		}
		x, err := c.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		list, err := c.exprs(n.List)
		if err != nil {
			return nil, err
		}
		return &InList{Pos: p, X: x, List: list, Not: n.Not}, nil
	case *ast.PatternLikeOrIlikeExpr:
		if !n.IsLike {
			return nil, c.unsupported(p, "ILIKE")
		}
		l, err := c.exprs([]ast.ExprNode{n.Expr, n.Pattern})
		if err != nil {
			return nil, err
		}
		lk := &Like{Pos: p, X: l[0], Pattern: l[1], Not: n.Not, Similar: c.st.similar[int(l[1].ExprPos())]}
		if n.EscapeExplicit {
			lk.Escape = &Literal{Pos: l[1].ExprPos(), Kind: LitString, Text: string([]byte{n.Escape})}
		}
		return lk, nil
	case *ast.CaseExpr:
		return c.caseExpr(n, p)
	case *ast.FuncCallExpr:
		return c.call(n, p)
	case *ast.AggregateFuncExpr:
		if n.Order != nil {
			return nil, c.unsupported(p, "ORDER BY inside an aggregate")
		}
		x, err := c.callArgs(strings.ToUpper(n.F), n.Args, n.Distinct, p)
		if err != nil {
			return nil, err
		}
		return x, c.filter(x.(*Call))
	case *ast.WindowFuncExpr:
		if n.FromLast {
			return nil, c.unsupported(p, "FROM LAST")
		}
		args := n.Args
		half, expAvg := c.st.expAvg[int(p)]
		if expAvg && len(args) > 1 {
			args = args[:1] // the second is the interval's mark
		}
		x, err := c.callArgs(strings.ToUpper(n.Name), args, n.Distinct, p)
		if err != nil {
			return nil, err
		}
		call := x.(*Call)
		call.IgnoreNulls = n.IgnoreNull
		if expAvg {
			call.Name = "EXP_AVG"
			call.Args = append(call.Args, half)
		}
		if f, ok := c.st.filters[int(p)]; ok {
			f.used = true
			return nil, c.st.src.Errorf(Pos(f.pos), "FILTER (WHERE …) is not supported on a window function (OVER)")
		}
		if call.Over, err = c.windowSpec(&n.Spec, p); err != nil {
			return nil, err
		}
		return call, nil
	case *ast.SubqueryExpr:
		q, err := c.query(n.Query)
		if err != nil {
			return nil, err
		}
		return &SubqueryExpr{Pos: p, Query: q, Exists: n.Exists}, nil
	case *ast.ExistsSubqueryExpr:
		sub, ok := n.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, c.unsupported(p, "EXISTS operand")
		}
		q, err := c.query(sub.Query)
		if err != nil {
			return nil, err
		}
		var x Expr = &SubqueryExpr{Pos: p, Query: q, Exists: true}
		if n.Not {
			x = &Unary{Pos: p, Op: "NOT", X: x}
		}
		return x, nil
	case *ast.PositionExpr:
		return &Literal{Pos: p, Kind: LitInt, Text: strconv.Itoa(n.N)}, nil
	case *ast.RowExpr:
		return nil, c.unsupported(p, "row value")
	case *ast.PatternRegexpExpr:
		return nil, c.unsupported(p, "REGEXP")
	case *ast.IsTruthExpr:
		return nil, c.unsupported(p, "IS TRUE/IS FALSE")
	case *ast.CompareSubqueryExpr:
		return nil, c.unsupported(p, "ANY/ALL subquery comparison")
	}
	return nil, c.unsupported(p, "expression")
}

// special converts the operator the rewrite pass wrote for OVERLAPS; ok
// is false for every other operator.
func (c *conv) special(n *ast.BinaryOperationExpr, p Pos) (Expr, bool, error) {
	switch n.Op {
	case opcode.NullEQ:
		l, lok := n.L.(*ast.RowExpr)
		r, rok := n.R.(*ast.RowExpr)
		if !lok || !c.st.overlaps[int(c.pos(l.OriginTextPosition()))] {
			return nil, false, nil
		}
		if !rok || len(l.Values) != 2 || len(r.Values) != 2 {
			return nil, true, c.st.src.Errorf(p, "OVERLAPS compares two periods: (start, end or interval) OVERLAPS (start, end or interval)")
		}
		args, err := c.exprs(append(append([]ast.ExprNode{}, l.Values...), r.Values...))
		if err != nil {
			return nil, true, err
		}
		return &Call{Pos: p, Name: "OVERLAPS", Args: args}, true, nil
	}
	return nil, false, nil
}

// value converts a literal, taking its exact text from the user's token.
func (c *conv) value(n *driver.ValueExpr, p Pos) (Expr, error) {
	t := c.tok(p)
	switch n.Kind() {
	case driver.KindNull:
		return &Literal{Pos: p, Kind: LitNull}, nil
	case driver.KindInt64, driver.KindUint64:
		if t.is("TRUE") || t.is("FALSE") {
			return &Literal{Pos: p, Kind: LitBool, Bool: t.val == "TRUE"}, nil
		}
		text := t.val
		if t.kind != tkNumber {
			text = strconv.FormatInt(n.GetInt64(), 10)
			if n.Kind() == driver.KindUint64 {
				text = strconv.FormatUint(n.GetUint64(), 10)
			}
		}
		return &Literal{Pos: p, Kind: LitInt, Text: text}, nil
	case driver.KindMysqlDecimal:
		return &Literal{Pos: p, Kind: LitDecimal, Text: t.val}, nil
	case driver.KindFloat64, driver.KindFloat32:
		return &Literal{Pos: p, Kind: LitFloat, Text: t.val}, nil
	case driver.KindString:
		return &Literal{Pos: p, Kind: LitString, Text: n.GetString()}, nil
	}
	return nil, c.unsupported(p, "literal")
}

// column converts a column reference; CURRENT_ROW_TIMESTAMP is a call.
func (c *conv) column(n *ast.ColumnName, p Pos) (Expr, error) {
	if n.Schema.O != "" {
		// T.REC.COLUMN1: a field of row-valued column REC of T
		return &FieldRef{Pos: p, X: &ColumnRef{Pos: p, Qualifier: n.Schema.O, Name: n.Table.O}, Field: n.Name.O}, nil
	}
	if n.Table.O == "" && c.tok(p).is("CURRENT_ROW_TIMESTAMP") {
		return &Call{Pos: p, Name: "CURRENT_ROW_TIMESTAMP"}, nil
	}
	return &ColumnRef{Pos: p, Qualifier: n.Table.O, Name: n.Name.O}, nil
}

// caseExpr converts CASE.
func (c *conv) caseExpr(n *ast.CaseExpr, p Pos) (Expr, error) {
	ce := &Case{Pos: p}
	var err error
	if n.Value != nil {
		if ce.Operand, err = c.expr(n.Value); err != nil {
			return nil, err
		}
	}
	for _, w := range n.WhenClauses {
		l, err := c.exprs([]ast.ExprNode{w.Expr, w.Result})
		if err != nil {
			return nil, err
		}
		ce.Whens = append(ce.Whens, When{Cond: l[0], Result: l[1]})
	}
	if n.ElseClause != nil {
		if ce.Else, err = c.expr(n.ElseClause); err != nil {
			return nil, err
		}
	}
	return ce, nil
}

// call converts a function call, undoing the rewrites' placeholders.
func (c *conv) call(n *ast.FuncCallExpr, p Pos) (Expr, error) {
	name := strings.ToUpper(n.FnName.O)
	if f, ok := c.st.filters[int(p)]; ok {
		f.used = true
		return nil, c.st.src.Errorf(Pos(f.pos), "FILTER (WHERE …) applies only to an aggregate call")
	}
	switch {
	case name == "__E":
		if x, ok := c.st.exprs[int(p)]; ok {
			return x, nil
		}
	case name == "__CT" && len(n.Args) == 1:
		if ty, ok := c.st.casts[int(p)]; ok {
			x, err := c.expr(n.Args[0])
			if err != nil {
				return nil, err
			}
			return &Cast{Pos: p, X: x, Type: ty}, nil
		}
	case n.FnName.O == "concat" && len(n.Args) >= 2:
		// a || b: TiDB spells it concat in lower case (user text is folded)
		args, err := c.exprs(n.Args)
		if err != nil {
			return nil, err
		}
		x := args[0]
		for _, r := range args[1:] {
			x = &Binary{Pos: p, Op: "||", L: x, R: r}
		}
		return x, nil
	case name == "__SESSN":
		name = "SESSION"
	case name == "EXTRACT" && len(n.Args) == 2:
		u, ok := n.Args[0].(*ast.TimeUnitExpr)
		if !ok {
			break
		}
		x, err := c.expr(n.Args[1])
		if err != nil {
			return nil, err
		}
		return &Call{Pos: p, Name: name, Args: []Expr{x}, Unit: u.Unit.String()}, nil
	case name == "TRIM":
		return c.trim(n, p)
	}
	if strings.HasPrefix(name, "__") {
		return nil, c.unsupported(p, "function "+name)
	}
	x, err := c.callArgs(name, n.Args, false, p)
	if err != nil {
		return nil, err
	}
	if u, ok := c.st.units[int(p)]; ok {
		x.(*Call).Unit = u
	}
	return x, nil
}

// filter attaches FILTER (WHERE cond) that followed the aggregate call.
func (c *conv) filter(call *Call) error {
	f, ok := c.st.filters[int(call.Pos)]
	if !ok {
		return nil
	}
	f.used = true
	sub := &conv{st: c.st, ins: f.list.ins}
	cond, err := sub.expr(f.list.exprs[0])
	if err != nil {
		return err
	}
	call.Filter, call.FilterPos = cond, Pos(f.pos)
	return nil
}

// callArgs builds a Call; COUNT(*) becomes Star.
func (c *conv) callArgs(name string, args []ast.ExprNode, distinct bool, p Pos) (Expr, error) {
	call := &Call{Pos: p, Name: name, Distinct: distinct}
	if len(args) == 1 && args[0].OriginTextPosition() == 0 {
		// TiDB turns * into a synthetic 1 at offset 0; check the text
		k := c.st.tokenAt(int(p))
		if k+2 < len(c.st.toks) && c.st.toks[k+1].isP("(") && c.st.toks[k+2].isP("*") {
			call.Star = true
			return call, nil
		}
	}
	for _, a := range args {
		if _, ok := a.(*ast.TimeUnitExpr); ok {
			return nil, c.unsupported(p, "time unit argument")
		}
	}
	var err error
	if call.Args, err = c.exprs(args); err != nil {
		return nil, err
	}
	if len(call.Args) == 0 {
		call.Args = nil
	}
	return call, nil
}

// trim converts TRIM([LEADING|TRAILING|BOTH] [c] FROM s) to Args [s[, c]].
func (c *conv) trim(n *ast.FuncCallExpr, p Pos) (Expr, error) {
	call := &Call{Pos: p, Name: "TRIM", Unit: "BOTH"}
	for i, a := range n.Args {
		if a == nil {
			continue
		}
		if d, ok := a.(*ast.TrimDirectionExpr); ok {
			switch d.Direction {
			case ast.TrimLeading:
				call.Unit = "LEADING"
			case ast.TrimTrailing:
				call.Unit = "TRAILING"
			}
			continue
		}
		if i > 1 {
			return nil, c.unsupported(p, "TRIM form")
		}
		x, err := c.expr(a)
		if err != nil {
			return nil, err
		}
		call.Args = append(call.Args, x)
	}
	if len(call.Args) == 0 {
		return nil, c.unsupported(p, "TRIM form")
	}
	return call, nil
}
