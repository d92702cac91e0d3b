package planner

import (
	"fmt"
	"strings"

	"github.com/eddy-sql/eddy/exec"
)

// Node is an immutable logical plan node. Rules build new nodes rather than
// changing old ones.
type Node interface {
	// Scope is the node's output columns.
	Scope() *scope
	// Inputs returns the node's children.
	Inputs() []Node
	// Describe is the node's one-line EXPLAIN text.
	Describe() string
}

// Scan reads an in-application stream. Pushed is a predicate a rule moved
// into the scan: it runs before rows enter the stream when the scan is the
// stream's only reader (predicate pushdown into the source).
type Scan struct {
	Stream *StreamDef
	sc     *scope
	Pushed exec.Expr
	// PushedText is Pushed as the user wrote it.
	PushedText string
}

// Filter passes the rows for which Pred is TRUE.
type Filter struct {
	Input Node
	Pred  exec.Expr
	Text  string
}

// Project computes one column per expression.
type Project struct {
	Input Node
	Exprs []exec.Expr
	Texts []string
	// Retime is set when the projection computes ROWTIME anew (… AS
	// ROWTIME): event time downstream follows the new column.
	Retime bool
	sc     *scope
}

// Union concatenates its inputs (UNION ALL); all have the same columns.
type Union struct {
	Items []Node
}

// Sort orders a bounded query's whole result (reports).
type Sort struct {
	Input Node
	Keys  []exec.SortKey
	Text  string
}

// Scope returns the input's columns.
func (n *Sort) Scope() *scope { return n.Input.Scope() }

// Inputs returns the input.
func (n *Sort) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *Sort) Describe() string { return "Sort " + n.Text }

// Scope returns the scan's columns.
func (n *Scan) Scope() *scope { return n.sc }

// Inputs returns no children.
func (n *Scan) Inputs() []Node { return nil }

// Describe returns the EXPLAIN line.
func (n *Scan) Describe() string {
	s := "Scan " + quoteIdent(n.Stream.Name)
	if c := n.Stream.Connector(); c != "" {
		s += " [" + c + "]"
	}
	if n.Pushed != nil {
		s += " pushed: " + n.PushedText
	}
	return s
}

// Scope returns the input's columns.
func (n *Filter) Scope() *scope { return n.Input.Scope() }

// Inputs returns the input.
func (n *Filter) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *Filter) Describe() string { return "Filter " + n.Text }

// Scope returns the projected columns.
func (n *Project) Scope() *scope { return n.sc }

// Inputs returns the input.
func (n *Project) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *Project) Describe() string {
	parts := make([]string, len(n.Exprs))
	for i, t := range n.Texts {
		name := n.sc.fields[i].Name
		if t == quoteIdent(name) || t == name {
			parts[i] = t
		} else {
			parts[i] = t + " AS " + quoteIdent(name)
		}
	}
	return "Project " + strings.Join(parts, ", ")
}

// Scope returns the first input's columns.
func (n *Union) Scope() *scope { return n.Items[0].Scope() }

// Inputs returns the inputs.
func (n *Union) Inputs() []Node { return n.Items }

// Describe returns the EXPLAIN line.
func (n *Union) Describe() string { return fmt.Sprintf("Union all (%d inputs)", len(n.Items)) }

// explainTree renders a plan as an indented tree.
func explainTree(n Node) string {
	var b strings.Builder
	var walk func(n Node, depth int)
	walk = func(n Node, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(n.Describe())
		b.WriteByte('\n')
		for _, c := range n.Inputs() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}
