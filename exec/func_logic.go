package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func registerLogic(reg registrar) {
	reg(true, bindLogic, "and", "or")
	reg(true, bindNot, "not")
	reg(true, bindIsNull, "is_null", "is_not_null")
	reg(true, bindCaseWhen, "case_when")
	reg(true, bindCoalesce, "coalesce")
	reg(true, bindNullif, "nullif")
}

func isBoolish(t arrow.DataType) bool { return t.ID() == arrow.BOOL || isNullType(t) }

func boolArgs(name string, args []Expr, want string) ([]Expr, error) {
	out := make([]Expr, len(args))
	for i, a := range args {
		if !isBoolish(a.DataType()) {
			return nil, argTypesError(name, args, want)
		}
		c, err := coerce(a, arrow.FixedWidthTypes.Boolean)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// alignedBools returns the value and validity bitmaps of a boolean operand
// starting at bit 0 (copied when the array is sliced or constant).
func alignedBools(o operand, n int) (vals, valid []byte) {
	nb := int(bitutil.BytesForBits(int64(n)))
	fill := func(b byte) []byte {
		s := make([]byte, nb)
		for i := range s {
			s[i] = b
		}
		return s
	}
	if o.isConst() {
		if o.val == nil {
			return fill(0), fill(0)
		}
		if o.val.(bool) {
			return fill(0xff), fill(0xff)
		}
		return fill(0), fill(0xff)
	}
	d := o.arr.Data()
	off := d.Offset()
	vals = d.Buffers()[1].Bytes()
	if off%8 != 0 {
		c := make([]byte, nb)
		bitutil.CopyBitmap(vals, off, n, c, 0)
		vals = c
	} else {
		vals = vals[off/8:]
	}
	if o.arr.NullN() == 0 {
		return vals, fill(0xff)
	}
	valid = make([]byte, nb)
	bitutil.CopyBitmap(d.Buffers()[0].Bytes(), off, n, valid, 0)
	return vals, valid
}

// logicExpr is Kleene AND / OR over two or more booleans. A row error in an
// argument is dropped where an earlier argument already decides the row
// (FALSE for AND, TRUE for OR), as if evaluation had short-circuited.
type logicExpr struct {
	name string
	or   bool
	args []Expr
}

func bindLogic(name string, args []Expr) (Expr, error) {
	if len(args) < 2 {
		return nil, arityError(name, len(args), "at least 2")
	}
	conv, err := boolArgs(name, args, "booleans")
	if err != nil {
		return nil, err
	}
	return &logicExpr{name: name, or: name == "or", args: conv}, nil
}

func (e *logicExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

func (e *logicExpr) String() string { return callString(e.name, e.args) }

func (e *logicExpr) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	nb := int(bitutil.BytesForBits(int64(n)))
	var accV, accOK []byte // the running result
	for k, a := range e.args {
		mark := len(ec.rowErrs)
		o, err := evalOperand(ec, a, batch)
		if err != nil {
			return nil, err
		}
		vals, valid := alignedBools(o, n)
		if k == 0 {
			accV = append([]byte(nil), vals[:nb]...)
			accOK = append([]byte(nil), valid[:nb]...)
			releaseOperands([]operand{o})
			continue
		}
		// Drop row errors of rows already decided.
		keep := ec.rowErrs[:mark]
		for _, re := range ec.rowErrs[mark:] {
			decided := bitutil.BitIsSet(accOK, re.Row) && bitutil.BitIsSet(accV, re.Row) == e.or
			if !decided {
				keep = append(keep, re)
			}
		}
		ec.rowErrs = keep
		for j := 0; j < nb; j++ {
			a, va, b, vb := accV[j], accOK[j], vals[j], valid[j]
			if e.or {
				accOK[j] = (va & vb) | (va & a) | (vb & b)
				accV[j] = (a & va) | (b & vb)
			} else {
				accOK[j] = (va & vb) | (va &^ a) | (vb &^ b)
				accV[j] = a & b
			}
		}
		releaseOperands([]operand{o})
	}
	return boolsArray(ec.Alloc, n, accV, accOK), nil
}

// boolsArray copies value and validity bitmaps into a new boolean array.
func boolsArray(mem memory.Allocator, n int, vals, valid []byte) arrow.Array {
	buf, bits := newBits(mem, n)
	copy(bits, vals)
	v := &validity{mem: mem, n: n}
	if bitutil.CountSetBits(valid, 0, n) != n {
		v.alloc(false)
		copy(v.bits, valid)
	}
	return newArray(arrow.FixedWidthTypes.Boolean, n, v, buf)
}

func bindNot(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	conv, err := boolArgs(name, args, "(boolean)")
	if err != nil {
		return nil, err
	}
	return newCall(name, arrow.FixedWidthTypes.Boolean, true, func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		vals, valid := alignedBools(ops[0], n)
		inv := make([]byte, len(vals))
		for i := range inv {
			inv[i] = ^vals[i]
		}
		return boolsArray(ec.Alloc, n, inv, valid), nil
	}, conv...), nil
}

func bindIsNull(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	want := name == "is_null"
	return newCall(name, arrow.FixedWidthTypes.Boolean, false, func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		o := ops[0]
		if o.isConst() {
			return constArray(ec.Alloc, arrow.FixedWidthTypes.Boolean, (o.val == nil) == want, n)
		}
		if o.arr.DataType().ID() == arrow.NULL {
			return constArray(ec.Alloc, arrow.FixedWidthTypes.Boolean, want, n)
		}
		buf, bits := newBits(ec.Alloc, n)
		if o.arr.NullN() == 0 {
			if !want {
				for i := range bits {
					bits[i] = 0xff
				}
			}
		} else {
			d := o.arr.Data()
			if want {
				bitutil.InvertBitmap(d.Buffers()[0].Bytes(), d.Offset(), n, bits, 0)
			} else {
				bitutil.CopyBitmap(d.Buffers()[0].Bytes(), d.Offset(), n, bits, 0)
			}
		}
		return newArray(arrow.FixedWidthTypes.Boolean, n, &validity{mem: ec.Alloc, n: n}, buf), nil
	}, args...), nil
}

// caseExpr is CASE WHEN c1 THEN r1 … ELSE e END. Every argument is
// evaluated on the whole batch, but row errors of a condition or result
// are kept only for the rows that reach it.
type caseExpr struct {
	name    string
	conds   []Expr
	results []Expr // len(conds)+1, the last is ELSE
	typ     arrow.DataType
	args    []Expr
}

func bindCaseWhen(name string, args []Expr) (Expr, error) {
	if len(args) < 3 || len(args)%2 == 0 {
		return nil, arityError(name, len(args), "an odd number (3 or more) of")
	}
	var conds, results []Expr
	for i := 0; i+1 < len(args); i += 2 {
		conds = append(conds, args[i])
		results = append(results, args[i+1])
	}
	results = append(results, args[len(args)-1])
	conv, err := boolArgs(name, conds, "(boolean, value, …, value) with every value of one common type")
	if err != nil {
		return nil, err
	}
	res, typ, err := unifyValues(name, args, results)
	if err != nil {
		return nil, err
	}
	return &caseExpr{name: name, conds: conv, results: res, typ: typ, args: args}, nil
}

// unifyValues converts values to their common type.
func unifyValues(name string, args, values []Expr) ([]Expr, arrow.DataType, error) {
	typ := arrow.DataType(arrow.Null)
	for _, v := range values {
		t, ok := commonType(typ, v.DataType())
		if !ok {
			return nil, nil, argTypesError(name, args, "values of one common type")
		}
		typ = t
	}
	out := make([]Expr, len(values))
	for i, v := range values {
		c, err := coerce(v, typ)
		if err != nil {
			return nil, nil, err
		}
		out[i] = c
	}
	return out, typ, nil
}

func (e *caseExpr) DataType() arrow.DataType { return e.typ }

func (e *caseExpr) String() string { return callString(e.name, e.args) }

// keepRowErrors keeps the row errors recorded since mark only for rows
// where keep is true.
func keepRowErrors(ec *EvalContext, mark int, keep func(row int) bool) {
	out := ec.rowErrs[:mark]
	for _, re := range ec.rowErrs[mark:] {
		if keep(re.Row) {
			out = append(out, re)
		}
	}
	ec.rowErrs = out
}

func (e *caseExpr) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	chosen := make([]int32, n)
	for i := range chosen {
		chosen[i] = -1
	}
	undecided := n
	for k, c := range e.conds {
		if undecided == 0 {
			break
		}
		mark := len(ec.rowErrs)
		o, err := evalOperand(ec, c, batch)
		if err != nil {
			return nil, err
		}
		keepRowErrors(ec, mark, func(row int) bool { return chosen[row] < 0 })
		vals, valid := alignedBools(o, n)
		for i := range chosen {
			if chosen[i] < 0 && bitutil.BitIsSet(valid, i) && bitutil.BitIsSet(vals, i) {
				chosen[i] = int32(k)
				undecided--
			}
		}
		releaseOperands([]operand{o})
	}
	elseIdx := int32(len(e.conds))
	used := make([]bool, len(e.results))
	for i := range chosen {
		if chosen[i] < 0 {
			chosen[i] = elseIdx
		}
		used[chosen[i]] = true
	}
	srcs := make([]operand, len(e.results))
	defer func() { releaseOperands(srcs) }()
	for k, r := range e.results {
		if !used[k] {
			srcs[k] = operand{typ: e.typ} // NULL, never read
			continue
		}
		mark := len(ec.rowErrs)
		o, err := evalOperand(ec, r, batch)
		if err != nil {
			return nil, err
		}
		srcs[k] = o
		kk := int32(k)
		keepRowErrors(ec, mark, func(row int) bool { return chosen[row] == kk })
	}
	return gather(ec.Alloc, e.typ, n, chosen, srcs)
}

// coalesceExpr is COALESCE(a, b, …): the first non-NULL argument.
type coalesceExpr struct {
	args []Expr
	orig []Expr
	typ  arrow.DataType
}

func bindCoalesce(name string, args []Expr) (Expr, error) {
	if len(args) < 1 {
		return nil, arityError(name, len(args), "at least 1")
	}
	conv, typ, err := unifyValues(name, args, args)
	if err != nil {
		return nil, err
	}
	return &coalesceExpr{args: conv, orig: args, typ: typ}, nil
}

func (e *coalesceExpr) DataType() arrow.DataType { return e.typ }

func (e *coalesceExpr) String() string { return callString("coalesce", e.orig) }

func (e *coalesceExpr) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	chosen := make([]int32, n)
	for i := range chosen {
		chosen[i] = -1
	}
	srcs := make([]operand, 0, len(e.args))
	defer func() { releaseOperands(srcs) }()
	undecided := n
	for k, a := range e.args {
		if undecided == 0 {
			break
		}
		mark := len(ec.rowErrs)
		o, err := evalOperand(ec, a, batch)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, o)
		keepRowErrors(ec, mark, func(row int) bool { return chosen[row] < 0 })
		for i := range chosen {
			if chosen[i] < 0 && !o.isNull(i) {
				chosen[i] = int32(k)
				undecided--
			}
		}
	}
	return gather(ec.Alloc, e.typ, n, chosen, srcs)
}

// bindNullif binds NULLIF(a, b) as CASE WHEN a = b THEN NULL ELSE a END.
func bindNullif(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	eq, err := bindCompare("equal", args)
	if err != nil {
		return nil, argTypesError(name, args, "two values of comparable types")
	}
	typ := args[0].DataType()
	c := &caseExpr{name: name, conds: []Expr{eq}, results: []Expr{&literal{typ: typ}, args[0]}, typ: typ, args: args}
	return c, nil
}

// gather builds an array of typ whose row i is row i of srcs[chosen[i]], or
// NULL when chosen[i] < 0. Constant sources are not expanded.
func gather(mem memory.Allocator, typ arrow.DataType, n int, chosen []int32, srcs []operand) (arrow.Array, error) {
	if isNullType(typ) {
		return array.MakeArrayOfNull(mem, typ, n), nil
	}
	// Expand constants to one-row arrays, read with a zero index mask.
	arrs := make([]arrow.Array, len(srcs))
	masks := make([]int, len(srcs))
	for k, s := range srcs {
		if s.arr != nil {
			arrs[k], masks[k] = s.arr, -1
			continue
		}
		a, err := constArray(mem, typ, s.val, 1)
		if err != nil {
			return nil, err
		}
		defer a.Release()
		arrs[k] = a
	}
	v := &validity{mem: mem, n: n}
	v.alloc(true)
	for i, k := range chosen {
		if k < 0 || arrs[k].IsNull(i&masks[k]) {
			v.setNull(i)
		}
	}
	switch typ.ID() {
	case arrow.BOOL:
		buf, bits := newBits(mem, n)
		for i, k := range chosen {
			if k >= 0 && v.valid(i) {
				a := arrs[k].(*array.Boolean)
				if a.Value(i & masks[k]) {
					bits[i>>3] |= 1 << (i & 7)
				}
			}
		}
		return newArray(typ, n, v, buf), nil
	case arrow.STRING, arrow.BINARY:
		getters := make([]func(int) string, len(arrs))
		for k, a := range arrs {
			getters[k] = stringOperand(operand{arr: a})
		}
		out := newStrOut(mem, n, n*8)
		for i, k := range chosen {
			if k < 0 || !v.valid(i) {
				out.empty(i)
				continue
			}
			out.appendString(i, getters[k](i&masks[k]))
		}
		return out.finish(typ, n, v), nil
	}
	fw, ok := typ.(arrow.FixedWidthDataType)
	if !ok {
		v.release()
		return nil, newError(ErrArgumentTypes, "exec: cannot select values of type %s", typeName(typ))
	}
	w := fw.BitWidth() / 8
	buf, out := newFixed[byte](mem, n*w)
	srcBytes := make([][]byte, len(arrs))
	for k, a := range arrs {
		d := a.Data()
		srcBytes[k] = d.Buffers()[1].Bytes()[d.Offset()*w:]
	}
	for i, k := range chosen {
		if k < 0 || !v.valid(i) {
			continue
		}
		j := (i & masks[k]) * w
		copy(out[i*w:i*w+w], srcBytes[k][j:j+w])
	}
	return newArray(typ, n, v, buf), nil
}
