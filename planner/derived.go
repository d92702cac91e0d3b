package planner

import "github.com/eddy-sql/eddy/sql"

// renameColumns applies a derived table's column list, (SELECT …) AS
// l(a, b): the query's visible columns take the names in order. Without a
// list n is returned as it is.
func (q *queryPlanner) renameColumns(n Node, t *sql.SubqueryRef) (Node, error) {
	if len(t.Columns) == 0 {
		return n, nil
	}
	sc := n.Scope()
	visible := sc.visible("")
	if len(visible) != len(t.Columns) {
		return nil, q.errorf(t.Columns[0].Pos, "%s names %d columns but its query has %d", quoteIdent(t.Alias), len(t.Columns), len(visible))
	}
	out := &scope{fields: append([]field(nil), sc.fields...)}
	for k, i := range visible {
		out.fields[i].Name = t.Columns[k].Name
	}
	if err := uniqueNames(out); err != nil {
		return nil, q.errorf(t.Columns[0].Pos, "%v", err)
	}
	return withScope(n, out), nil
}
