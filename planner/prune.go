package planner

import (
	"slices"
	"strings"

	"github.com/eddy-sql/eddy/exec"
)

// ColumnsOption is the option through which the planner tells a source
// connector which declared columns the stream's reader uses, as
// comma-separated names (projection pushdown): a JSON source decodes only
// those and leaves the others NULL. The planner sets it only when the
// stream has one reader, a pump or query whose plan it can follow to
// the scan; sources.ColumnsOption has the same value.
const ColumnsOption = "eddy.columns"

// pruningConnectors are the source connectors that decode only the
// columns ColumnsOption names, with format json (the default).
var pruningConnectors = map[string]bool{"file": true, "filesystem": true, "stdin": true, "kafka": true, "kinesis": true}

// readColumns returns the declared columns of source stream def that its
// only reader uses (unless the application reads the error stream, see
// errorStreamRead), NOT NULL columns included (the not-null guard reads
// them), as do the columns that options rowtime and arrival of opts (the
// source's options) name; nil when every column is read or the planner
// cannot tell.
func (b *jobBuilder) readColumns(def *StreamDef, opts map[string]string) []string {
	if b.live || b.readers[def.Name] != 1 || b.s.errorStreamRead() {
		return nil
	}
	var plans []Node
	for _, name := range b.s.cat.order {
		if p := b.s.cat.pumps[name]; !p.Stopped {
			plans = append(plans, p.plan)
		}
	}
	for _, q := range b.s.queries {
		plans = append(plans, q.plan)
	}
	for _, p := range plans {
		for _, n := range scannedStreams(p) {
			if n == def.Name {
				return prunedColumns(def, p, opts)
			}
		}
	}
	return nil // the reader is a destination: it reads every column
}

// prunedColumns returns the declared columns of def that plan, which
// scans def once, reads, with those opts's rowtime and arrival name; nil
// when that is all of them, the plan cannot be followed, or opts (the
// source's options) name a connector or format that does not prune.
func prunedColumns(def *StreamDef, plan Node, opts map[string]string) []string {
	format := strings.ToLower(strings.TrimSpace(opts["format"]))
	if !pruningConnectors[strings.ToLower(opts["connector"])] || format != "" && format != "json" {
		return nil
	}
	want, ok := requiredColumns(plan, def.Name)
	if !ok || want == nil {
		return nil
	}
	var names []string
	for i, c := range def.Columns {
		if strings.Contains(c.Name, ",") {
			return nil
		}
		if want[i] || c.NotNull || strings.EqualFold(c.Name, strings.TrimSpace(opts["rowtime"])) ||
			strings.EqualFold(c.Name, strings.TrimSpace(opts["arrival"])) {
			names = append(names, c.Name)
		}
	}
	if len(names) == len(def.Columns) {
		return nil
	}
	return names
}

// requiredColumns follows plan from its output (every column of which is
// read) down to its scan of stream and returns which of the scan's
// columns the plan reads; ok is false when a node or an expression on the
// way is of a kind it does not know, and then every column counts as read.
func requiredColumns(plan Node, stream string) (want []bool, ok bool) {
	all := make([]bool, len(plan.Scope().fields))
	for i := range all {
		all[i] = true
	}
	var found []bool
	ok = need(plan, all, stream, &found)
	return found, ok
}

// need propagates want, the columns of n's output read above it, to n's
// inputs, recording the want at the scan of stream in found.
func need(n Node, want []bool, stream string, found *[]bool) bool {
	in := func(input Node, exprs []exec.Expr, pass []bool) bool {
		w := make([]bool, len(input.Scope().fields))
		copy(w, pass)
		cols := map[int]bool{}
		for _, e := range exprs {
			if !exec.ColumnRefs(e, cols) {
				return false
			}
		}
		for i := range cols {
			if i < 0 || i >= len(w) {
				return false
			}
			w[i] = true
		}
		return need(input, w, stream, found)
	}
	switch n := n.(type) {
	case *Scan:
		if n.Stream.Name != stream {
			return true
		}
		w := append([]bool(nil), want...)
		cols := map[int]bool{}
		if !exec.ColumnRefs(n.Pushed, cols) {
			return false
		}
		for i := range cols {
			if i < 0 || i >= len(w) {
				return false
			}
			w[i] = true
		}
		*found = w
		return true
	case *Filter:
		return in(n.Input, []exec.Expr{n.Pred}, want)
	case *Project:
		var exprs []exec.Expr
		for i, e := range n.Exprs {
			if want[i] {
				exprs = append(exprs, e)
			}
		}
		return in(n.Input, exprs, nil)
	case *Aggregate:
		exprs := append([]exec.Expr(nil), n.Keys...)
		for _, a := range n.Aggs {
			exprs = append(exprs, a.Arg)
		}
		w := make([]bool, len(n.Input.Scope().fields))
		if n.TimeColumn != "" {
			i, err := n.Input.Scope().resolve("", n.TimeColumn)
			if err != nil {
				return false
			}
			w[i] = true
		}
		return in(n.Input, exprs, w)
	case *Sort:
		w := append([]bool(nil), want...)
		for _, k := range n.Keys {
			if k.Column < 0 || k.Column >= len(w) {
				return false
			}
			w[k.Column] = true
		}
		return need(n.Input, w, stream, found)
	case *Union:
		for _, c := range n.Items {
			if !need(c, want, stream, found) {
				return false
			}
		}
		return true
	}
	return false
}

// scanColumns returns, for each source stream plan scans once, the
// declared columns plan decodes of it (quoted, comma-separated) when that
// is fewer than all: what the source reads when plan is the stream's
// only reader. EXPLAIN shows it.
func (s *Session) scanColumns(plan Node) map[string]string {
	count := map[string]int{}
	for _, n := range scannedStreams(plan) {
		count[n]++
	}
	out := map[string]string{}
	if s.errorStreamRead() {
		return out
	}
	for name, k := range count {
		def, ok := s.cat.streams[name]
		if k != 1 || !ok || !s.isSourceStream(def) {
			continue
		}
		opts := connectorOptions(def.Options)
		if wm := def.Watermark; wm != nil {
			if _, set := opts["rowtime"]; !set {
				opts["rowtime"] = wm.Column
			}
		}
		if bound, ok := s.binding(s.inputs, name); ok {
			for k, v := range bound {
				opts[k] = v
			}
		}
		if cols := prunedColumns(def, plan, opts); cols != nil {
			out[name] = quoteList(cols)
		}
	}
	return out
}

// quoteList quotes names as identifiers, comma-separated.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// errorStreamRead tells whether the application reads the error stream:
// a pump or query scans it or it has a destination. Then no source
// prunes columns, since a row that fails in a query goes there with
// every column of its input row (DATA_ROW), which pruning would leave
// NULL. When only the log sees failed rows, their unread columns show
// as NULL.
func (s *Session) errorStreamRead() bool {
	for _, p := range s.cat.pumps {
		if slices.Contains(scannedStreams(p.plan), exec.ErrorStreamName) {
			return true
		}
	}
	for _, q := range s.queries {
		if slices.Contains(scannedStreams(q.plan), exec.ErrorStreamName) {
			return true
		}
	}
	if _, ok := s.binding(s.outputs, exec.ErrorStreamName); ok {
		return true
	}
	def, ok := s.cat.streams[exec.ErrorStreamName]
	return ok && def.Connector() != ""
}
