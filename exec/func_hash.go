package exec

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	mrand "math/rand/v2"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

func registerHash(reg registrar) {
	reg(true, bindDigest, "md5", "sha256")
	reg(false, bindUUID, "uuid")
	reg(false, bindRand, "rand")
}

// bindDigest binds Flink MD5(s) and SHA256(s): the digest of the UTF-8
// bytes as lower-case hex.
func bindDigest(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	conv, err := typedArgs(name, args, "s", "(string)")
	if err != nil {
		return nil, err
	}
	sha := name == "sha256"
	k := strKernel(func(ops []operand) func(int, []byte) ([]byte, bool) {
		g := stringOperand(ops[0])
		return func(i int, dst []byte) ([]byte, bool) {
			if sha {
				sum := sha256.Sum256([]byte(g(i)))
				return hex.AppendEncode(dst, sum[:]), true
			}
			sum := md5.Sum([]byte(g(i)))
			return hex.AppendEncode(dst, sum[:]), true
		}
	}, nil)
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}

// bindUUID binds Flink UUID(): a random (version 4) UUID per row.
func bindUUID(name string, args []Expr) (Expr, error) {
	if len(args) != 0 {
		return nil, arityError(name, len(args), "no")
	}
	k := func(ec *EvalContext, n int, _ []operand) (arrow.Array, error) {
		v := newValidity(ec.Alloc, n)
		out := newStrOut(ec.Alloc, n, 36*n)
		raw := make([]byte, 16*n)
		if _, err := cryptorand.Read(raw); err != nil {
			out.release()
			return nil, err
		}
		var buf [36]byte
		for i := 0; i < n; i++ {
			u := raw[16*i : 16*i+16]
			u[6] = u[6]&0x0f | 0x40
			u[8] = u[8]&0x3f | 0x80
			hex.Encode(buf[0:8], u[0:4])
			buf[8] = '-'
			hex.Encode(buf[9:13], u[4:6])
			buf[13] = '-'
			hex.Encode(buf[14:18], u[6:8])
			buf[18] = '-'
			hex.Encode(buf[19:23], u[8:10])
			buf[23] = '-'
			hex.Encode(buf[24:36], u[10:16])
			out.appendBytes(i, buf[:])
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return newCall(name, arrow.BinaryTypes.String, false, k), nil
}

// cryptorand is crypto/rand's reader (math/rand/v2 takes the name rand).
var cryptorand = rand.Reader

// bindRand binds Flink RAND([seed]): a DOUBLE in [0, 1). With a constant
// seed the call is deterministic: the same seed gives the same sequence of
// values over the rows, in row order, whatever the batch boundaries.
func bindRand(name string, args []Expr) (Expr, error) {
	if len(args) > 1 {
		return nil, arityError(name, len(args), "0 or 1")
	}
	r := &randExpr{name: name, args: args}
	if len(args) == 1 {
		v, ok := ConstValue(args[0])
		if !ok || !isInteger(args[0].DataType()) && !isNullType(args[0].DataType()) {
			return nil, argTypesError(name, args, "(constant integer seed)")
		}
		seed, _ := v.(int64)
		r.rng = mrand.New(mrand.NewPCG(uint64(seed), 0x5eed))
	}
	return r, nil
}

// randExpr is RAND: a seeded one keeps its generator, behind a lock, so
// that its sequence runs on across batches.
type randExpr struct {
	name string
	args []Expr
	mu   sync.Mutex
	rng  *mrand.Rand
}

var _ Expr = (*randExpr)(nil)

func (r *randExpr) DataType() arrow.DataType { return arrow.PrimitiveTypes.Float64 }

func (r *randExpr) String() string { return callString(r.name, r.args) }

func (r *randExpr) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	buf, out := newFixed[float64](ec.Alloc, n)
	if r.rng == nil {
		for i := range out {
			out[i] = mrand.Float64()
		}
	} else {
		r.mu.Lock()
		for i := range out {
			out[i] = r.rng.Float64()
		}
		r.mu.Unlock()
	}
	return newArray(arrow.PrimitiveTypes.Float64, n, newValidity(ec.Alloc, n), buf), nil
}
