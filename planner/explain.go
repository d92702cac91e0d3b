package planner

import (
	"context"
	"sort"
	"strings"

	"github.com/eddy-sql/eddy/exec"
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
		scratch.writePlans(&b, plan, "")
	default:
		b.WriteString(sql.Format(st.Target) + "\n")
	}
	return &Result{Text: b.String()}, nil
}

// writePlans writes plan as EXPLAIN shows it, each line after indent: its
// logical plan, then the operators lower would build.
func (s *Session) writePlans(b *strings.Builder, plan Node, indent string) {
	b.WriteString(indent + "logical plan:\n")
	for _, line := range strings.Split(strings.TrimRight(explainTree(plan), "\n"), "\n") {
		b.WriteString(indent + "  " + line + "\n")
	}
	b.WriteString(indent + "physical plan:\n")
	var phys strings.Builder
	s.physicalTree(&phys, plan, 1, s.scanColumns(plan))
	for _, line := range strings.Split(strings.TrimRight(phys.String(), "\n"), "\n") {
		b.WriteString(indent + line + "\n")
	}
}

// ExplainApp returns the plan of the whole application, as eddy run
// --explain prints it: each source stream and its connector, then each
// pump and query with the plans EXPLAIN shows for it, then the
// destinations. It opens no source or destination (no connection is
// made), but refuses what Build would refuse before opening anything.
// Secret options are not redacted here: callers pass the text through
// RedactSQL and their Redactor.
func (s *Session) ExplainApp() (string, error) {
	if err := s.validate(); err != nil {
		return "", err
	}
	b := &jobBuilder{s: s, readers: map[string]int{}}
	for _, name := range s.cat.order {
		for _, n := range scannedStreams(s.cat.pumps[name].plan) {
			b.readers[n]++
		}
	}
	for _, q := range s.queries {
		for _, n := range scannedStreams(q.plan) {
			b.readers[n]++
		}
	}
	dests, err := b.destinations()
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, name := range s.cat.streamNames() {
		def := s.cat.streams[name]
		if name == exec.ErrorStreamName || !s.isSourceStream(def) {
			continue
		}
		opts := connectorOptions(def.Options)
		if bound, ok := s.binding(s.inputs, def.Name); ok {
			for k, v := range bound {
				opts[k] = v
			}
		}
		line := "source " + quoteIdent(name) + ": " + optionsText(opts)
		if b.readers[name] == 0 {
			line += " (not read: never opened)"
		}
		out.WriteString(line + "\n")
	}
	for _, name := range s.cat.order {
		p := s.cat.pumps[name]
		out.WriteString("pump " + quoteIdent(name) + " -> stream " + quoteIdent(p.Insert.Target) + ":\n")
		s.writePlans(&out, p.plan, "  ")
	}
	for _, q := range s.queries {
		out.WriteString("query " + quoteIdent(q.name) + ":\n")
		s.writePlans(&out, q.plan, "  ")
	}
	for _, d := range dests {
		what := "destination "
		if d.withRowtime {
			what = "history of " // retain = '…': kept for reports
		}
		out.WriteString(what + quoteIdent(d.def.Name) + ": " + optionsText(d.options) + "\n")
	}
	return out.String(), nil
}

// optionsText renders connector options as CONNECTOR (key = 'value', …),
// keys sorted.
func optionsText(opts map[string]string) string {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		if k != "connector" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	text := opts["connector"]
	if text == "" {
		text = "(no connector)"
	}
	if len(keys) == 0 {
		return text
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " = '" + strings.ReplaceAll(opts[k], "'", "''") + "'"
	}
	return text + " (" + strings.Join(parts, ", ") + ")"
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
// cols maps a source stream to the columns the plan decodes of it (see
// scanColumns).
func (s *Session) physicalTree(b *strings.Builder, n Node, depth int, cols map[string]string) {
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
		if c, ok := cols[n.Stream.Name]; ok {
			line += " (decodes only " + c + " when this is the stream's only reader)"
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
			b.WriteString(pad + "WindowGroupBy " + n.Text + s.groupByWorkersText(n) + "\n")
		}
	case *Sort:
		b.WriteString(pad + "Sort " + n.Text + "\n")
	case *Over:
		b.WriteString(pad + "SlidingWindow " + n.Text + s.overWorkersText(n) + "\n")
	case *TableFunction:
		b.WriteString(pad + n.physical() + "\n")
	case *Distinct, *StreamSort, *Limit:
		b.WriteString(pad + n.Describe() + "\n")
	case *LookupJoin:
		b.WriteString(pad + s.lookupJoinPhysical(n) + "\n")
	case *StreamJoin:
		b.WriteString(pad + streamJoinPhysical(n, s.joinWorkersText(n)) + "\n")
	case *TemporalJoin:
		b.WriteString(pad + temporalJoinPhysical(n) + "\n")
	case *Union:
		b.WriteString(pad + "StreamReader (union of the branches below, each a task writing one stream)\n")
	}
	for _, c := range n.Inputs() {
		s.physicalTree(b, c, depth+1, cols)
	}
}
