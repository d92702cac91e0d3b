package exec

// ColumnRefs adds to cols the input columns e reads and reports whether
// it knows every expression in e: false for an expression of a kind it
// does not know, whose columns cannot be told. The planner uses it to
// decode only the columns a query reads (projection pushdown).
func ColumnRefs(e Expr, cols map[int]bool) bool {
	switch e := e.(type) {
	case nil:
		return true
	case *column:
		cols[e.index] = true
		return true
	case *literal, *nowExpr:
		return true
	case *castExpr:
		return ColumnRefs(e.x, cols)
	case *fieldExpr:
		return ColumnRefs(e.x, cols)
	case *notNull:
		return ColumnRefs(e.x, cols)
	case *named:
		return ColumnRefs(e.Expr, cols) && refsAll(e.args, cols)
	case *call:
		return refsAll(e.args, cols)
	case *logicExpr:
		return refsAll(e.args, cols)
	case *randExpr:
		return refsAll(e.args, cols)
	case *logParseCall:
		return refsAll(e.args, cols)
	case *caseExpr:
		return refsAll(e.conds, cols) && refsAll(e.results, cols) && refsAll(e.args, cols)
	case *coalesceExpr:
		return refsAll(e.args, cols) && refsAll(e.orig, cols)
	}
	return false
}

func refsAll(es []Expr, cols map[int]bool) bool {
	for _, e := range es {
		if !ColumnRefs(e, cols) {
			return false
		}
	}
	return true
}
