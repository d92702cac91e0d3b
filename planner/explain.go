package planner

import (
	"context"
	"strings"

	"github.com/eddy-sql/eddy/sql"
)

// explain plans the target statement in a scratch copy of the session and
// prints its logical plan and, for pumps and queries, the physical tasks.
func (s *Session) explain(ctx context.Context, st *sql.Explain) (*Result, error) {
	scratch := s.clone()
	var b strings.Builder
	switch t := st.Target.(type) {
	case *sql.CreatePump, *sql.Insert, *sql.SelectStatement:
		if _, err := scratch.Exec(ctx, t); err != nil {
			return nil, err
		}
		var plan Node
		if len(scratch.queries) > len(s.queries) {
			plan = scratch.queries[len(scratch.queries)-1].plan
		} else {
			name := scratch.cat.order[len(scratch.cat.order)-1]
			if cp, ok := t.(*sql.CreatePump); ok {
				name = cp.Name
			}
			plan = scratch.cat.pumps[name].plan
		}
		b.WriteString("logical plan:\n")
		for _, line := range strings.Split(strings.TrimRight(explainTree(plan), "\n"), "\n") {
			b.WriteString("  " + line + "\n")
		}
	default:
		b.WriteString(sql.Format(st.Target) + "\n")
	}
	return &Result{Text: b.String()}, nil
}

// clone copies the session's catalog and bindings (plans are immutable and
// shared).
func (s *Session) clone() *Session {
	c := *s
	c.cat = newCatalog()
	for k, v := range s.cat.streams {
		c.cat.streams[k] = v
	}
	for k, v := range s.cat.pumps {
		c.cat.pumps[k] = v
	}
	c.cat.order = append([]string(nil), s.cat.order...)
	c.queries = append([]*adhocQuery(nil), s.queries...)
	return &c
}
