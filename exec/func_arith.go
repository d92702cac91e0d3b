package exec

import (
	"math"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

type arithOp int

const (
	opAdd arithOp = iota
	opSub
	opMul
	opDiv
	opMod
)

var arithOps = map[string]arithOp{"add": opAdd, "subtract": opSub, "multiply": opMul, "divide": opDiv, "mod": opMod}

var arithSigs = map[arithOp]string{
	opAdd: "(numeric, numeric), (timestamp, interval), (interval, timestamp), (timestamp, interval month), " +
		"(date, interval), (date, interval month), (interval, interval) or (interval month, interval month)",
	opSub: "(numeric, numeric), (timestamp, interval), (timestamp, timestamp), (timestamp, interval month), " +
		"(date, interval), (date, interval month), (date, date), (interval, interval) or (interval month, interval month)",
	opMul: "(numeric, numeric), (interval, integer) or (integer, interval)",
	opDiv: "(numeric, numeric) or (interval, integer)",
	opMod: "(numeric, numeric)",
}

var (
	errAddOverflow = newError(ErrOverflow, "exec: add: integer overflow")
	errSubOverflow = newError(ErrOverflow, "exec: subtract: integer overflow")
	errMulOverflow = newError(ErrOverflow, "exec: multiply: integer overflow")
	errDivOverflow = newError(ErrOverflow, "exec: divide: integer overflow")
	errNegOverflow = newError(ErrOverflow, "exec: negate: integer overflow")
	errDivZero     = newError(ErrDivideByZero, "exec: divide: division by zero")
	errModZero     = newError(ErrDivideByZero, "exec: mod: division by zero")
	errDecOverflow = newError(ErrOverflow, "exec: decimal overflow")
)

func registerArith(reg registrar) {
	reg(true, bindArith, "add", "subtract", "multiply", "divide", "mod")
	reg(true, bindNegate, "negate")
}

func bindArith(name string, args []Expr) (Expr, error) {
	op := arithOps[name]
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	a, b := args[0].DataType(), args[1].DataType()
	switch {
	case isNullType(a) && isNullType(b):
		return &literal{typ: arrow.PrimitiveTypes.Int64}, nil
	case isNullType(a):
		return bindArith(name, []Expr{&literal{typ: b}, args[1]})
	case isNullType(b):
		return bindArith(name, []Expr{args[0], &literal{typ: a}})
	case isNumeric(a) && isNumeric(b):
		return bindNumericArith(name, op, args)
	}
	if e, err := bindTemporalArith(name, op, args); e != nil || err != nil {
		return e, err
	}
	return nil, argTypesError(name, args, arithSigs[op])
}

func bindNumericArith(name string, op arithOp, args []Expr) (Expr, error) {
	a, b := args[0].DataType(), args[1].DataType()
	if (isDecimal(a) || isDecimal(b)) && !isFloat(a) && !isFloat(b) {
		return bindDecimalArith(name, op, args)
	}
	typ, _ := commonNumeric(a, b)
	x, err := coerce(args[0], typ)
	if err != nil {
		return nil, err
	}
	y, err := coerce(args[1], typ)
	if err != nil {
		return nil, err
	}
	var k kernel
	switch typ.ID() {
	case arrow.INT8:
		k = intArith[int8](op, typ)
	case arrow.INT16:
		k = intArith[int16](op, typ)
	case arrow.INT32:
		k = intArith[int32](op, typ)
	case arrow.INT64:
		k = intArith[int64](op, typ)
	case arrow.FLOAT32:
		k = floatArith[float32](op, typ)
	default:
		k = floatArith[float64](op, typ)
	}
	return newCall(name, typ, true, k, x, y), nil
}

// mulOverflows reports whether x*y overflowed T, given r = x*y wrapped.
func mulOverflows[T integer](x, y, r T) bool {
	if unsafe.Sizeof(x) < 8 {
		w := int64(x) * int64(y)
		return w != int64(r)
	}
	hi, lo := bits.Mul64(uint64(x), uint64(y))
	// Signed high word from the unsigned product.
	h := int64(hi)
	if x < 0 {
		h -= int64(y)
	}
	if y < 0 {
		h -= int64(x)
	}
	return h != int64(lo)>>63
}

func minOf[T integer]() T {
	var x T
	return T(-1) << (unsafe.Sizeof(x)*8 - 1)
}

// intArith is checked integer arithmetic; overflow and division by zero
// are row errors. Constants are read through a zero index mask.
func intArith[T integer](op arithOp, typ arrow.DataType) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		a, am := fixedOperand(ops[0], numConv[T])
		b, bm := fixedOperand(ops[1], numConv[T])
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[T](ec.Alloc, n)
		minT := minOf[T]()
		switch op {
		case opAdd:
			for i := range out {
				x, y := a[i&am], b[i&bm]
				r := x + y
				out[i] = r
				if (x^r)&(y^r) < 0 {
					v.fail(ec, i, errAddOverflow)
				}
			}
		case opSub:
			for i := range out {
				x, y := a[i&am], b[i&bm]
				r := x - y
				out[i] = r
				if (x^y)&(x^r) < 0 {
					v.fail(ec, i, errSubOverflow)
				}
			}
		case opMul:
			for i := range out {
				x, y := a[i&am], b[i&bm]
				r := x * y
				out[i] = r
				if mulOverflows(x, y, r) {
					v.fail(ec, i, errMulOverflow)
				}
			}
		case opDiv:
			for i := range out {
				x, y := a[i&am], b[i&bm]
				if y == 0 {
					v.fail(ec, i, errDivZero)
					continue
				}
				if y == -1 && x == minT {
					v.fail(ec, i, errDivOverflow)
					continue
				}
				out[i] = x / y
			}
		case opMod:
			if bm == 0 && b[0] != 0 {
				// Constant non-zero divisor: no per-row checks.
				y := b[0]
				for i := range out {
					out[i] = a[i&am] % y
				}
				break
			}
			for i := range out {
				x, y := a[i&am], b[i&bm]
				if y == 0 {
					v.fail(ec, i, errModZero)
					continue
				}
				out[i] = x % y
			}
		}
		return newArray(typ, n, v, buf), nil
	}
}

// floatArith is IEEE arithmetic, except that division (and MOD) by zero is
// a row error, as in KDA: the row goes to the error stream.
func floatArith[T float32 | float64](op arithOp, typ arrow.DataType) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		a, am := fixedOperand(ops[0], numConv[T])
		b, bm := fixedOperand(ops[1], numConv[T])
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[T](ec.Alloc, n)
		switch op {
		case opAdd:
			for i := range out {
				out[i] = a[i&am] + b[i&bm]
			}
		case opSub:
			for i := range out {
				out[i] = a[i&am] - b[i&bm]
			}
		case opMul:
			for i := range out {
				out[i] = a[i&am] * b[i&bm]
			}
		case opDiv:
			for i := range out {
				y := b[i&bm]
				if y == 0 {
					v.fail(ec, i, errDivZero)
					continue
				}
				out[i] = a[i&am] / y
			}
		case opMod:
			for i := range out {
				y := b[i&bm]
				if y == 0 {
					v.fail(ec, i, errModZero)
					continue
				}
				out[i] = T(math.Mod(float64(a[i&am]), float64(y)))
			}
		}
		return newArray(typ, n, v, buf), nil
	}
}

// decimalArithType is the SQL result type of a decimal operation.
func decimalArithType(op arithOp, da, db *arrow.Decimal128Type) *arrow.Decimal128Type {
	ia, ib := da.Precision-da.Scale, db.Precision-db.Scale
	switch op {
	case opAdd, opSub:
		return decimalType(max(ia, ib)+1, max(da.Scale, db.Scale))
	case opMul:
		return decimalType(ia+ib, da.Scale+db.Scale)
	case opDiv:
		scale := max(6, da.Scale+db.Precision+1)
		return decimalType(ia+db.Scale, scale)
	}
	return decimalType(min(ia, ib), max(da.Scale, db.Scale))
}

func bindDecimalArith(name string, op arithOp, args []Expr) (Expr, error) {
	da, _ := decimalOf(args[0].DataType())
	db, _ := decimalOf(args[1].DataType())
	out := decimalArithType(op, da, db)
	// q1 fast path: int64 × decimal constant with an int64 unscaled value.
	if op == opMul && out.Scale == da.Scale+db.Scale {
		for i := 0; i < 2; i++ {
			col, cst := args[i], args[1-i]
			v, ok := ConstValue(cst)
			if !ok || col.DataType().ID() != arrow.INT64 || v == nil {
				continue
			}
			if c, ok := v.(decimal128.Num); ok && isInt64Num(c) {
				k := mulInt64ByConst(out, c.LowBits())
				return newCall(name, out, true, k, col, cst), nil
			}
		}
	}
	return newCall(name, out, true, decimalArith(op, da, db, out), args[0], args[1]), nil
}

func isInt64Num(n decimal128.Num) bool {
	lo := n.LowBits()
	return (n.HighBits() == 0 && lo < 1<<63) || (n.HighBits() == -1 && lo >= 1<<63)
}

// mulInt64ByConst multiplies an int64 column by an unscaled decimal that
// fits an int64: a 64×64→128-bit product, which always fits the result.
func mulInt64ByConst(typ arrow.DataType, c uint64) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		col := ops[0]
		if col.isConst() {
			col = ops[1]
		}
		a := fixedValues[int64](col.arr)
		v := newValidity(ec.Alloc, n, col)
		buf, out := newFixed[decimal128.Num](ec.Alloc, n)
		cs := int64(c)
		for i := range out {
			x := a[i]
			hi, lo := bits.Mul64(uint64(x), c)
			h := int64(hi)
			if x < 0 {
				h -= cs
			}
			if cs < 0 {
				h -= x
			}
			out[i] = decimal128.New(h, lo)
		}
		return newArray(typ, n, v, buf), nil
	}
}

// decOperand reads an exact numeric operand as unscaled decimals of its
// own scale.
func decOperand(o operand) func(int) decimal128.Num {
	if o.isConst() {
		var c decimal128.Num
		switch x := o.val.(type) {
		case decimal128.Num:
			c = x
		case int64:
			c = decimal128.FromI64(x)
		}
		return func(int) decimal128.Num { return c }
	}
	if o.arr.DataType().ID() == arrow.DECIMAL128 {
		v := fixedValues[decimal128.Num](o.arr)
		return func(i int) decimal128.Num { return v[i] }
	}
	g := getInt(o.arr)
	return func(i int) decimal128.Num { return decimal128.FromI64(g(i)) }
}

func decimalArith(op arithOp, da, db, out *arrow.Decimal128Type) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		ga, gb := decOperand(ops[0]), decOperand(ops[1])
		v := newValidity(ec.Alloc, n, ops...)
		buf, res := newFixed[decimal128.Num](ec.Alloc, n)
		for i := range res {
			if !v.valid(i) {
				continue
			}
			x, y := ga(i), gb(i)
			var r decimal128.Num
			ok := true
			switch op {
			case opAdd, opSub:
				var ok1, ok2 bool
				x, ok1 = decRescale(x, da.Scale, out.Scale)
				y, ok2 = decRescale(y, db.Scale, out.Scale)
				if op == opSub {
					y = y.Negate()
				}
				r, ok = decAdd(x, y)
				ok = ok && ok1 && ok2
			case opMul:
				r, ok = decMul(x, y)
				if ok {
					r, ok = decRescale(r, da.Scale+db.Scale, out.Scale)
				}
			case opDiv:
				if y.Sign() == 0 {
					v.fail(ec, i, errDivZero)
					continue
				}
				r, ok = decDiv(x, da.Scale, y, db.Scale, out.Scale)
			case opMod:
				if y.Sign() == 0 {
					v.fail(ec, i, errModZero)
					continue
				}
				var ok1, ok2 bool
				x, ok1 = decRescale(x, da.Scale, out.Scale)
				y, ok2 = decRescale(y, db.Scale, out.Scale)
				_, r = x.Div(y)
				ok = ok1 && ok2
			}
			if !ok || !r.FitsInPrecision(out.Precision) {
				v.fail(ec, i, errDecOverflow)
				continue
			}
			res[i] = r
		}
		return newArray(out, n, v, buf), nil
	}
}

// intOperand reads an integer-like operand (integers, temporal types) as
// int64 per row.
func intOperand(o operand) func(int) int64 {
	if o.isConst() {
		c, _ := o.val.(int64)
		return func(int) int64 { return c }
	}
	return getInt(o.arr)
}

// int64Binary runs f over two integer-like operands into a result of typ
// with physical type T.
func int64Binary[T integer](typ arrow.DataType, err error, f func(x, y int64) (int64, bool)) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		ga, gb := intOperand(ops[0]), intOperand(ops[1])
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[T](ec.Alloc, n)
		for i := range out {
			if !v.valid(i) {
				continue
			}
			r, ok := f(ga(i), gb(i))
			if !ok || int64(T(r)) != r {
				v.fail(ec, i, err)
				continue
			}
			out[i] = T(r)
		}
		return newArray(typ, n, v, buf), nil
	}
}

func bindTemporalArith(name string, op arithOp, args []Expr) (Expr, error) {
	a, b := args[0].DataType(), args[1].DataType()
	x, y := args[0], args[1]
	sameTS := func(typ arrow.DataType, k kernel) (Expr, error) { return newCall(name, typ, true, k, x, y), nil }
	switch {
	case op == opAdd && isTimestamp(a) && isDuration(b), op == opAdd && isDuration(a) && isTimestamp(b):
		return sameTS(TimestampType, intArith[int64](opAdd, TimestampType))
	case op == opSub && isTimestamp(a) && isDuration(b):
		return sameTS(TimestampType, intArith[int64](opSub, TimestampType))
	case op == opSub && isTimestamp(a) && isTimestamp(b):
		return sameTS(IntervalType, intArith[int64](opSub, IntervalType))
	case (op == opAdd || op == opSub) && isDuration(a) && isDuration(b):
		return sameTS(IntervalType, intArith[int64](op, IntervalType))
	case (op == opAdd || op == opSub) && isMonths(a) && isMonths(b):
		return sameTS(MonthIntervalType, intArith[int32](op, MonthIntervalType))
	case (op == opMul || op == opDiv) && isDuration(a) && isInteger(b), op == opMul && isInteger(a) && isDuration(b):
		var err error
		if isInteger(a) {
			x, err = coerce(x, arrow.PrimitiveTypes.Int64)
		} else {
			y, err = coerce(y, arrow.PrimitiveTypes.Int64)
		}
		if err != nil {
			return nil, err
		}
		return sameTS(IntervalType, intArith[int64](op, IntervalType))
	case op == opAdd && isMonths(a) && (isTimestamp(b) || isDate(b)):
		x, y = y, x
		a, b = b, a
		fallthrough
	case (op == opAdd || op == opSub) && (isTimestamp(a) || isDate(a)) && isMonths(b):
		sign := int64(1)
		if op == opSub {
			sign = -1
		}
		if isDate(a) {
			return sameTS(DateType, int64Binary[int32](DateType, errAddOverflow, func(d, m int64) (int64, bool) {
				return floorDiv(addMonths(d*msPerDay, sign*m), msPerDay), true
			}))
		}
		return sameTS(TimestampType, int64Binary[int64](TimestampType, errAddOverflow, func(ts, m int64) (int64, bool) {
			return addMonths(ts, sign*m), true
		}))
	case op == opAdd && isDuration(a) && isDate(b):
		x, y = y, x
		fallthrough
	case (op == opAdd || op == opSub) && isDate(a) && isDuration(b), op == opAdd && isDuration(a) && isDate(b):
		sign := int64(1)
		if op == opSub {
			sign = -1
		}
		return sameTS(DateType, int64Binary[int32](DateType, errAddOverflow, func(d, ms int64) (int64, bool) {
			return d + sign*floorDiv(ms, msPerDay), true
		}))
	case op == opSub && isDate(a) && isDate(b):
		return sameTS(IntervalType, int64Binary[int64](IntervalType, errSubOverflow, func(d1, d2 int64) (int64, bool) {
			return (d1 - d2) * msPerDay, true
		}))
	}
	return nil, nil
}

func bindNegate(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	typ := args[0].DataType()
	var k kernel
	switch typ.ID() {
	case arrow.INT8:
		k = negInt[int8](typ)
	case arrow.INT16:
		k = negInt[int16](typ)
	case arrow.INT32, arrow.INTERVAL_MONTHS:
		k = negInt[int32](typ)
	case arrow.INT64, arrow.DURATION:
		k = negInt[int64](typ)
	case arrow.FLOAT32:
		k = negFloat[float32](typ)
	case arrow.FLOAT64:
		k = negFloat[float64](typ)
	case arrow.DECIMAL128:
		k = func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			return mapFixed(ec, ops[0].arr, typ, errNegOverflow, func(i int) (decimal128.Num, bool) {
				return fixedValues[decimal128.Num](ops[0].arr)[i].Negate(), true
			}), nil
		}
	case arrow.NULL:
		return &literal{typ: typ}, nil
	default:
		return nil, argTypesError(name, args, "(numeric) or (interval)")
	}
	return newCall(name, typ, true, constToArray(k), args[0]), nil
}

// constToArray wraps a unary kernel that needs an array argument; it only
// sees a (non-NULL) constant when folding failed.
func constToArray(k kernel) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		if !ops[0].isConst() {
			return k(ec, n, ops)
		}
		arr, err := constArray(ec.Alloc, ops[0].typ, ops[0].val, n)
		if err != nil {
			return nil, err
		}
		defer arr.Release()
		all := append([]operand{{arr: arr, typ: ops[0].typ}}, ops[1:]...)
		return k(ec, n, all)
	}
}

func negInt[T integer](typ arrow.DataType) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		a := fixedValues[T](ops[0].arr)
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[T](ec.Alloc, n)
		minT := minOf[T]()
		for i := range out {
			if a[i] == minT {
				v.fail(ec, i, errNegOverflow)
				continue
			}
			out[i] = -a[i]
		}
		return newArray(typ, n, v, buf), nil
	}
}

func negFloat[T float32 | float64](typ arrow.DataType) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		a := fixedValues[T](ops[0].arr)
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[T](ec.Alloc, n)
		for i := range out {
			out[i] = -a[i]
		}
		return newArray(typ, n, v, buf), nil
	}
}
