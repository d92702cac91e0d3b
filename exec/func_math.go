package exec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func registerMath(reg registrar) {
	reg(true, bindAbs, "abs")
	reg(true, bindFloorCeil, "floor", "ceil", "ceiling")
	reg(true, bindRound, "round")
	reg(true, bindFloatFunc, "sqrt", "ln", "log10", "exp")
	reg(true, bindPower, "power")
}

var (
	errAbsOverflow = newError(ErrOverflow, "exec: abs: integer overflow")
	errSqrt        = newError(ErrInvalidArgument, "exec: sqrt: negative argument")
	errLog         = newError(ErrInvalidArgument, "exec: logarithm of a number that is not positive")
	errRound       = newError(ErrOverflow, "exec: round: overflow")
)

func bindAbs(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	typ := args[0].DataType()
	var k kernel
	switch typ.ID() {
	case arrow.INT8:
		k = absInt[int8](typ)
	case arrow.INT16:
		k = absInt[int16](typ)
	case arrow.INT32:
		k = absInt[int32](typ)
	case arrow.INT64, arrow.DURATION:
		k = absInt[int64](typ)
	case arrow.FLOAT32:
		k = unaryFloat[float32](typ, func(x float64) (float64, bool) { return math.Abs(x), true }, nil)
	case arrow.FLOAT64:
		k = unaryFloat[float64](typ, func(x float64) (float64, bool) { return math.Abs(x), true }, nil)
	case arrow.DECIMAL128:
		k = func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			v := fixedValues[decimal128.Num](ops[0].arr)
			return mapFixed(ec, ops[0].arr, typ, errAbsOverflow, func(i int) (decimal128.Num, bool) { return v[i].Abs(), true }), nil
		}
	case arrow.NULL:
		return &literal{typ: typ}, nil
	default:
		return nil, argTypesError(name, args, "(numeric) or (interval)")
	}
	return newCall(name, typ, true, constToArray(k), args...), nil
}

func absInt[T integer](typ arrow.DataType) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		a := fixedValues[T](ops[0].arr)
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[T](ec.Alloc, n)
		minT := minOf[T]()
		for i := range out {
			x := a[i]
			if x == minT {
				v.fail(ec, i, errAbsOverflow)
				continue
			}
			if x < 0 {
				x = -x
			}
			out[i] = x
		}
		return newArray(typ, n, v, buf), nil
	}
}

// unaryFloat applies f to a float array; !ok is the row error err.
func unaryFloat[T float32 | float64](typ arrow.DataType, f func(float64) (float64, bool), err error) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		a := fixedValues[T](ops[0].arr)
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[T](ec.Alloc, n)
		for i := range out {
			r, ok := f(float64(a[i]))
			if !ok {
				v.fail(ec, i, err)
				continue
			}
			out[i] = T(r)
		}
		return newArray(typ, n, v, buf), nil
	}
}

func bindFloorCeil(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	typ := args[0].DataType()
	up := name != "floor"
	f := math.Floor
	if up {
		f = math.Ceil
	}
	ff := func(x float64) (float64, bool) { return f(x), true }
	switch {
	case isInteger(typ):
		return args[0], nil
	case typ.ID() == arrow.FLOAT32:
		return newCall(name, typ, true, constToArray(unaryFloat[float32](typ, ff, nil)), args...), nil
	case typ.ID() == arrow.FLOAT64:
		return newCall(name, typ, true, constToArray(unaryFloat[float64](typ, ff, nil)), args...), nil
	case isDecimal(typ):
		dt := typ.(*arrow.Decimal128Type)
		out := decimalType(dt.Precision-dt.Scale+1, 0)
		k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			v := fixedValues[decimal128.Num](ops[0].arr)
			one := decimal128.GetScaleMultiplier(int(dt.Scale))
			return mapFixed(ec, ops[0].arr, out, errRound, func(i int) (decimal128.Num, bool) {
				q := decTrunc(v[i], dt.Scale)
				back, _ := decMul(q, one)
				if back != v[i] {
					if up && v[i].Sign() > 0 {
						q = q.Add(decimal128.FromI64(1))
					} else if !up && v[i].Sign() < 0 {
						q = q.Sub(decimal128.FromI64(1))
					}
				}
				return q, q.FitsInPrecision(out.Precision)
			}), nil
		}
		return newCall(name, out, true, constToArray(k), args...), nil
	case isNullType(typ):
		return &literal{typ: typ}, nil
	}
	return nil, argTypesError(name, args, "(numeric); use floor_time/ceil_time for timestamps")
}

// roundHalfAway rounds x to digits decimal places, halves away from zero.
func roundHalfAway(x float64, digits int64) float64 {
	if digits > 300 || digits < -300 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

func bindRound(name string, args []Expr) (Expr, error) {
	if len(args) != 1 && len(args) != 2 {
		return nil, arityError(name, len(args), "1 or 2")
	}
	typ := args[0].DataType()
	conv := []Expr{args[0]}
	if len(args) == 2 {
		if !isInteger(args[1].DataType()) && !isNullType(args[1].DataType()) {
			return nil, argTypesError(name, args, "(numeric[, integer digits])")
		}
		d, err := coerce(args[1], arrow.PrimitiveTypes.Int64)
		if err != nil {
			return nil, err
		}
		conv = append(conv, d)
	}
	digits := func(ops []operand) func(int) int64 {
		if len(ops) < 2 {
			return func(int) int64 { return 0 }
		}
		return intOperand(ops[1])
	}
	var k kernel
	switch {
	case isFloat(typ):
		k = func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			g, d := getFloat(ops[0].arr), digits(ops)
			if typ.ID() == arrow.FLOAT32 {
				return fixedKernel(typ, func([]operand) func(int) (float32, bool) {
					return func(i int) (float32, bool) { return float32(roundHalfAway(g(i), d(i))), true }
				}, nil)(ec, n, ops)
			}
			return fixedKernel(typ, func([]operand) func(int) (float64, bool) {
				return func(i int) (float64, bool) { return roundHalfAway(g(i), d(i)), true }
			}, nil)(ec, n, ops)
		}
	case isInteger(typ) || isDecimal(typ):
		dt, _ := decimalOf(typ)
		k = func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			d := digits(ops)
			if isInteger(typ) {
				g := getInt(ops[0].arr)
				return mapInt(ec, ops[0].arr, typ, func(i int) (int64, bool) {
					x, dd := g(i), d(i)
					if dd >= 0 {
						return x, true
					}
					if dd < -18 {
						return 0, true
					}
					r, ok := decRescale(decimal128.FromI64(x), 0, int32(dd))
					if !ok {
						return 0, false
					}
					back, ok := decRescale(r, int32(dd), 0)
					v, ok2 := decToInt64(back, 0)
					return v, ok && ok2
				}), nil
			}
			v := fixedValues[decimal128.Num](ops[0].arr)
			return fixedKernel(typ, func([]operand) func(int) (decimal128.Num, bool) {
				return func(i int) (decimal128.Num, bool) {
					dd := d(i)
					if dd >= int64(dt.Scale) {
						return v[i], true
					}
					dd = max(dd, int64(dt.Scale)-38)
					r, ok := decRescale(v[i], dt.Scale, int32(dd))
					if !ok {
						return r, false
					}
					back, ok := decRescale(r, int32(dd), dt.Scale)
					return back, ok && back.FitsInPrecision(dt.Precision)
				}
			}, errRound)(ec, n, ops)
		}
	case isNullType(typ):
		return &literal{typ: typ}, nil
	default:
		return nil, argTypesError(name, args, "(numeric[, integer digits])")
	}
	return newCall(name, typ, true, constToArray(k), conv...), nil
}

func toFloat64Args(name string, args []Expr, want string) ([]Expr, error) {
	out := make([]Expr, len(args))
	for i, a := range args {
		if !isNumeric(a.DataType()) && !isNullType(a.DataType()) {
			return nil, argTypesError(name, args, want)
		}
		c, err := coerce(a, arrow.PrimitiveTypes.Float64)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func bindFloatFunc(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	conv, err := toFloat64Args(name, args, "(numeric)")
	if err != nil {
		return nil, err
	}
	var f func(float64) (float64, bool)
	var rowErr error
	switch name {
	case "sqrt":
		f, rowErr = func(x float64) (float64, bool) { return math.Sqrt(x), x >= 0 }, errSqrt
	case "ln":
		f, rowErr = func(x float64) (float64, bool) { return math.Log(x), x > 0 }, errLog
	case "log10":
		f, rowErr = func(x float64) (float64, bool) { return math.Log10(x), x > 0 }, errLog
	default:
		f = func(x float64) (float64, bool) { return math.Exp(x), true }
	}
	typ := arrow.PrimitiveTypes.Float64
	return &named{Expr: newCall(name, typ, true, constToArray(unaryFloat[float64](typ, f, rowErr)), conv...), name: name, args: args}, nil
}

func bindPower(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv, err := toFloat64Args(name, args, "(numeric, numeric)")
	if err != nil {
		return nil, err
	}
	typ := arrow.PrimitiveTypes.Float64
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		a, am := fixedOperand(ops[0], numConv[float64])
		b, bm := fixedOperand(ops[1], numConv[float64])
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[float64](ec.Alloc, n)
		for i := range out {
			out[i] = math.Pow(a[i&am], b[i&bm])
		}
		return newArray(typ, n, v, buf), nil
	}
	return &named{Expr: newCall(name, typ, true, k, conv...), name: name, args: args}, nil
}
