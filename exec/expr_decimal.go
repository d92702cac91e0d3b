package exec

import (
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Checked 128-bit decimal arithmetic on unscaled values.

type u128 struct{ hi, lo uint64 }

func decAbs(n decimal128.Num) (u128, bool) {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	return u128{uint64(n.HighBits()), n.LowBits()}, neg
}

func decFrom(u u128, neg bool) (decimal128.Num, bool) {
	if u.hi >= 1<<63 {
		return decimal128.Num{}, false
	}
	n := decimal128.New(int64(u.hi), u.lo)
	if neg {
		n = n.Negate()
	}
	return n, true
}

func mulU128(a, b u128) (u128, bool) {
	if a.hi != 0 && b.hi != 0 {
		return u128{}, false
	}
	hi, lo := bits.Mul64(a.lo, b.lo)
	c1h, c1l := bits.Mul64(a.hi, b.lo)
	c2h, c2l := bits.Mul64(a.lo, b.hi)
	if c1h != 0 || c2h != 0 {
		return u128{}, false
	}
	var carry uint64
	hi, carry = bits.Add64(hi, c1l, 0)
	if carry != 0 {
		return u128{}, false
	}
	hi, carry = bits.Add64(hi, c2l, 0)
	if carry != 0 {
		return u128{}, false
	}
	return u128{hi, lo}, true
}

// decMul multiplies two unscaled values; ok is false on overflow of 127 bits.
func decMul(a, b decimal128.Num) (decimal128.Num, bool) {
	ua, na := decAbs(a)
	ub, nb := decAbs(b)
	p, ok := mulU128(ua, ub)
	if !ok {
		return decimal128.Num{}, false
	}
	return decFrom(p, na != nb)
}

// decMulI64 multiplies an unscaled decimal by an int64.
func decMulI64(a decimal128.Num, b int64) (decimal128.Num, bool) {
	return decMul(a, decimal128.FromI64(b))
}

// decAdd adds with overflow detection.
func decAdd(a, b decimal128.Num) (decimal128.Num, bool) {
	s := a.Add(b)
	if a.Sign() == b.Sign() && a.Sign() != 0 && s.Sign() != a.Sign() {
		return decimal128.Num{}, false
	}
	return s, true
}

// divU128Small divides by a 64-bit divisor, returning quotient and remainder.
func divU128Small(a u128, d uint64) (u128, uint64) {
	qhi := a.hi / d
	r := a.hi % d
	qlo, r := bits.Div64(r, a.lo, d)
	return u128{qhi, qlo}, r
}

// decRescale changes the scale of an unscaled value, rounding half away from
// zero when the scale goes down; ok is false on overflow.
func decRescale(n decimal128.Num, from, to int32) (decimal128.Num, bool) {
	switch {
	case from == to:
		return n, true
	case to > from:
		d := to - from
		if d > 38 {
			return decimal128.Num{}, n.Sign() == 0
		}
		return decMul(n, decimal128.GetScaleMultiplier(int(d)))
	}
	d := from - to
	if d > 38 {
		return decimal128.Num{}, true
	}
	u, neg := decAbs(n)
	if d <= 19 {
		div := decimal128.GetScaleMultiplier(int(d)).LowBits()
		q, r := divU128Small(u, div)
		if r >= (div+1)/2 {
			q.lo++
			if q.lo == 0 {
				q.hi++
			}
		}
		return decFrom(q, neg)
	}
	q, r := new(big.Int).QuoRem(n.Abs().BigInt(), decimal128.GetScaleMultiplier(int(d)).BigInt(), new(big.Int))
	half := decimal128.GetHalfScaleMultiplier(int(d)).BigInt()
	if r.Cmp(half) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return decimal128.FromBigInt(q), true
}

// decTrunc drops the scale digits of an unscaled value, rounding toward zero.
func decTrunc(n decimal128.Num, scale int32) decimal128.Num {
	if scale <= 0 {
		return n
	}
	if scale > 38 {
		return decimal128.Num{}
	}
	q, _ := new(big.Int).QuoRem(n.BigInt(), decimal128.GetScaleMultiplier(int(scale)).BigInt(), new(big.Int))
	return decimal128.FromBigInt(q)
}

// decToInt64 returns the integer part of a decimal as an int64.
func decToInt64(n decimal128.Num, scale int32) (int64, bool) {
	t := decTrunc(n, scale)
	lo := t.LowBits()
	if (t.HighBits() == 0 && lo < 1<<63) || (t.HighBits() == -1 && lo >= 1<<63) {
		return int64(lo), true
	}
	return 0, false
}

// decDiv divides two decimals of scales sa and sb giving a result of scale
// so, rounding half away from zero; ok is false when b is zero or on
// overflow.
func decDiv(a decimal128.Num, sa int32, b decimal128.Num, sb int32, so int32) (decimal128.Num, bool) {
	if b.Sign() == 0 {
		return decimal128.Num{}, false
	}
	// a/10^sa / (b/10^sb) * 10^so = a * 10^(so-sa+sb) / b
	num := a.BigInt()
	shift := so - sa + sb
	den := b.BigInt()
	ten := big.NewInt(10)
	if shift >= 0 {
		num.Mul(num, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil))
	}
	neg := num.Sign()*den.Sign() < 0
	num.Abs(num)
	den.Abs(den)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Lsh(r, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	if q.BitLen() > 126 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(q), true
}
