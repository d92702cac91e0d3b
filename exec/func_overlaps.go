package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

func registerOverlaps(reg registrar) {
	reg(true, bindOverlaps, "overlaps")
}

// bindOverlaps binds (s1, e1) OVERLAPS (s2, e2), the SQL standard's
// temporal predicate: each period is a start TIMESTAMP (or DATE) and an
// end TIMESTAMP or a day-time INTERVAL added to the start. A period whose
// end comes before its start is read backwards; NULLs follow the
// standard's three-valued definition, so (s1, NULL) OVERLAPS (s2, e2) is
// TRUE when s1 lies strictly inside (s2, e2).
func bindOverlaps(name string, args []Expr) (Expr, error) {
	if len(args) != 4 {
		return nil, arityError(name, len(args), "4")
	}
	const want = "((timestamp, timestamp or interval), (timestamp, timestamp or interval))"
	conv := make([]Expr, 4)
	isIv := [4]bool{}
	for i, a := range args {
		t := a.DataType()
		switch {
		case isTimestamp(t) || isDate(t):
			c, err := coerce(a, TimestampType)
			if err != nil {
				return nil, err
			}
			conv[i] = c
		case isNullType(t):
			conv[i] = a
		case isDuration(t) && i%2 == 1:
			conv[i], isIv[i] = a, true
		default:
			return nil, argTypesError(name, args, want)
		}
	}
	return &named{Expr: newCall(name, arrow.FixedWidthTypes.Boolean, false, overlapsKernel(isIv), conv...), name: name, args: args}, nil
}

// tri is a three-valued truth value.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triAnd(a, b tri) tri {
	switch {
	case a == triFalse || b == triFalse:
		return triFalse
	case a == triTrue && b == triTrue:
		return triTrue
	}
	return triUnknown
}

func triOr(a, b tri) tri {
	switch {
	case a == triTrue || b == triTrue:
		return triTrue
	case a == triFalse && b == triFalse:
		return triFalse
	}
	return triUnknown
}

func triNot(a tri) tri {
	switch a {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// instant is a nullable millisecond value.
type instant struct {
	v  int64
	ok bool
}

func triCmp(a, b instant, f func(x, y int64) bool) tri {
	if !a.ok || !b.ok {
		return triUnknown
	}
	if f(a.v, b.v) {
		return triTrue
	}
	return triFalse
}

func gt(x, y int64) bool { return x > y }
func ge(x, y int64) bool { return x >= y }
func eq(x, y int64) bool { return x == y }

// period returns the start and end of a period given by d and e (an end
// or, when iv, an interval added to d), ordered as the standard says: when
// d is NULL or e < d the two swap.
func period(d, e instant, iv bool) (s, t instant) {
	if iv {
		if d.ok && e.ok {
			e = instant{v: d.v + e.v, ok: true}
		} else {
			e = instant{}
		}
	}
	if !d.ok || e.ok && e.v < d.v {
		return e, d
	}
	return d, e
}

// overlaps is the standard's definition:
//
//	(S1 > S2 AND NOT (S1 >= T2 AND T1 >= T2)) OR
//	(S2 > S1 AND NOT (S2 >= T1 AND T2 >= T1)) OR
//	(S1 = S2 AND (T1 <> T2 OR T1 = T2))
func overlaps(s1, t1, s2, t2 instant) tri {
	a := triAnd(triCmp(s1, s2, gt), triNot(triAnd(triCmp(s1, t2, ge), triCmp(t1, t2, ge))))
	b := triAnd(triCmp(s2, s1, gt), triNot(triAnd(triCmp(s2, t1, ge), triCmp(t2, t1, ge))))
	c := triCmp(s1, s2, eq)
	if !t1.ok || !t2.ok {
		c = triAnd(c, triUnknown)
	}
	return triOr(triOr(a, b), c)
}

func overlapsKernel(iv [4]bool) kernel {
	return func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		get := make([]func(int) instant, 4)
		for k, o := range ops {
			if o.isNullConst() || isNullType(o.typ) {
				get[k] = func(int) instant { return instant{} }
				continue
			}
			g := intOperand(o)
			o := o
			get[k] = func(i int) instant { return instant{v: g(i), ok: !o.isNull(i)} }
		}
		v := newValidity(ec.Alloc, n)
		vals, bits := newBits(ec.Alloc, n)
		for i := range n {
			s1, t1 := period(get[0](i), get[1](i), iv[1])
			s2, t2 := period(get[2](i), get[3](i), iv[3])
			switch overlaps(s1, t1, s2, t2) {
			case triTrue:
				bitutil.SetBit(bits, i)
			case triUnknown:
				v.setNull(i)
			}
		}
		return newArray(arrow.FixedWidthTypes.Boolean, n, v, vals), nil
	}
}
