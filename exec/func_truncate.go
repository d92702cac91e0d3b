package exec

import (
	"bytes"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func registerTruncate(reg registrar) {
	reg(true, bindTruncate, "truncate")
}

// bindTruncate binds Flink TRUNCATE(x[, digits]): x cut toward zero to
// digits decimals (0 by default; negative digits zero whole digits), in
// x's type.
func bindTruncate(name string, args []Expr) (Expr, error) {
	if len(args) != 1 && len(args) != 2 {
		return nil, arityError(name, len(args), "1 or 2")
	}
	const want = "(numeric[, integer digits])"
	typ := args[0].DataType()
	conv := []Expr{args[0]}
	if len(args) == 2 {
		if !isInteger(args[1].DataType()) && !isNullType(args[1].DataType()) {
			return nil, argTypesError(name, args, want)
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
	case typ.ID() == arrow.FLOAT64:
		k = func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			g, d := getFloat(ops[0].arr), digits(ops)
			return fixedKernel(typ, func([]operand) func(int) (float64, bool) {
				return func(i int) (float64, bool) { return truncFloat(g(i), d(i)), true }
			}, nil)(ec, n, ops)
		}
	case typ.ID() == arrow.FLOAT32:
		k = func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			g, d := getFloat(ops[0].arr), digits(ops)
			return fixedKernel(typ, func([]operand) func(int) (float32, bool) {
				return func(i int) (float32, bool) { return float32(truncFloat(g(i), d(i))), true }
			}, nil)(ec, n, ops)
		}
	case isInteger(typ):
		k = func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			g, d := getInt(ops[0].arr), digits(ops)
			return mapInt(ec, ops[0].arr, typ, func(i int) (int64, bool) {
				x, dd := g(i), d(i)
				if dd >= 0 {
					return x, true
				}
				if dd < -18 {
					return 0, true
				}
				p := int64(math.Pow10(int(-dd)))
				return x / p * p, true
			}), nil
		}
	case isDecimal(typ):
		dt, _ := decimalOf(typ)
		k = func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
			v, d := fixedValues[decimal128.Num](ops[0].arr), digits(ops)
			return fixedKernel(typ, func([]operand) func(int) (decimal128.Num, bool) {
				return func(i int) (decimal128.Num, bool) {
					cut := int64(dt.Scale) - d(i) // digits to zero
					if cut <= 0 {
						return v[i], true
					}
					if cut > 38 {
						return decimal128.Num{}, true
					}
					p := decimal128.GetScaleMultiplier(int(cut))
					q, _ := v[i].Div(p)
					return q.Mul(p), true
				}
			}, nil)(ec, n, ops)
		}
	case isNullType(typ):
		return &literal{typ: typ}, nil
	default:
		return nil, argTypesError(name, args, want)
	}
	return newCall(name, typ, true, constToArray(k), conv...), nil
}

// truncFloat cuts x toward zero to digits decimals.
func truncFloat(x float64, digits int64) float64 {
	if digits > 300 || digits < -300 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	if digits >= 0 {
		// Cut the shortest decimal text, so that 0.29 to 2 digits stays
		// 0.29 (0.29 * 100 is 28.999… in binary).
		var buf [64]byte
		txt := strconv.AppendFloat(buf[:0], x, 'f', -1, 64)
		if dot := bytes.IndexByte(txt, '.'); dot >= 0 && len(txt) > dot+1+int(digits) {
			end := dot + 1 + int(digits)
			if digits == 0 {
				end = dot
			}
			t, err := strconv.ParseFloat(string(txt[:end]), 64)
			if err == nil {
				return t + 0 // -0.29 cut to 0 digits is 0, not -0
			}
		}
		return x
	}
	p := math.Pow(10, float64(digits))
	t := math.Trunc(x*p) / p
	if math.IsInf(t, 0) || math.IsNaN(t) {
		return x
	}
	return t
}
