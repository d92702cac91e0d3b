package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// SQL functions (CREATE FUNCTION … RETURN expr) are inlined where they are
// called: the arguments are bound in the caller's scope, cast to the
// parameters' types, and the body is bound with each parameter standing
// for its argument; the result is cast to the RETURNS type. A plan keeps
// no reference to the function, so replacing or dropping it changes only
// the statements planned afterwards.

// specialCalls are names the binder handles itself; a SQL function may not
// take them.
var specialCalls = map[string]bool{
	"FLOOR": true, "CEIL": true, "CEILING": true, "EXTRACT": true, "TRIM": true,
	"OVERLAPS": true, "PROCTIME": true,
}

// binder returns the expression binder for statements of src, which sees
// the session's SQL functions.
func (s *Session) binder(src *sql.Source) *binder {
	return &binder{src: src, fns: s.cfg.Functions, udfs: s.funcs}
}

// createFunction checks a CREATE FUNCTION and records it: its parameters
// are distinct, its body names only parameters, calls neither aggregates
// nor itself (directly or through other SQL functions) and binds with
// parameters of the declared types to a value castable to RETURNS.
func (s *Session) createFunction(st *sql.CreateFunction) (*Result, error) {
	src := st.Src
	lower := strings.ToLower(st.Name)
	if s.cfg.Functions.Has(lower) || aggregateNames[st.Name] || specialCalls[st.Name] {
		return nil, src.Errorf(st.NamePos, "%s is a built-in function; choose another name", st.Name)
	}
	if _, ok := s.funcs[st.Name]; ok && !st.OrReplace {
		return nil, src.Errorf(st.NamePos, "function %s already exists", quoteIdent(st.Name))
	}
	params := map[string]bool{}
	for _, p := range st.Params {
		if params[p.Name] {
			return nil, src.Errorf(p.Pos, "parameter %s is declared twice", quoteIdent(p.Name))
		}
		params[p.Name] = true
	}
	var bad error
	walkExpr(st.Body, func(e sql.Expr) {
		if bad != nil {
			return
		}
		switch e := e.(type) {
		case *sql.ColumnRef:
			if e.Qualifier != "" || !params[e.Name] {
				name := e.Name
				if e.Qualifier != "" {
					name = quoteIdent(e.Qualifier) + "." + quoteIdent(e.Name)
				}
				bad = src.Errorf(e.Pos, "unknown parameter %s in function %s", name, quoteIdent(st.Name))
			}
		case *sql.SubqueryExpr:
			bad = src.Errorf(e.Pos, "a function body cannot hold a subquery")
		case *sql.Call:
			switch {
			case e.Over != nil || aggregateNames[e.Name]:
				bad = src.Errorf(e.Pos, "aggregate %s is not allowed in a function body", e.Name)
			case e.Name == st.Name:
				bad = src.Errorf(e.Pos, "function %s calls itself; recursive functions are not supported", quoteIdent(st.Name))
			case s.funcs[e.Name] != nil:
				if path, ok := s.callsFunction(e.Name, st.Name, nil); ok {
					bad = src.Errorf(e.Pos, "function %s calls itself through %s; recursive functions are not supported",
						quoteIdent(st.Name), strings.Join(path, " → "))
				}
			}
		}
	})
	if bad != nil {
		return nil, bad
	}
	// Bind the body once with typed NULLs for the parameters: type errors
	// show now, positioned in the body.
	b := s.binder(src)
	args := make([]exec.Expr, len(st.Params))
	for i, p := range st.Params {
		lit, err := exec.Literal(nil, ArrowType(p.Type))
		if err != nil {
			return nil, src.Errorf(p.Pos, "%v", err)
		}
		args[i] = lit
	}
	if _, err := b.inlineBody(st, args, st.NamePos); err != nil {
		return nil, err
	}
	if s.funcs == nil {
		s.funcs = map[string]*sql.CreateFunction{}
	}
	s.funcs[st.Name] = st
	return &Result{Text: "CREATE FUNCTION " + quoteIdent(st.Name)}, nil
}

// callsFunction tells whether the body of function from calls target,
// directly or through other SQL functions, and returns the chain of calls.
func (s *Session) callsFunction(from, target string, seen []string) ([]string, bool) {
	if slices.Contains(seen, from) {
		return nil, false
	}
	seen = append(seen, from)
	def := s.funcs[from]
	if def == nil {
		return nil, false
	}
	var path []string
	found := false
	walkExpr(def.Body, func(e sql.Expr) {
		c, ok := e.(*sql.Call)
		if !ok || found {
			return
		}
		if c.Name == target {
			path, found = []string{quoteIdent(from), quoteIdent(target)}, true
			return
		}
		if rest, ok := s.callsFunction(c.Name, target, seen); ok {
			path, found = append([]string{quoteIdent(from)}, rest...), true
		}
	})
	return path, found
}

// dropFunction removes a SQL function that no other function calls.
func (s *Session) dropFunction(st *sql.Drop) (*Result, error) {
	if _, ok := s.funcs[st.Name]; !ok {
		if st.IfExists {
			return &Result{Text: "DROP FUNCTION"}, nil
		}
		return nil, st.Src.Errorf(st.NamePos, "unknown function %s", quoteIdent(st.Name))
	}
	for _, name := range s.functionNames() {
		if name == st.Name {
			continue
		}
		if _, ok := s.callsFunction(name, st.Name, nil); ok {
			return nil, st.Src.Errorf(st.NamePos, "function %s is called by function %s; drop that first", quoteIdent(st.Name), quoteIdent(name))
		}
	}
	delete(s.funcs, st.Name)
	return &Result{Text: "DROP FUNCTION " + quoteIdent(st.Name)}, nil
}

func (s *Session) functionNames() []string {
	names := make([]string, 0, len(s.funcs))
	for n := range s.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// showFunctions lists the SQL functions: NAME(P TYPE, …) RETURNS TYPE.
func (s *Session) showFunctions() string {
	var b strings.Builder
	for _, n := range s.functionNames() {
		f := s.funcs[n]
		b.WriteString(quoteIdent(n) + "(")
		for i, p := range f.Params {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteIdent(p.Name) + " " + TypeText(p.Type))
		}
		b.WriteString(") RETURNS " + TypeText(f.Returns))
		if f.NullOnNull {
			b.WriteString(" RETURNS NULL ON NULL INPUT")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// inline binds a call of the SQL function def: its arguments in sc, then
// its body with the parameters standing for them.
func (b *binder) inline(e *sql.Call, sc *scope, def *sql.CreateFunction) (exec.Expr, error) {
	if slices.Contains(b.inlining, def.Name) {
		return nil, b.errorf(e.Pos, "function %s calls itself; recursive functions are not supported", quoteIdent(def.Name))
	}
	if e.Distinct || e.Star || e.Over != nil || e.Unit != "" {
		return nil, b.errorf(e.Pos, "function %s takes plain arguments", quoteIdent(def.Name))
	}
	if len(e.Args) != len(def.Params) {
		return nil, b.errorf(e.Pos, "function %s takes %d arguments, got %d", quoteIdent(def.Name), len(def.Params), len(e.Args))
	}
	args := make([]exec.Expr, len(e.Args))
	for i, a := range e.Args {
		x, err := b.expr(a, sc)
		if err != nil {
			return nil, err
		}
		p := def.Params[i]
		want := ArrowType(p.Type)
		if !arrow.TypeEqual(x.DataType(), want) {
			if !assignable(x.DataType(), want) {
				return nil, b.errorf(a.ExprPos(), "function %s: argument %d is %s; parameter %s is %s",
					quoteIdent(def.Name), i+1, SQLTypeOf(x.DataType()), quoteIdent(p.Name), TypeText(p.Type))
			}
			c, err := exec.Cast(x, want)
			if err != nil {
				return nil, b.wrap(a.ExprPos(), err)
			}
			x = c
		}
		args[i] = x
	}
	return b.inlineBody(def, args, e.Pos)
}

// inlineBody binds the body of def with args for its parameters (already
// of their types), casts it to the RETURNS type and, for RETURNS NULL ON
// NULL INPUT, makes it NULL where an argument is. Errors in the body are
// positioned in the function's own text.
func (b *binder) inlineBody(def *sql.CreateFunction, args []exec.Expr, at sql.Pos) (exec.Expr, error) {
	body := &binder{src: def.Src, fns: b.fns, udfs: b.udfs, params: map[string]exec.Expr{},
		inlining: append(slices.Clip(b.inlining), def.Name)}
	for i, p := range def.Params {
		body.params[p.Name] = args[i]
	}
	x, err := body.expr(def.Body, &scope{})
	if err != nil {
		return nil, err
	}
	want := ArrowType(def.Returns)
	if !arrow.TypeEqual(x.DataType(), want) {
		if !assignable(x.DataType(), want) {
			return nil, def.Src.Errorf(def.Body.ExprPos(), "function %s returns %s but its body is %s",
				quoteIdent(def.Name), TypeText(def.Returns), SQLTypeOf(x.DataType()))
		}
		if x, err = exec.Cast(x, want); err != nil {
			return nil, def.Src.Errorf(def.Body.ExprPos(), "function %s: %s", quoteIdent(def.Name), strings.TrimPrefix(err.Error(), "exec: "))
		}
	}
	if !def.NullOnNull || len(args) == 0 {
		return x, nil
	}
	nulls := make([]exec.Expr, len(args))
	for i, a := range args {
		if nulls[i], err = b.call(at, "is_null", a); err != nil {
			return nil, err
		}
	}
	cond := nulls[0]
	if len(nulls) > 1 {
		if cond, err = b.call(at, "or", nulls...); err != nil {
			return nil, err
		}
	}
	null, err := exec.Literal(nil, want)
	if err != nil {
		return nil, b.wrap(at, err)
	}
	return b.call(at, "case_when", cond, null, x)
}

// assignable tells whether a value of type from may be passed where to is
// declared: within the numbers, the strings, or the date and time types,
// and NULL anywhere. Other conversions need an explicit CAST (KDA casts
// no argument implicitly).
func assignable(from, to arrow.DataType) bool {
	f, t := typeFamily(from), typeFamily(to)
	return f == "null" || f == t && f != ""
}

func typeFamily(t arrow.DataType) string {
	switch t.ID() {
	case arrow.NULL:
		return "null"
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return "number"
	case arrow.STRING, arrow.LARGE_STRING:
		return "string"
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "binary"
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return "datetime"
	case arrow.BOOL:
		return "boolean"
	}
	return fmt.Sprint(t.ID())
}
