package exec

import (
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

func registerText(reg registrar) {
	reg(true, bindRepeat, "repeat")
	reg(true, bindOverlay, "overlay")
	reg(true, bindIf, "if")
}

var errOverlayArgs = newError(ErrInvalidArgument, "exec: overlay: position must be at least 1 and length at least 0")

// bindIf binds Flink IF(condition, then, else): CASE WHEN condition THEN
// then ELSE else END (a NULL condition takes else).
func bindIf(name string, args []Expr) (Expr, error) {
	if len(args) != 3 {
		return nil, arityError(name, len(args), "3")
	}
	return bindCaseWhen(name, args)
}

// bindRepeat binds Flink REPEAT(s, n): s n times (” when n <= 0); a
// result over MaxStringBytes is a row error.
func bindRepeat(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv, err := typedArgs(name, args, "si", "(string, integer count)")
	if err != nil {
		return nil, err
	}
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g, cnt := stringOperand(ops[0]), intOperand(ops[1])
		v := newValidity(ec.Alloc, n, ops...)
		out := newStrOut(ec.Alloc, n, 16*n)
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				out.empty(i)
				continue
			}
			s, c := g(i), cnt(i)
			if c <= 0 || s == "" {
				out.empty(i)
				continue
			}
			if c > MaxStringBytes || int64(len(s))*c > MaxStringBytes {
				v.fail(ec, i, tooLongError(name))
				out.empty(i)
				continue
			}
			out.grow(len(s) * int(c))
			for range c {
				out.used += copy(out.data[out.used:], s)
			}
			out.offs[i+1] = int32(out.used)
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}

// bindOverlay binds OVERLAY(s PLACING r FROM pos [FOR len]), which the
// parser passes as overlay(s, r, pos[, len]): s with len characters from
// the 1-based pos replaced by r; len defaults to r's length.
func bindOverlay(name string, args []Expr) (Expr, error) {
	if len(args) != 3 && len(args) != 4 {
		return nil, arityError(name, len(args), "3 or 4")
	}
	conv, err := typedArgs(name, args, "ssii"[:len(args)], "(string, string replacement, integer position[, integer length])")
	if err != nil {
		return nil, err
	}
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g, r, pos := stringOperand(ops[0]), stringOperand(ops[1]), intOperand(ops[2])
		var length func(int) int64
		if len(ops) == 4 {
			length = intOperand(ops[3])
		}
		v := newValidity(ec.Alloc, n, ops...)
		out := newStrOut(ec.Alloc, n, 16*n)
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				out.empty(i)
				continue
			}
			s, rep, p := g(i), r(i), pos(i)
			l := int64(utf8.RuneCountInString(rep))
			if length != nil {
				l = length(i)
			}
			if p < 1 || l < 0 {
				v.fail(ec, i, errOverlayArgs)
				out.empty(i)
				continue
			}
			head := runeSlice(s, 0, p-1)
			tail := ""
			if p-1 <= (1<<62)-l {
				tail = runeSlice(s, p-1+l, 1<<62)
			}
			if len(head)+len(rep)+len(tail) > MaxStringBytes {
				v.fail(ec, i, tooLongError(name))
				out.empty(i)
				continue
			}
			out.grow(len(head) + len(rep) + len(tail))
			out.used += copy(out.data[out.used:], head)
			out.used += copy(out.data[out.used:], rep)
			out.used += copy(out.data[out.used:], tail)
			out.offs[i+1] = int32(out.used)
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}
