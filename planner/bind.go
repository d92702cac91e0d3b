package planner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// binder compiles SQL expressions against a scope into exec expressions.
type binder struct {
	src *sql.Source
	fns *exec.Functions
	// udfs are the session's SQL functions, inlined where called (udf.go).
	udfs map[string]*sql.CreateFunction
	// params, while a function body is bound, are the arguments its
	// parameters stand for; inlining lists the functions being inlined.
	params   map[string]exec.Expr
	inlining []string
}

// operatorFuncs maps SQL binary operators to exec function names.
var operatorFuncs = map[string]string{
	"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "mod",
	"||": "concat", "=": "equal", "<>": "not_equal", "!=": "not_equal",
	"<": "less", "<=": "less_equal", ">": "greater", ">=": "greater_equal",
	"AND": "and", "OR": "or",
}

// aggregateNames are the functions that aggregate rather than map rows.
var aggregateNames = map[string]bool{
	"COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true,
	"STDDEV_POP": true, "STDDEV_SAMP": true, "STDDEV": true, "VAR_POP": true, "VAR_SAMP": true, "VARIANCE": true,
	"FIRST_VALUE": true, "LAST_VALUE": true, "NTH_VALUE": true, "LAG": true,
}

func (b *binder) errorf(pos sql.Pos, format string, args ...any) error {
	return b.src.Errorf(pos, format, args...)
}

// wrap turns an exec error into a positioned SQL error.
func (b *binder) wrap(pos sql.Pos, err error) error {
	var se *sql.Error
	if errors.As(err, &se) {
		return err
	}
	return b.errorf(pos, "%s", strings.TrimPrefix(err.Error(), "exec: "))
}

func (b *binder) call(pos sql.Pos, name string, args ...exec.Expr) (exec.Expr, error) {
	e, err := b.fns.Bind(name, args...)
	if err != nil {
		return nil, b.wrap(pos, err)
	}
	return e, nil
}

func (b *binder) expr(e sql.Expr, sc *scope) (exec.Expr, error) {
	switch e := e.(type) {
	case *sql.Literal:
		return b.literal(e)
	case *sql.FieldRef:
		x, err := b.expr(e.X, sc)
		if err != nil {
			return nil, err
		}
		f, err := exec.Field(x, e.Field)
		if err != nil {
			return nil, b.wrap(e.Pos, err)
		}
		return f, nil
	case *sql.ColumnRef:
		if x, ok := b.params[e.Name]; ok && e.Qualifier == "" {
			return x, nil
		}
		idx, err := sc.resolve(e.Qualifier, e.Name)
		if err != nil && e.Qualifier != "" {
			// REC.COLUMN1: a field of the row-valued column REC
			if ri, rerr := sc.resolve("", e.Qualifier); rerr == nil {
				if _, ok := sc.fields[ri].Type.(*arrow.StructType); ok {
					return b.expr(&sql.FieldRef{Pos: e.Pos, X: &sql.ColumnRef{Pos: e.Pos, Name: e.Qualifier}, Field: e.Name}, sc)
				}
			}
		}
		if errors.Is(err, errAmbiguous) {
			return nil, b.errorf(e.Pos, "%v %s: qualify it with the stream name", err, quoteIdent(e.Name))
		}
		if err != nil {
			return nil, b.errorf(e.Pos, "%v", err)
		}
		f := sc.fields[idx]
		return exec.Column(idx, f.Name, f.Type), nil
	case *sql.Unary:
		x, err := b.expr(e.X, sc)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case "-":
			return b.call(e.Pos, "negate", x)
		case "+":
			return x, nil
		case "NOT":
			return b.call(e.Pos, "not", x)
		}
		return nil, b.errorf(e.Pos, "unknown operator %s", e.Op)
	case *sql.Binary:
		fn, ok := operatorFuncs[e.Op]
		if !ok {
			return nil, b.errorf(e.Pos, "unknown operator %s", e.Op)
		}
		l, err := b.expr(e.L, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(e.R, sc)
		if err != nil {
			return nil, err
		}
		return b.call(e.Pos, fn, l, r)
	case *sql.IsNull:
		x, err := b.expr(e.X, sc)
		if err != nil {
			return nil, err
		}
		if e.Not {
			return b.call(e.Pos, "is_not_null", x)
		}
		return b.call(e.Pos, "is_null", x)
	case *sql.Between:
		args, err := b.exprs(sc, e.X, e.Lo, e.Hi)
		if err != nil {
			return nil, err
		}
		return b.negated(e.Pos, e.Not, "between", args...)
	case *sql.InList:
		args, err := b.exprs(sc, append([]sql.Expr{e.X}, e.List...)...)
		if err != nil {
			return nil, err
		}
		return b.negated(e.Pos, e.Not, "in", args...)
	case *sql.Like:
		parts := []sql.Expr{e.X, e.Pattern}
		if e.Escape != nil {
			parts = append(parts, e.Escape)
		}
		args, err := b.exprs(sc, parts...)
		if err != nil {
			return nil, err
		}
		fn := "like"
		if e.Similar {
			fn = "similar_to"
		}
		return b.negated(e.Pos, e.Not, fn, args...)
	case *sql.Case:
		return b.caseExpr(e, sc)
	case *sql.Cast:
		x, err := b.expr(e.X, sc)
		if err != nil {
			return nil, err
		}
		c, err := exec.Cast(x, ArrowType(e.Type))
		if err != nil {
			return nil, b.wrap(e.Pos, err)
		}
		return c, nil
	case *sql.Call:
		return b.callExpr(e, sc)
	case *sql.SubqueryExpr:
		return nil, b.errorf(e.Pos, "subqueries in expressions are not supported")
	}
	return nil, fmt.Errorf("planner: unknown expression %T", e)
}

func (b *binder) exprs(sc *scope, es ...sql.Expr) ([]exec.Expr, error) {
	out := make([]exec.Expr, len(es))
	for i, e := range es {
		x, err := b.expr(e, sc)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (b *binder) negated(pos sql.Pos, not bool, fn string, args ...exec.Expr) (exec.Expr, error) {
	x, err := b.call(pos, fn, args...)
	if err != nil || !not {
		return x, err
	}
	return b.call(pos, "not", x)
}

func (b *binder) caseExpr(e *sql.Case, sc *scope) (exec.Expr, error) {
	var operand exec.Expr
	if e.Operand != nil {
		x, err := b.expr(e.Operand, sc)
		if err != nil {
			return nil, err
		}
		operand = x
	}
	var args []exec.Expr
	for _, w := range e.Whens {
		c, err := b.expr(w.Cond, sc)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if c, err = b.call(w.Cond.ExprPos(), "equal", operand, c); err != nil {
				return nil, err
			}
		}
		r, err := b.expr(w.Result, sc)
		if err != nil {
			return nil, err
		}
		args = append(args, c, r)
	}
	var els exec.Expr
	if e.Else != nil {
		x, err := b.expr(e.Else, sc)
		if err != nil {
			return nil, err
		}
		els = x
	} else {
		x, err := exec.Literal(nil, args[1].DataType())
		if err != nil {
			return nil, b.wrap(e.Pos, err)
		}
		els = x
	}
	return b.call(e.Pos, "case_when", append(args, els)...)
}

// timeUnitFuncs are calls whose Unit becomes a leading or trailing string
// argument.
func (b *binder) callExpr(e *sql.Call, sc *scope) (exec.Expr, error) {
	if e.Filter != nil && e.Over == nil && !aggregateNames[e.Name] {
		return nil, b.errorf(e.FilterPos, "FILTER (WHERE …) applies only to an aggregate call")
	}
	if def, ok := b.udfs[e.Name]; ok {
		return b.inline(e, sc, def)
	}
	if e.Over != nil || aggregateNames[e.Name] {
		return nil, b.errorf(e.Pos, "aggregate %s is not allowed here", e.Name)
	}
	args, err := b.exprs(sc, e.Args...)
	if err != nil {
		return nil, err
	}
	unit := func() (exec.Expr, error) {
		l, err := exec.Literal(e.Unit, arrow.BinaryTypes.String)
		if err != nil {
			return nil, b.wrap(e.Pos, err)
		}
		return l, nil
	}
	switch e.Name {
	case "FLOOR", "CEIL", "CEILING":
		if e.Unit == "" {
			break
		}
		u, err := unit()
		if err != nil {
			return nil, err
		}
		fn := "floor_time"
		if e.Name != "FLOOR" {
			fn = "ceil_time"
		}
		return b.call(e.Pos, fn, append(args, u)...)
	case "EXTRACT":
		u, err := unit()
		if err != nil {
			return nil, err
		}
		return b.call(e.Pos, "extract", append([]exec.Expr{u}, args...)...)
	case "TRIM":
		side := e.Unit
		if side == "" {
			side = "BOTH"
		}
		s, err := exec.Literal(side, arrow.BinaryTypes.String)
		if err != nil {
			return nil, b.wrap(e.Pos, err)
		}
		if len(args) == 1 {
			sp, err := exec.Literal(" ", arrow.BinaryTypes.String)
			if err != nil {
				return nil, b.wrap(e.Pos, err)
			}
			args = append(args, sp)
		}
		return b.call(e.Pos, "trim", args[0], args[1], s)
	}
	name := strings.ToLower(e.Name)
	switch name {
	case "ceiling":
		name = "ceil"
	case "proctime":
		name = "current_row_timestamp" // Flink's processing time
	}
	return b.callAs(e.Pos, name, b.typed(e.Pos, e.Name), args...)
}

// typed returns the name of the call at pos as the user spelled it (Lpad,
// lpad), or name when the text there is not that name.
func (b *binder) typed(pos sql.Pos, name string) string {
	p := int(pos)
	if p < 0 || p+len(name) > len(b.src.Text) {
		return name
	}
	if t := b.src.Text[p : p+len(name)]; strings.EqualFold(t, name) {
		return t
	}
	return name
}

// callAs binds a call of name; its errors name the function as the user
// typed it.
func (b *binder) callAs(pos sql.Pos, name, typed string, args ...exec.Expr) (exec.Expr, error) {
	e, err := b.fns.Bind(name, args...)
	if err == nil {
		return e, nil
	}
	msg := strings.TrimPrefix(err.Error(), "exec: ")
	if typed != name {
		msg = renameFunc(msg, name, typed)
	}
	return nil, b.errorf(pos, "%s", msg)
}

// renameFunc replaces the function name in a bind error message by the
// user's spelling: "function lpad …", "unknown function \"lpad\"",
// "lpad: …".
func renameFunc(msg, name, typed string) string {
	for _, pat := range []string{"function %s ", "function %s:", "function %q", "%s: "} {
		from, to := fmt.Sprintf(pat, name), fmt.Sprintf(pat, typed)
		if strings.Contains(msg, from) {
			return strings.Replace(msg, from, to, 1)
		}
	}
	return msg
}

func (b *binder) literal(l *sql.Literal) (exec.Expr, error) {
	var v any
	var t arrow.DataType
	switch l.Kind {
	case sql.LitNull:
		v, t = nil, arrow.Null
	case sql.LitBool:
		v, t = l.Bool, arrow.FixedWidthTypes.Boolean
	case sql.LitInt:
		n, err := strconv.ParseInt(l.Text, 10, 64)
		if err != nil {
			return b.decimalLiteral(l)
		}
		v, t = n, arrow.PrimitiveTypes.Int64
	case sql.LitDecimal:
		return b.decimalLiteral(l)
	case sql.LitFloat:
		f, err := strconv.ParseFloat(l.Text, 64)
		if err != nil {
			return nil, b.errorf(l.Pos, "bad number %s", l.Text)
		}
		v, t = f, arrow.PrimitiveTypes.Float64
	case sql.LitString:
		v, t = l.Text, arrow.BinaryTypes.String
	case sql.LitInterval:
		if l.Interval.Months != 0 {
			v, t = l.Interval.Months, exec.MonthIntervalType
		} else {
			v, t = l.Interval.Millis, exec.IntervalType
		}
	case sql.LitTimestamp:
		ms, err := parseTimestampLiteral(l.Text)
		if err != nil {
			return nil, b.errorf(l.Pos, "bad TIMESTAMP literal '%s': %v", l.Text, err)
		}
		v, t = ms, exec.TimestampType
	case sql.LitDate:
		d, err := time.Parse("2006-01-02", strings.TrimSpace(l.Text))
		if err != nil {
			return nil, b.errorf(l.Pos, "bad DATE literal '%s'", l.Text)
		}
		v, t = d.Unix()/86400, exec.DateType
	case sql.LitTime:
		return nil, b.errorf(l.Pos, "TIME literals are not supported")
	}
	x, err := exec.Literal(v, t)
	if err != nil {
		return nil, b.wrap(l.Pos, err)
	}
	return x, nil
}

func (b *binder) decimalLiteral(l *sql.Literal) (exec.Expr, error) {
	digits := strings.TrimLeft(strings.Replace(strings.TrimPrefix(l.Text, "-"), ".", "", 1), "0")
	scale := 0
	if i := strings.IndexByte(l.Text, '.'); i >= 0 {
		scale = len(l.Text) - i - 1
	}
	prec := len(digits)
	if prec < scale {
		prec = scale
	}
	if prec == 0 {
		prec = 1
	}
	if prec > 38 {
		return nil, b.errorf(l.Pos, "number %s has more than 38 digits", l.Text)
	}
	n, err := decimal128.FromString(l.Text, int32(prec), int32(scale))
	if err != nil {
		return nil, b.errorf(l.Pos, "bad number %s", l.Text)
	}
	x, err := exec.Literal(n, &arrow.Decimal128Type{Precision: int32(prec), Scale: int32(scale)})
	if err != nil {
		return nil, b.wrap(l.Pos, err)
	}
	return x, nil
}

// parseTimestampLiteral reads 'YYYY-MM-DD HH:MM:SS[.fff]' (or ISO 8601).
func parseTimestampLiteral(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("want YYYY-MM-DD HH:MM:SS[.fff]")
}

// quoteIdent double-quotes a name unless it is a plain upper-case word.
func quoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r >= 'A' && r <= 'Z' || r == '_' || (i > 0 && r >= '0' && r <= '9')) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
