package sql

// Operator precedence used by the printer; it mirrors how TiDB (in the
// modes Parse uses) groups operators, so printed text parses back the same.
const (
	precOr = 1 + iota
	precAnd
	precNot
	precCompare
	_
	precAdd
	precMul
	precConcat
	precUnary
	precPrimary
)

var binaryPrec = map[string]int{
	"OR": precOr, "AND": precAnd, "=": precCompare, "<>": precCompare, "<": precCompare,
	"<=": precCompare, ">": precCompare, ">=": precCompare, "+": precAdd, "-": precAdd,
	"*": precMul, "/": precMul, "%": precMul, "||": precConcat,
}

// niladic functions are written without parentheses.
var niladic = map[string]bool{
	"CURRENT_TIMESTAMP": true, "CURRENT_ROW_TIMESTAMP": true, "CURRENT_DATE": true,
	"CURRENT_TIME": true, "LOCALTIMESTAMP": true, "LOCALTIME": true,
}

func prec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		return binaryPrec[e.Op]
	case *Unary:
		if e.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *IsNull, *Between, *InList, *Like:
		return precCompare
	case *Call:
		if isOverlaps(e) {
			return precCompare
		}
	}
	return precPrimary
}

// expr prints e, in parentheses when it binds looser than min.
func (p *printer) expr(e Expr, min int) {
	if prec(e) < min {
		p.WriteString("(")
		defer p.WriteString(")")
	}
	switch e := e.(type) {
	case *Literal:
		p.literal(e)
	case *ColumnRef:
		if e.Qualifier != "" {
			p.WriteString(quoteIdent(e.Qualifier) + ".")
		}
		p.WriteString(quoteIdent(e.Name))
	case *FieldRef:
		p.expr(e.X, precPrimary)
		p.WriteString("." + quoteIdent(e.Field))
	case *Binary:
		pr := binaryPrec[e.Op]
		l, r := pr, pr+1
		if pr == precCompare {
			l = pr + 1
		}
		p.expr(e.L, l)
		p.WriteString(" " + e.Op + " ")
		p.expr(e.R, r)
	case *Unary:
		if e.Op == "NOT" {
			p.WriteString("NOT ")
			p.expr(e.X, precNot)
			return
		}
		p.WriteString(e.Op)
		if _, ok := e.X.(*Unary); ok {
			p.WriteString("(")
			p.expr(e.X, 0)
			p.WriteString(")")
			return
		}
		p.expr(e.X, precUnary)
	case *IsNull:
		p.expr(e.X, precCompare+1)
		p.WriteString(" IS ")
		if e.Not {
			p.WriteString("NOT ")
		}
		p.WriteString("NULL")
	case *Between:
		p.expr(e.X, precCompare+1)
		p.not(e.Not)
		p.WriteString(" BETWEEN ")
		p.expr(e.Lo, precCompare+1)
		p.WriteString(" AND ")
		p.expr(e.Hi, precCompare+1)
	case *InList:
		p.expr(e.X, precCompare+1)
		p.not(e.Not)
		p.WriteString(" IN (")
		p.list(e.List)
		p.WriteString(")")
	case *Like:
		p.expr(e.X, precCompare+1)
		p.not(e.Not)
		if e.Similar {
			p.WriteString(" SIMILAR TO ")
		} else {
			p.WriteString(" LIKE ")
		}
		p.expr(e.Pattern, precCompare+1)
		if e.Escape != nil {
			p.WriteString(" ESCAPE ")
			p.expr(e.Escape, precCompare+1)
		}
	case *Case:
		p.WriteString("CASE ")
		if e.Operand != nil {
			p.expr(e.Operand, 0)
			p.WriteString(" ")
		}
		for _, w := range e.Whens {
			p.WriteString("WHEN ")
			p.expr(w.Cond, 0)
			p.WriteString(" THEN ")
			p.expr(w.Result, 0)
			p.WriteString(" ")
		}
		if e.Else != nil {
			p.WriteString("ELSE ")
			p.expr(e.Else, 0)
			p.WriteString(" ")
		}
		p.WriteString("END")
	case *Cast:
		p.WriteString("CAST(")
		p.expr(e.X, 0)
		p.WriteString(" AS " + FormatType(e.Type) + ")")
	case *Call:
		p.call(e)
	case *SubqueryExpr:
		if e.Exists {
			p.WriteString("EXISTS ")
		}
		p.WriteString("(")
		p.query(e.Query)
		p.WriteString(")")
	}
}

func (p *printer) not(not bool) {
	if not {
		p.WriteString(" NOT")
	}
}

func (p *printer) literal(e *Literal) {
	switch e.Kind {
	case LitNull:
		p.WriteString("NULL")
	case LitBool:
		if e.Bool {
			p.WriteString("TRUE")
		} else {
			p.WriteString("FALSE")
		}
	case LitString:
		p.WriteString(quoteString(e.Text))
	case LitInterval:
		p.WriteString(formatInterval(e.Interval))
	case LitTimestamp:
		p.WriteString("TIMESTAMP " + quoteString(e.Text))
	case LitDate:
		p.WriteString("DATE " + quoteString(e.Text))
	case LitTime:
		p.WriteString("TIME " + quoteString(e.Text))
	default:
		p.WriteString(e.Text)
	}
}

// isOverlaps tells whether c is (a, b) OVERLAPS (c, d).
func isOverlaps(c *Call) bool { return c.Name == "OVERLAPS" && len(c.Args) == 4 && c.Over == nil }

func (p *printer) call(e *Call) {
	name := quoteFunc(e.Name)
	switch {
	case isOverlaps(e):
		for i, a := range e.Args {
			switch i {
			case 0:
				p.WriteString("(")
			case 2:
				p.WriteString(") OVERLAPS (")
			default:
				p.WriteString(", ")
			}
			p.expr(a, 0)
		}
		p.WriteString(")")
	case e.Star:
		p.WriteString(name + "(*)")
	case len(e.Args) == 0 && niladic[e.Name]:
		p.WriteString(name)
	case e.Unit != "" && (e.Name == "FLOOR" || e.Name == "CEIL" || e.Name == "CEILING") && len(e.Args) == 1:
		p.WriteString(name + "(")
		p.expr(e.Args[0], 0)
		p.WriteString(" TO " + e.Unit + ")")
	case e.Name == "STEP" && len(e.Args) == 2:
		p.WriteString("STEP(")
		p.expr(e.Args[0], 0)
		p.WriteString(" BY ")
		p.expr(e.Args[1], 0)
		p.WriteString(")")
	case e.Name == "EXTRACT" && e.Unit != "" && len(e.Args) == 1:
		p.WriteString("EXTRACT(" + e.Unit + " FROM ")
		p.expr(e.Args[0], 0)
		p.WriteString(")")
	case (e.Name == "SUBSTRING" || e.Name == "SUBSTR") && (len(e.Args) == 2 || len(e.Args) == 3):
		p.WriteString(name + "(")
		p.expr(e.Args[0], 0)
		p.WriteString(" FROM ")
		p.expr(e.Args[1], 0)
		if len(e.Args) == 3 {
			p.WriteString(" FOR ")
			p.expr(e.Args[2], 0)
		}
		p.WriteString(")")
	case e.Name == "POSITION" && len(e.Args) == 2:
		p.WriteString("POSITION(")
		p.expr(e.Args[0], precCompare+1)
		p.WriteString(" IN ")
		p.expr(e.Args[1], 0)
		p.WriteString(")")
	case e.Name == "TRIM" && e.Unit == "BOTH" && len(e.Args) == 1:
		p.WriteString("TRIM(")
		p.expr(e.Args[0], 0)
		p.WriteString(")")
	case e.Name == "TRIM" && e.Unit != "" && (len(e.Args) == 1 || len(e.Args) == 2):
		p.WriteString("TRIM(" + e.Unit + " ")
		if len(e.Args) == 2 {
			p.expr(e.Args[1], 0)
			p.WriteString(" ")
		}
		p.WriteString("FROM ")
		p.expr(e.Args[0], 0)
		p.WriteString(")")
	default:
		p.WriteString(name + "(")
		if e.Distinct {
			p.WriteString("DISTINCT ")
		}
		p.list(e.Args)
		p.WriteString(")")
	}
	if e.IgnoreNulls {
		p.WriteString(" IGNORE NULLS")
	}
	if e.Filter != nil {
		p.WriteString(" FILTER (WHERE ")
		p.expr(e.Filter, 0)
		p.WriteString(")")
	}
	if e.Over != nil {
		p.WriteString(" OVER ")
		w := e.Over
		if w.Ref != "" && len(w.PartitionBy) == 0 && len(w.OrderBy) == 0 && w.Frame == nil {
			p.WriteString(quoteIdent(w.Ref))
		} else {
			p.windowSpec(w)
		}
	}
}
