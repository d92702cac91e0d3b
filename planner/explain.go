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
		b.WriteString("physical plan:\n")
		scratch.physicalTree(&b, plan, 1)
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
	for k, v := range s.cat.tables {
		c.cat.tables[k] = v
	}
	for k, v := range s.cat.pumps {
		c.cat.pumps[k] = v
	}
	c.cat.order = append([]string(nil), s.cat.order...)
	c.queries = append([]*adhocQuery(nil), s.queries...)
	return &c
}

// physicalTree prints the operators lower would build for n: the same
// exhaustive switch, naming operators instead of building them.
func (s *Session) physicalTree(b *strings.Builder, n Node, depth int) {
	pad := strings.Repeat("  ", depth)
	switch n := n.(type) {
	case *Scan:
		line := "StreamReader " + quoteIdent(n.Stream.Name)
		if n.Pushed != nil {
			if s.isSourceStream(n.Stream) {
				line += " (filter " + n.Pushed.String() + " runs in the source task when this is the stream's only reader)"
			} else {
				line = "Filter " + n.Pushed.String() + "\n" + pad + "  " + line
			}
		}
		b.WriteString(pad + line + "\n")
		return
	case *Filter:
		b.WriteString(pad + "Filter " + n.Pred.String() + "\n")
	case *Project:
		parts := make([]string, len(n.Exprs))
		for i, e := range n.Exprs {
			parts[i] = e.String() + " AS " + quoteIdent(n.sc.fields[i].Name)
		}
		b.WriteString(pad + "Project " + strings.Join(parts, ", ") + "\n")
	case *Aggregate:
		if n.Assigner == nil {
			b.WriteString(pad + "HashAggregate " + n.Text + "\n")
		} else {
			b.WriteString(pad + "WindowGroupBy " + n.Text + "\n")
		}
	case *Sort:
		b.WriteString(pad + "Sort " + n.Text + "\n")
	case *Over:
		b.WriteString(pad + "SlidingWindow " + n.Text + "\n")
	case *LookupJoin:
		b.WriteString(pad + s.lookupJoinPhysical(n) + "\n")
	case *StreamJoin:
		b.WriteString(pad + streamJoinPhysical(n) + "\n")
	case *Union:
		b.WriteString(pad + "StreamReader (union of the branches below, each a task writing one stream)\n")
	}
	for _, c := range n.Inputs() {
		s.physicalTree(b, c, depth+1)
	}
}
