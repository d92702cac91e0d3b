package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// insertInto maps a query's columns onto the target stream's: by position,
// or by the INSERT's column list, casting where the types differ. The
// query's ROWTIME becomes the target's ROWTIME.
func (q *queryPlanner) insertInto(n Node, target *StreamDef, ins *sql.Insert) (Node, error) {
	sc := n.Scope()
	var cols []int // visible, non-ROWTIME query columns
	for i, f := range sc.fields {
		if !f.Hidden && f.Name != exec.RowtimeColumn {
			cols = append(cols, i)
		}
	}
	if len(ins.Columns) == 0 && len(cols)+1 == len(target.Columns) {
		// KDA: an unaliased ROWTIME in the select list is a column too
		// (SELECT STREAM ROWTIME, a, b into a stream of three columns).
		if i := selectedRowtime(n); i >= 0 {
			cols = append(cols, i)
			slices.Sort(cols)
		}
	}
	// targetIdx[i] is the target column that query column cols[i] fills.
	targetIdx := make([]int, len(cols))
	if len(ins.Columns) > 0 {
		if len(ins.Columns) != len(cols) {
			return nil, q.errorf(ins.TargetPos, "INSERT names %d columns but the query produces %d", len(ins.Columns), len(cols))
		}
		for i, c := range ins.Columns {
			j := columnIndex(target, c.Name)
			if j < 0 {
				return nil, q.errorf(c.Pos, "stream %s has no column %s", quoteIdent(target.Name), quoteIdent(c.Name))
			}
			targetIdx[i] = j
		}
	} else {
		if len(cols) != len(target.Columns) {
			return nil, q.errorf(ins.TargetPos, "stream %s has %d columns but the query produces %d", quoteIdent(target.Name), len(target.Columns), len(cols))
		}
		for i := range cols {
			targetIdx[i] = i
		}
	}
	exprs := make([]exec.Expr, len(target.Columns)+1)
	texts := make([]string, len(exprs))
	out := &scope{}
	for _, c := range target.Columns {
		out.fields = append(out.fields, field{Name: c.Name, Type: c.Type, Quals: []string{target.Name}})
	}
	out.fields = append(out.fields, field{Name: exec.RowtimeColumn, Type: exec.TimestampType, Hidden: true})
	for i, qi := range cols {
		f := sc.fields[qi]
		tc := target.Columns[targetIdx[i]]
		var e exec.Expr = exec.Column(qi, f.Name, f.Type)
		texts[targetIdx[i]] = quoteIdent(f.Name)
		if !typesEqual(f.Type, tc.Type) {
			c, err := exec.Cast(e, tc.Type)
			if err != nil {
				return nil, q.errorf(ins.TargetPos, "column %s of %s is %s; the query gives %s %s", quoteIdent(tc.Name), quoteIdent(target.Name), tc.SQLType, SQLTypeOf(f.Type), quoteIdent(f.Name))
			}
			e = c
			texts[targetIdx[i]] = fmt.Sprintf("CAST(%s AS %s)", quoteIdent(f.Name), tc.SQLType)
		}
		if tc.NotNull {
			e = exec.NotNull(e, tc.Name)
		}
		exprs[targetIdx[i]] = e
	}
	for j, c := range target.Columns {
		if exprs[j] != nil {
			continue
		}
		if c.NotNull {
			return nil, q.errorf(ins.TargetPos, "column %s of %s is NOT NULL but the INSERT gives it no value", quoteIdent(c.Name), quoteIdent(target.Name))
		}
		null, err := exec.Literal(nil, c.Type)
		if err != nil {
			return nil, err
		}
		exprs[j], texts[j] = null, "NULL"
	}
	rt := sc.rowtime()
	exprs[len(exprs)-1] = exec.Column(rt, exec.RowtimeColumn, exec.TimestampType)
	texts[len(texts)-1] = exec.RowtimeColumn
	return &Project{Input: n, Exprs: exprs, Texts: texts, sc: out}, nil
}

// selectedRowtime returns the index of an unaliased ROWTIME item of a
// select list, or -1.
func selectedRowtime(n Node) int {
	p, ok := n.(*Project)
	if !ok {
		return -1
	}
	for i, f := range p.sc.fields {
		t := strings.ToUpper(p.Texts[i])
		if f.Name == exec.RowtimeColumn && !f.Hidden && (t == exec.RowtimeColumn || strings.HasSuffix(t, "."+exec.RowtimeColumn)) {
			return i
		}
	}
	return -1
}

func columnIndex(def *StreamDef, name string) int {
	for i, c := range def.Columns {
		if c.Name == name {
			return i
		}
	}
	for i, c := range def.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// notNullGuard returns op with the NOT NULL columns of def enforced on the
// rows a source decodes into it: a row with a NULL in such a column goes to
// the error stream (NOT_NULL, naming the column) and the others pass on. It
// returns op itself when def has no NOT NULL column.
func notNullGuard(env exec.Env, op exec.Operator, def *StreamDef) (exec.Operator, string, error) {
	var cols []int
	var names []string
	for i, c := range def.Columns {
		if c.NotNull {
			cols = append(cols, i)
			names = append(names, quoteIdent(c.Name))
		}
	}
	if len(cols) == 0 {
		return op, "", nil
	}
	pred := &notNullCheck{cols: cols, errs: make([]error, len(cols))}
	for j, i := range cols {
		pred.errs[j] = fmt.Errorf("%w: column %s", exec.ErrNotNull, def.Columns[i].Name)
	}
	env.Errors, env.Pump = streamErrors{sink: env.Errors, stream: def.Name}, ""
	f, err := exec.NewFilter(env, op, pred)
	if err != nil {
		return nil, "", err
	}
	return f, "not null " + strings.Join(names, ", "), nil
}

// streamErrors names the stream in the error records it passes on.
type streamErrors struct {
	sink   exec.ErrorSink
	stream string
}

func (s streamErrors) ReportError(r exec.ErrorRecord) {
	if s.sink != nil {
		r.Stream = s.stream
		s.sink.ReportError(r)
	}
}

// notNullCheck is TRUE for every row, and records a row error for each row
// with a NULL in one of its columns (the first such column).
type notNullCheck struct {
	cols []int
	errs []error
}

var _ exec.Expr = (*notNullCheck)(nil)

func (n *notNullCheck) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

func (n *notNullCheck) String() string { return fmt.Sprintf("not_null(%v)", n.cols) }

// Eval returns an all-TRUE column and records the NULLs as row errors.
func (n *notNullCheck) Eval(ec *exec.EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	rows := int(batch.NumRows())
	var bad map[int]bool
	for j, c := range n.cols {
		col := batch.Column(c)
		if col.NullN() == 0 {
			continue
		}
		for i := range rows {
			if col.IsNull(i) && !bad[i] {
				if bad == nil {
					bad = map[int]bool{}
				}
				bad[i] = true
				ec.RowError(i, n.errs[j])
			}
		}
	}
	b := array.NewBooleanBuilder(ec.Alloc)
	defer b.Release()
	b.Resize(rows)
	for range rows {
		b.UnsafeAppend(true)
	}
	return b.NewArray(), nil
}
