package exec

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Errors of binding and evaluating scalar functions. Bind errors wrap
// ErrUnknownFunction or ErrArgumentTypes; row errors recorded with
// EvalContext.RowError wrap ErrDivideByZero, ErrOverflow, ErrCast or
// ErrInvalidArgument. Test them with errors.Is.
var (
	// ErrUnknownFunction is wrapped when Bind is asked for a function the
	// library does not have.
	ErrUnknownFunction = errors.New("exec: unknown function")
	// ErrArgumentTypes is wrapped when a function is called with the wrong
	// number or types of arguments; the message says what it takes.
	ErrArgumentTypes = errors.New("exec: wrong argument types")
	// ErrDivideByZero is wrapped by the row error of an integer or decimal
	// division or modulo by zero.
	ErrDivideByZero = errors.New("exec: division by zero")
	// ErrOverflow is wrapped by the row error of a result that does not fit
	// its type.
	ErrOverflow = errors.New("exec: numeric overflow")
	// ErrCast is wrapped by the row error of a value that cannot be
	// converted (bad text, out of range).
	ErrCast = errors.New("exec: invalid cast")
	// ErrInvalidArgument is wrapped by the row error of an argument outside
	// a function's domain (the square root of a negative number, a bad
	// regular expression or unit).
	ErrInvalidArgument = errors.New("exec: invalid argument")
)

// execError is an error with its own message that still matches a sentinel.
type execError struct {
	msg  string
	kind error
}

func (e *execError) Error() string { return e.msg }
func (e *execError) Unwrap() error { return e.kind }

func newError(kind error, format string, args ...any) error {
	return &execError{msg: fmt.Sprintf(format, args...), kind: kind}
}

// binder checks the arguments of one function and builds its call.
type binder func(name string, args []Expr) (Expr, error)

type funcDef struct {
	bind binder
	// fold is true when a call whose arguments are all constant may be
	// evaluated once at Bind.
	fold bool
}

// Functions is an immutable library of scalar functions, looked up by lower
// case name. It is a plain value: the planner holds one and binds calls
// against it; it is safe for concurrent use.
type Functions struct {
	defs  map[string]funcDef
	names []string
}

// DefaultFunctions returns the library of every built-in scalar function.
func DefaultFunctions() *Functions {
	f := &Functions{defs: map[string]funcDef{}}
	reg := func(fold bool, b binder, names ...string) {
		for _, n := range names {
			if _, dup := f.defs[n]; dup {
				panic("exec: function " + n + " registered twice")
			}
			f.defs[n] = funcDef{bind: b, fold: fold}
			f.names = append(f.names, n)
		}
	}
	registerArith(reg)
	registerCompare(reg)
	registerLogic(reg)
	registerLike(reg)
	registerStrings(reg)
	registerRegex(reg)
	registerMath(reg)
	registerTime(reg)
	registerDateFormat(reg)
	registerTruncate(reg)
	registerHash(reg)
	registerText(reg)
	registerJSON(reg)
	registerLogParse(reg)
	registerOverlaps(reg)
	sort.Strings(f.names)
	return f
}

// registrar adds functions to a library being built.
type registrar func(fold bool, b binder, names ...string)

// Has reports whether the library has a function called name.
func (f *Functions) Has(name string) bool {
	_, ok := f.defs[name]
	return ok
}

// Names returns the sorted names of every function; the caller may keep
// the slice.
func (f *Functions) Names() []string { return append([]string(nil), f.names...) }

// Bind checks the arguments of a call to the function name (lower case),
// picks its kernel and returns the call. When the function is deterministic
// and every argument is constant, the call is evaluated once and a constant
// returned instead (unless that evaluation fails on its row, in which case
// the failure is left to happen, and be reported, at run time).
func (f *Functions) Bind(name string, args ...Expr) (Expr, error) {
	def, ok := f.defs[name]
	if !ok {
		return nil, newError(ErrUnknownFunction, "exec: unknown function %q", name)
	}
	args = append([]Expr(nil), args...)
	for i, a := range args {
		if a == nil {
			return nil, fmt.Errorf("exec: function %s: argument %d is nil", name, i+1)
		}
	}
	e, err := def.bind(name, args)
	if err != nil {
		return nil, err
	}
	if def.fold && allConst(args) {
		return foldConst(e), nil
	}
	return e, nil
}

func allConst(args []Expr) bool {
	for _, a := range args {
		if _, ok := ConstValue(a); !ok {
			return false
		}
	}
	return true
}

// foldConst evaluates a constant expression on one row and returns it as a
// literal, or e itself when the evaluation fails.
func foldConst(e Expr) Expr {
	if _, ok := e.(*literal); ok {
		return e
	}
	ec := &EvalContext{Alloc: memory.NewGoAllocator()}
	batch := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer batch.Release()
	arr, err := e.Eval(ec, batch)
	if err != nil {
		return e
	}
	defer arr.Release()
	if len(ec.TakeRowErrors()) > 0 || arr.Len() != 1 {
		return e
	}
	return &literal{val: valueAt(arr, 0), typ: e.DataType()}
}

func argTypesError(name string, args []Expr, want string) error {
	types := make([]string, len(args))
	for i, a := range args {
		types[i] = typeName(a.DataType())
	}
	return newError(ErrArgumentTypes, "exec: function %s does not accept (%s); it takes %s", name, strings.Join(types, ", "), want)
}

func arityError(name string, got int, want string) error {
	return newError(ErrArgumentTypes, "exec: function %s takes %s arguments, got %d", name, want, got)
}

// coerce converts e to type to with an implicit cast.
func coerce(e Expr, to arrow.DataType) (Expr, error) {
	if arrow.TypeEqual(e.DataType(), to) {
		return e, nil
	}
	return Cast(e, to)
}

// kernel computes a call's result for n rows from its evaluated arguments.
// The operands' arrays belong to the caller.
type kernel func(ec *EvalContext, n int, ops []operand) (arrow.Array, error)

// call is a bound function call evaluated by a kernel.
type call struct {
	name string
	args []Expr
	typ  arrow.DataType
	// strict calls return NULL when any argument is NULL; a NULL constant
	// argument makes every row NULL without running the kernel.
	strict bool
	kern   kernel
}

var _ Expr = (*call)(nil)

func newCall(name string, typ arrow.DataType, strict bool, k kernel, args ...Expr) *call {
	return &call{name: name, args: args, typ: typ, strict: strict, kern: k}
}

// DataType returns the result type.
func (c *call) DataType() arrow.DataType { return c.typ }

// Eval evaluates the arguments (constants stay scalars) and runs the kernel.
func (c *call) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	var buf [4]operand
	ops := buf[:0]
	defer func() { releaseOperands(ops) }()
	for _, a := range c.args {
		o, err := evalOperand(ec, a, batch)
		if err != nil {
			return nil, err
		}
		ops = append(ops, o)
		if c.strict && o.isNullConst() {
			return array.MakeArrayOfNull(ec.Alloc, c.typ, n), nil
		}
	}
	return c.kern(ec, n, ops)
}

// String returns name(arg, …).
func (c *call) String() string { return callString(c.name, c.args) }

func callString(name string, args []Expr) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	return b.String()
}

// named shows a call that Bind built from other calls under its own name.
type named struct {
	Expr
	name string
	args []Expr
}

// String returns name(arg, …).
func (e *named) String() string { return callString(e.name, e.args) }
