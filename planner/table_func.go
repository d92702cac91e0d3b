package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// TableFunction is one of KDA's analytics table functions over a cursor:
// TOP_K_ITEMS_TUMBLING, COUNT_DISTINCT_ITEMS_TUMBLING, RANDOM_CUT_FOREST,
// RANDOM_CUT_FOREST_WITH_EXPLANATION or HOTSPOTS.
type TableFunction struct {
	Input Node
	Func  string
	// Column is the counted column (TOP_K, COUNT_DISTINCT); K the number
	// of values; Window the tumbling window.
	Column int
	K      int
	Window time.Duration
	// Columns and Names are the numeric columns (RCF, HOTSPOTS); Names[0]
	// also names the counted column.
	Columns []int
	Names   []string
	// RCF holds the forest's parameters (Columns, Names and Alloc unset).
	RCF window.RCFConfig
	// Hot holds HOTSPOTS' parameters (Columns and Alloc unset).
	Hot  window.HotspotsConfig
	Args string // the arguments after the cursor, for EXPLAIN
	sc   *scope
}

// Scope returns the function's output columns.
func (n *TableFunction) Scope() *scope { return n.sc }

// Inputs returns the cursor's plan.
func (n *TableFunction) Inputs() []Node { return []Node{n.Input} }

// Describe returns the EXPLAIN line.
func (n *TableFunction) Describe() string { return "TableFunction " + n.Func + "(" + n.Args + ")" }

// physical describes the operator for EXPLAIN.
func (n *TableFunction) physical() string {
	switch n.Func {
	case "RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION":
		c := n.RCF
		return fmt.Sprintf("RandomCutForest columns=%s trees=%d samples=%d time_decay=%d shingle=%d seed=%d explain=%v directional=%v",
			strings.Join(n.Names, ","), c.Trees, c.SampleSize, c.TimeDecay, c.Shingle, c.Seed, c.Explain, c.Directional)
	case "HOTSPOTS":
		return fmt.Sprintf("Hotspots columns=%s window=%d scan_radius=%g min_points=%d",
			strings.Join(n.Names, ","), n.Hot.WindowSize, n.Hot.ScanRadius, n.Hot.MinPoints)
	case "TOP_K_ITEMS_TUMBLING":
		return fmt.Sprintf("TopKItems %s k=%d (Space-Saving, %d counters) tumbling %s on ROWTIME",
			quoteIdent(n.Names[0]), n.K, window.TopKCounters(n.K), n.Window)
	}
	return fmt.Sprintf("CountDistinctItems %s (exact to %d, then HyperLogLog) tumbling %s on ROWTIME",
		quoteIdent(n.Names[0]), window.DistinctExactLimit, n.Window)
}

// Limits of the functions' arguments (KDA's SQL reference).
const (
	maxTopK          = 100000
	maxItemsWindowS  = 3600
	maxAnalyticsCols = 30
)

// tableFunc plans TABLE(F(CURSOR(SELECT STREAM …), args…)).
func (q *queryPlanner) tableFunc(t *sql.TableFunc) (Node, error) {
	name := strings.ToUpper(t.Name)
	switch name {
	case "TOP_K_ITEMS_TUMBLING", "COUNT_DISTINCT_ITEMS_TUMBLING", "RANDOM_CUT_FOREST",
		"RANDOM_CUT_FOREST_WITH_EXPLANATION", "HOTSPOTS":
	default:
		return nil, q.errorf(t.Pos, "table function %s is not supported", t.Name)
	}
	var cur *sql.SubqueryExpr
	if len(t.Args) > 0 {
		cur, _ = t.Args[0].(*sql.SubqueryExpr)
	}
	if cur == nil || cur.Exists {
		return nil, q.errorf(t.Pos, "%s takes CURSOR(SELECT STREAM …) as its first argument", name)
	}
	in, err := q.query(cur.Query)
	if err != nil {
		return nil, err
	}
	args := t.Args[1:]
	texts := make([]string, len(args))
	for i, a := range args {
		texts[i] = sql.FormatExpr(a)
	}
	n := &TableFunction{Input: in, Func: name, Args: strings.Join(texts, ", ")}
	a := argReader{q: q, fn: name, pos: t.Pos, args: args}
	isc := in.Scope()
	switch name {
	case "TOP_K_ITEMS_TUMBLING", "COUNT_DISTINCT_ITEMS_TUMBLING":
		want := 3
		if name == "COUNT_DISTINCT_ITEMS_TUMBLING" {
			want = 2
		}
		if len(args) != want {
			if want == 3 {
				return nil, q.errorf(t.Pos, "%s takes CURSOR(…), a column name, k and the window size in seconds", name)
			}
			return nil, q.errorf(t.Pos, "%s takes CURSOR(…), a column name and the window size in seconds", name)
		}
		col, err := a.str(0, "columnName")
		if err != nil {
			return nil, err
		}
		idx, rerr := isc.resolve("", col)
		if rerr != nil {
			return nil, q.errorf(args[0].ExprPos(), "%s: %v in the cursor", name, rerr)
		}
		n.Column = idx
		f := isc.fields[idx]
		n.Names = []string{f.Name}
		if want == 3 {
			k, err := a.int(1, "k", 1, maxTopK, 0)
			if err != nil {
				return nil, err
			}
			n.K = int(k)
			if f.Type.ID() == arrow.DECIMAL128 || f.Type.ID() == arrow.TIME32 || f.Type.ID() == arrow.DURATION || f.Type.ID() == arrow.INTERVAL_MONTHS {
				return nil, q.errorf(args[0].ExprPos(), "%s: column %s of type %s cannot be counted", name, quoteIdent(col), SQLTypeOf(f.Type))
			}
			n.sc = &scope{fields: []field{
				{Name: f.Name, Type: f.Type, Length: f.Length},
				{Name: window.MostFrequentValuesColumn, Type: arrow.PrimitiveTypes.Int64},
				{Name: exec.RowtimeColumn, Type: exec.TimestampType, Hidden: true},
			}}
		} else {
			n.sc = &scope{fields: []field{
				{Name: window.NumberOfDistinctItemsColumn, Type: arrow.PrimitiveTypes.Int64},
				{Name: exec.RowtimeColumn, Type: exec.TimestampType, Hidden: true},
			}}
		}
		secs, err := a.int(want-1, "windowSize", 1, maxItemsWindowS, 0)
		if err != nil {
			return nil, err
		}
		n.Window = time.Duration(secs) * time.Second
	case "RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION":
		explain := name == "RANDOM_CUT_FOREST_WITH_EXPLANATION"
		most := 5
		if explain {
			most = 6
		}
		if len(args) > most {
			return nil, q.errorf(args[most].ExprPos(), "%s takes at most %d arguments after the cursor (the last one the seed)", name, most)
		}
		trees, err := a.int(0, "numberOfTrees", 1, 1000, 100)
		if err != nil {
			return nil, err
		}
		sample, err := a.int(1, "subSampleSize", 10, 1000, 256)
		if err != nil {
			return nil, err
		}
		decay, err := a.int(2, "timeDecay", 1, math.MaxInt32, 100000)
		if err != nil {
			return nil, err
		}
		if sample >= decay && len(args) > 2 {
			return nil, q.errorf(args[2].ExprPos(), "%s: timeDecay must be larger than subSampleSize (%d)", name, sample)
		}
		shingle, err := a.int(3, "shingleSize", 1, 30, 1)
		if err != nil {
			return nil, err
		}
		dir, seedAt := false, 4
		if explain {
			if dir, err = a.bool(4, "withDirectionality", false); err != nil {
				return nil, err
			}
			seedAt = 5
		}
		seed, err := a.int(seedAt, "seed", 0, math.MaxInt64, window.DefaultRCFSeed)
		if err != nil {
			return nil, err
		}
		if err := q.numericColumns(n, isc, name, cur.Pos); err != nil {
			return nil, err
		}
		n.RCF = window.RCFConfig{Trees: int(trees), SampleSize: int(sample), TimeDecay: decay, Shingle: int(shingle),
			Seed: uint64(seed), Explain: explain, Directional: dir}
		n.sc = &scope{fields: append(unqualified(isc),
			field{Name: window.AnomalyScoreColumn, Type: arrow.PrimitiveTypes.Float64})}
		if explain {
			n.sc.fields = append(n.sc.fields, field{Name: window.AnomalyExplanationColumn, Type: arrow.BinaryTypes.String})
		}
	case "HOTSPOTS":
		if len(args) != 3 {
			return nil, q.errorf(t.Pos, "HOTSPOTS takes CURSOR(…), windowSize, scanRadius and minimumNumberOfPointsInAHotspot")
		}
		size, err := a.int(0, "windowSize", 100, 1000, 0)
		if err != nil {
			return nil, err
		}
		radius, err := a.float(1, "scanRadius")
		if err != nil {
			return nil, err
		}
		minPts, err := a.int(2, "minimumNumberOfPointsInAHotspot", 2, size, 0)
		if err != nil {
			return nil, err
		}
		if err := q.numericColumns(n, isc, name, cur.Pos); err != nil {
			return nil, err
		}
		n.Hot = window.HotspotsConfig{WindowSize: int(size), ScanRadius: radius, MinPoints: int(minPts)}
		n.sc = &scope{fields: append(unqualified(isc),
			field{Name: window.HotspotsResultColumn, Type: arrow.BinaryTypes.String})}
	}
	var out Node = n
	if t.Alias != "" {
		out = withScope(n, n.sc.withQual(t.Alias))
	}
	return out, nil
}

// numericColumns picks the cursor's visible numeric columns for RCF and
// HOTSPOTS; other types are passed through unread, DECIMAL is refused
// (KDA: use DOUBLE).
func (q *queryPlanner) numericColumns(n *TableFunction, sc *scope, fn string, pos sql.Pos) error {
	for _, i := range sc.visible("") {
		f := sc.fields[i]
		switch f.Type.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64:
			n.Columns = append(n.Columns, i)
			n.Names = append(n.Names, f.Name)
		case arrow.DECIMAL128:
			return q.errorf(pos, "%s: column %s is %s, which the function does not read; cast it to DOUBLE", fn, quoteIdent(f.Name), SQLTypeOf(f.Type))
		}
	}
	switch {
	case len(n.Columns) == 0:
		return q.errorf(pos, "%s needs a numeric column (DOUBLE, REAL, INTEGER, BIGINT, SMALLINT or TINYINT) in the cursor", fn)
	case len(n.Columns) > maxAnalyticsCols:
		return q.errorf(pos, "%s reads at most %d numeric columns, the cursor has %d", fn, maxAnalyticsCols, len(n.Columns))
	}
	return nil
}

// unqualified returns sc's columns without qualifiers (the function's
// output is a new relation).
func unqualified(sc *scope) []field {
	out := make([]field, len(sc.fields))
	for i, f := range sc.fields {
		f.Quals = nil
		out[i] = f
	}
	return out
}

// argReader reads a table function's literal arguments, with positioned
// errors for the wrong kind or an out-of-range value.
type argReader struct {
	q    *queryPlanner
	fn   string
	pos  sql.Pos
	args []sql.Expr
}

// literal returns argument i as a literal, negated when written -x.
func (a argReader) literal(i int) (*sql.Literal, bool) {
	switch e := a.args[i].(type) {
	case *sql.Literal:
		return e, false
	case *sql.Unary:
		if l, ok := e.X.(*sql.Literal); ok && (e.Op == "-" || e.Op == "+") {
			return l, e.Op == "-"
		}
	}
	return nil, false
}

// int reads argument i, an integer in [lo, hi]; def when absent (def 0
// with lo > 0 never happens for an optional argument).
func (a argReader) int(i int, name string, lo, hi, def int64) (int64, error) {
	if i >= len(a.args) {
		return def, nil
	}
	pos := a.args[i].ExprPos()
	l, neg := a.literal(i)
	if l == nil || l.Kind != sql.LitInt {
		return 0, a.q.errorf(pos, "%s: %s must be an integer from %d to %d", a.fn, name, lo, hi)
	}
	v, err := strconv.ParseInt(l.Text, 10, 64)
	if neg {
		v = -v
	}
	if err != nil || v < lo || v > hi {
		return 0, a.q.errorf(pos, "%s: %s must be an integer from %d to %d, not %s", a.fn, name, lo, hi, sql.FormatExpr(a.args[i]))
	}
	return v, nil
}

// float reads argument i, a positive number.
func (a argReader) float(i int, name string) (float64, error) {
	pos := a.args[i].ExprPos()
	l, neg := a.literal(i)
	if l != nil && (l.Kind == sql.LitInt || l.Kind == sql.LitDecimal || l.Kind == sql.LitFloat) {
		v, err := strconv.ParseFloat(l.Text, 64)
		if err == nil && !neg && v > 0 && !math.IsInf(v, 0) {
			return v, nil
		}
	}
	return 0, a.q.errorf(pos, "%s: %s must be a number above 0, not %s", a.fn, name, sql.FormatExpr(a.args[i]))
}

// bool reads argument i, TRUE or FALSE; def when absent.
func (a argReader) bool(i int, name string, def bool) (bool, error) {
	if i >= len(a.args) {
		return def, nil
	}
	l, _ := a.literal(i)
	if l == nil || l.Kind != sql.LitBool {
		return false, a.q.errorf(a.args[i].ExprPos(), "%s: %s must be TRUE or FALSE", a.fn, name)
	}
	return l.Bool, nil
}

// str reads argument i, a string literal.
func (a argReader) str(i int, name string) (string, error) {
	l, _ := a.literal(i)
	if l == nil || l.Kind != sql.LitString {
		return "", a.q.errorf(a.args[i].ExprPos(), "%s: %s must be a string literal naming a column of the cursor", a.fn, name)
	}
	return l.Text, nil
}

// lowerTableFunction builds the operator of an analytics table function.
func (b *jobBuilder) lowerTableFunction(n *TableFunction, env exec.Env) (exec.Operator, error) {
	in, err := b.lower(n.Input, env)
	if err != nil {
		return nil, err
	}
	var op exec.Operator
	switch n.Func {
	case "RANDOM_CUT_FOREST", "RANDOM_CUT_FOREST_WITH_EXPLANATION":
		cfg := n.RCF
		cfg.Columns, cfg.Names, cfg.Alloc = n.Columns, n.Names, env.Alloc
		op, err = window.NewRandomCutForest(in, cfg)
	case "HOTSPOTS":
		cfg := n.Hot
		cfg.Columns, cfg.Alloc = n.Columns, env.Alloc
		op, err = window.NewHotspots(in, cfg)
	default:
		et, eerr := b.s.inputEventTime(n.Input)
		if eerr != nil {
			in.Close()
			return nil, eerr
		}
		cfg := window.ItemsConfig{Column: n.Column, Window: n.Window, Lateness: et.Lateness, Late: et.Late,
			Errors: env.Errors, Pump: env.Pump, Alloc: env.Alloc, Clock: env.Clock}
		if n.Func == "TOP_K_ITEMS_TUMBLING" {
			op, err = window.NewTopK(in, cfg, n.K)
		} else {
			op, err = window.NewDistinctItems(in, cfg)
		}
		if err == nil {
			b.countLate(env.Pump, et.Late, op)
		}
	}
	if err != nil {
		in.Close()
		return nil, err
	}
	return b.stateful(env.Pump, op, nil)
}
