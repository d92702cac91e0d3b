package exec

// ColumnIndex reports whether e is a plain column reference, and which
// input column it reads. The planner uses it to merge projections.
func ColumnIndex(e Expr) (int, bool) {
	if c, ok := e.(*column); ok {
		return c.index, true
	}
	return 0, false
}
