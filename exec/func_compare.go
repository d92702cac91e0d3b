package exec

import (
	"cmp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Comparison outcomes as a bit set: less, equal, greater.
const (
	cmpLT = 1
	cmpEQ = 2
	cmpGT = 4
)

var cmpOps = map[string]int{
	"equal":         cmpEQ,
	"not_equal":     cmpLT | cmpGT,
	"less":          cmpLT,
	"less_equal":    cmpLT | cmpEQ,
	"greater":       cmpGT,
	"greater_equal": cmpGT | cmpEQ,
}

const cmpSig = "two values of comparable types: numbers, strings, booleans, timestamps and dates, dates, intervals, or binary"

func registerCompare(reg registrar) {
	reg(true, bindCompare, "equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
	reg(true, bindBetween, "between")
	reg(true, bindIn, "in")
}

// orderable reports whether values of type t can be ordered.
func orderable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128,
		arrow.STRING, arrow.BINARY, arrow.BOOL, arrow.TIMESTAMP, arrow.DATE32, arrow.TIME32, arrow.DURATION,
		arrow.INTERVAL_MONTHS, arrow.NULL:
		return true
	}
	return false
}

// unify converts every argument to their common type.
func unify(name string, args []Expr, sig string) ([]Expr, arrow.DataType, error) {
	typ := arrow.DataType(arrow.Null)
	for _, a := range args {
		t, ok := commonType(typ, a.DataType())
		if !ok || !orderable(a.DataType()) {
			return nil, nil, argTypesError(name, args, sig)
		}
		typ = t
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		c, err := coerce(a, typ)
		if err != nil {
			return nil, nil, argTypesError(name, args, sig)
		}
		out[i] = c
	}
	return out, typ, nil
}

func bindCompare(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv, typ, err := unify(name, args, cmpSig)
	if err != nil {
		return nil, err
	}
	return newCall(name, arrow.FixedWidthTypes.Boolean, true, compareKernel(cmpOps[name], typ), conv...), nil
}

func compareKernel(mask int, typ arrow.DataType) kernel {
	switch typ.ID() {
	case arrow.INT8:
		return cmpFixed[int8](mask)
	case arrow.INT16:
		return cmpFixed[int16](mask)
	case arrow.INT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS:
		return cmpFixed[int32](mask)
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION:
		return cmpFixed[int64](mask)
	case arrow.FLOAT32:
		return cmpFixed[float32](mask)
	case arrow.FLOAT64:
		return cmpFixed[float64](mask)
	case arrow.DECIMAL128:
		return cmpBy(mask, func(o operand) func(int) decimal128.Num { return decOperand(o) }, func(x, y decimal128.Num) int { return x.Cmp(y) })
	case arrow.STRING, arrow.BINARY:
		return cmpBy(mask, stringOperand, strings.Compare)
	case arrow.BOOL:
		return cmpBy(mask, boolGetter, func(x, y bool) int { return int(b2u(x)) - int(b2u(y)) })
	}
	// NULL compared with NULL.
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		return constArray(ec.Alloc, arrow.FixedWidthTypes.Boolean, nil, n)
	}
}

func boolGetter(o operand) func(int) bool {
	bits, off, mask := boolOperand(o)
	return func(i int) bool { return bits[(off+(i&mask))>>3]&(1<<((off+(i&mask))&7)) != 0 }
}

// cmpFixed compares fixed-width numbers, building the bitmap directly.
func cmpFixed[T cmp.Ordered](mask int) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		a, am := fixedOperand(ops[0], numConv2[T])
		b, bm := fixedOperand(ops[1], numConv2[T])
		v := newValidity(ec.Alloc, n, ops...)
		buf, bits := newBits(ec.Alloc, n)
		m := byte(mask)
		if !isFloat(ops[0].typ) {
			for i := 0; i < n; i++ {
				x, y := a[i&am], b[i&bm]
				c := 1 + b2u(x > y) - b2u(x < y) // 0 less, 1 equal, 2 greater
				bits[i>>3] |= ((m >> c) & 1) << (i & 7)
			}
			return newArray(arrow.FixedWidthTypes.Boolean, n, v, buf), nil
		}
		for i := 0; i < n; i++ {
			x, y := a[i&am], b[i&bm]
			c := 1 + b2u(x > y) - b2u(x < y)
			if x != x || y != y {
				// NaN is unordered: only not_equal holds.
				if mask == cmpLT|cmpGT {
					bits[i>>3] |= 1 << (i & 7)
				}
				continue
			}
			bits[i>>3] |= ((m >> c) & 1) << (i & 7)
		}
		return newArray(arrow.FixedWidthTypes.Boolean, n, v, buf), nil
	}
}

// numConv2 is numConv for any ordered fixed-width T.
func numConv2[T cmp.Ordered](v any) T {
	var zero T
	switch p := any(&zero).(type) {
	case *int8:
		*p = numConv[int8](v)
	case *int16:
		*p = numConv[int16](v)
	case *int32:
		*p = numConv[int32](v)
	case *int64:
		*p = numConv[int64](v)
	case *float32:
		*p = numConv[float32](v)
	case *float64:
		*p = numConv[float64](v)
	}
	return zero
}

// cmpBy compares values read through per-row getters.
func cmpBy[T any](mask int, get func(operand) func(int) T, compare func(x, y T) int) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		ga, gb := get(ops[0]), get(ops[1])
		v := newValidity(ec.Alloc, n, ops...)
		buf, bits := newBits(ec.Alloc, n)
		m := byte(mask)
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				continue
			}
			c := compare(ga(i), gb(i))
			k := byte(1)
			if c < 0 {
				k = 0
			} else if c > 0 {
				k = 2
			}
			bits[i>>3] |= ((m >> k) & 1) << (i & 7)
		}
		return newArray(arrow.FixedWidthTypes.Boolean, n, v, buf), nil
	}
}

// bindBetween binds x BETWEEN lo AND hi as x >= lo AND x <= hi.
func bindBetween(name string, args []Expr) (Expr, error) {
	if len(args) != 3 {
		return nil, arityError(name, len(args), "3")
	}
	if _, _, err := unify(name, args, "three values of comparable types"); err != nil {
		return nil, err
	}
	ge, err := bindCompare("greater_equal", args[:2])
	if err != nil {
		return nil, err
	}
	le, err := bindCompare("less_equal", []Expr{args[0], args[2]})
	if err != nil {
		return nil, err
	}
	and, err := bindLogic("and", []Expr{ge, le})
	if err != nil {
		return nil, err
	}
	return &named{Expr: and, name: name, args: args}, nil
}

// bindIn binds x IN (v1, …): a hash set when every vi is constant,
// otherwise x = v1 OR x = v2 …
func bindIn(name string, args []Expr) (Expr, error) {
	if len(args) < 2 {
		return nil, arityError(name, len(args), "at least 2")
	}
	conv, typ, err := unify(name, args, "a value and a list of values of comparable types")
	if err != nil {
		return nil, err
	}
	if allConst(conv[1:]) {
		return newCall(name, arrow.FixedWidthTypes.Boolean, false, inSetKernel(typ, conv[1:]), conv[0]).withArgs(args), nil
	}
	var or Expr
	for _, v := range conv[1:] {
		eq, err := bindCompare("equal", []Expr{conv[0], v})
		if err != nil {
			return nil, err
		}
		if or == nil {
			or = eq
			continue
		}
		if or, err = bindLogic("or", []Expr{or, eq}); err != nil {
			return nil, err
		}
	}
	return &named{Expr: or, name: name, args: args}, nil
}

// withArgs sets the arguments a call prints.
func (c *call) withArgs(args []Expr) Expr { return &named{Expr: c, name: c.name, args: args} }

// setKey is a value's key in an IN set.
func setKey(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

func inSetKernel(typ arrow.DataType, list []Expr) kernel {
	set := map[any]struct{}{}
	ints := map[int64]struct{}{}
	strs := map[string]struct{}{}
	hasNull := false
	for _, e := range list {
		v, _ := ConstValue(e)
		switch x := v.(type) {
		case nil:
			hasNull = true
		case int64:
			ints[x] = struct{}{}
		case string:
			strs[x] = struct{}{}
		default:
			set[setKey(x)] = struct{}{}
		}
	}
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		x := ops[0]
		if x.isConst() {
			arr, err := constArray(ec.Alloc, typ, x.val, n)
			if err != nil {
				return nil, err
			}
			defer arr.Release()
			x = operand{arr: arr, typ: typ}
		}
		var member func(i int) bool
		switch {
		case getInt(x.arr) != nil && typ.ID() != arrow.BOOL:
			g := getInt(x.arr)
			member = func(i int) bool { _, ok := ints[g(i)]; return ok }
		case isString(typ) || typ.ID() == arrow.BINARY:
			g := stringOperand(x)
			member = func(i int) bool { _, ok := strs[g(i)]; return ok }
		default:
			member = func(i int) bool { _, ok := set[setKey(valueAt(x.arr, i))]; return ok }
		}
		v := newValidity(ec.Alloc, n, x)
		buf, bits := newBits(ec.Alloc, n)
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				continue
			}
			if member(i) {
				bits[i>>3] |= 1 << (i & 7)
			} else if hasNull {
				v.setNull(i)
			}
		}
		return newArray(arrow.FixedWidthTypes.Boolean, n, v, buf), nil
	}
}
