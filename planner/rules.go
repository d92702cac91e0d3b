package planner

import (
	"github.com/eddy-sql/eddy/exec"
)

// Rule rewrites a logical plan node. Apply returns the node unchanged (and
// false) when the rule does not fit.
type Rule struct {
	Name  string
	Apply func(n Node) (Node, bool)
}

// DefaultRules is the optimizer's ordered rule list: merge stacked filters,
// merge a projection that only picks columns into the projection below it,
// then push a filter that sits directly on a stream scan into the scan
// (where lowering can run it before rows enter the stream).
func DefaultRules(fns *exec.Functions) []Rule {
	return []Rule{
		{Name: "merge_filters", Apply: func(n Node) (Node, bool) {
			f, ok := n.(*Filter)
			if !ok {
				return n, false
			}
			inner, ok := f.Input.(*Filter)
			if !ok {
				return n, false
			}
			both, err := fns.Bind("and", inner.Pred, f.Pred)
			if err != nil {
				return n, false
			}
			return &Filter{Input: inner.Input, Pred: both, Text: "(" + inner.Text + ") AND (" + f.Text + ")"}, true
		}},
		{Name: "merge_projections", Apply: func(n Node) (Node, bool) {
			outer, ok := n.(*Project)
			if !ok {
				return n, false
			}
			inner, ok := outer.Input.(*Project)
			if !ok {
				return n, false
			}
			exprs := make([]exec.Expr, len(outer.Exprs))
			texts := make([]string, len(outer.Exprs))
			for i, e := range outer.Exprs {
				j, ok := exec.ColumnIndex(e)
				if !ok {
					return n, false
				}
				exprs[i], texts[i] = inner.Exprs[j], inner.Texts[j]
			}
			return &Project{Input: inner.Input, Exprs: exprs, Texts: texts, Retime: outer.Retime || inner.Retime, sc: outer.sc}, true
		}},
		{Name: "push_filter_into_scan", Apply: func(n Node) (Node, bool) {
			f, ok := n.(*Filter)
			if !ok {
				return n, false
			}
			s, ok := f.Input.(*Scan)
			if !ok || s.Pushed != nil {
				return n, false
			}
			return &Scan{Stream: s.Stream, sc: s.sc, Pushed: f.Pred, PushedText: f.Text}, true
		}},
	}
}

// optimize applies the session's rules bottom-up until none fits.
func (s *Session) optimize(n Node) Node {
	for {
		out, changed := s.rewrite(n)
		if !changed {
			return out
		}
		n = out
	}
}

func (s *Session) rewrite(n Node) (Node, bool) {
	changed := false
	n = withInputs(n, func(c Node) Node {
		c2, ch := s.rewrite(c)
		changed = changed || ch
		return c2
	})
	for _, r := range s.cfg.Rules {
		if out, ok := r.Apply(n); ok {
			n, changed = out, true
		}
	}
	return n, changed
}

// withInputs returns n with each input replaced by fn(input); n itself when
// nothing changed. It is the one place that knows every node's children.
func withInputs(n Node, fn func(Node) Node) Node {
	switch n := n.(type) {
	case *Scan:
		return n
	case *Filter:
		in := fn(n.Input)
		if in == n.Input {
			return n
		}
		return &Filter{Input: in, Pred: n.Pred, Text: n.Text}
	case *Project:
		in := fn(n.Input)
		if in == n.Input {
			return n
		}
		return &Project{Input: in, Exprs: n.Exprs, Texts: n.Texts, Retime: n.Retime, sc: n.sc}
	case *Aggregate:
		in := fn(n.Input)
		if in == n.Input {
			return n
		}
		c := *n
		c.Input = in
		return &c
	case *Over:
		in := fn(n.Input)
		if in == n.Input {
			return n
		}
		c := *n
		c.Input = in
		return &c
	case *TableFunction:
		in := fn(n.Input)
		if in == n.Input {
			return n
		}
		c := *n
		c.Input = in
		return &c
	case *Sort:
		in := fn(n.Input)
		if in == n.Input {
			return n
		}
		return &Sort{Input: in, Keys: n.Keys, Text: n.Text}
	case *Distinct, *StreamSort, *Limit:
		return withFormInput(n, fn)
	case *LookupJoin:
		in := fn(n.Input)
		if in == n.Input {
			return n
		}
		c := *n
		c.Input = in
		return &c
	case *TemporalJoin:
		l, r := fn(n.Left), fn(n.Right)
		if l == n.Left && r == n.Right {
			return n
		}
		c := *n
		c.Left, c.Right = l, r
		return &c
	case *StreamJoin:
		l, r := fn(n.Left), fn(n.Right)
		if l == n.Left && r == n.Right {
			return n
		}
		c := *n
		c.Left, c.Right = l, r
		return &c
	case *Union:
		items := make([]Node, len(n.Items))
		same := true
		for i, c := range n.Items {
			items[i] = fn(c)
			same = same && items[i] == c
		}
		if same {
			return n
		}
		return &Union{Items: items}
	}
	panic("planner: withInputs: unknown node")
}

// scannedStreams lists the streams a plan reads.
func scannedStreams(n Node) []string {
	if n == nil {
		return nil
	}
	if s, ok := n.(*Scan); ok {
		return []string{s.Stream.Name}
	}
	var out []string
	for _, c := range n.Inputs() {
		out = append(out, scannedStreams(c)...)
	}
	return out
}
