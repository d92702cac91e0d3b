package exec

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// HashKeys returns, in dst grown to the rows of the key columns keys (all
// of one length), a 64-bit hash of every row's key tuple: rows whose keys
// are equal (NULLs equal to NULLs), as a GroupTable groups them, hash
// equal. The hash has no random seed, so it is the same in every process.
// It partitions keyed rows among workers; it is not a defence against
// chosen keys. keys must be of types a GroupTable accepts.
func HashKeys(keys []arrow.Array, dst []uint64) ([]uint64, error) {
	if len(keys) == 0 {
		return dst[:0], nil
	}
	n := keys[0].Len()
	dst = slices.Grow(dst[:0], n)[:n]
	for i := range dst {
		dst[i] = hashSeed
	}
	for _, k := range keys {
		if k.Len() != n {
			return nil, fmt.Errorf("exec: hash keys: columns of %d and %d rows", n, k.Len())
		}
		c, err := newAggCodec(k.DataType())
		if err != nil {
			return nil, fmt.Errorf("exec: hash keys: %w", err)
		}
		v := c.view(k)
		if c.kind == aggKindFixed && c.width == 8 {
			// The common case (BIGINT, TIMESTAMP, DOUBLE): one mix per row.
			vals := arrow.Uint64Traits.CastFromBytes(v.vals)[v.off : v.off+n]
			if v.valid == nil {
				for i, x := range vals {
					dst[i] = mix64(dst[i] ^ x)
				}
				continue
			}
			for i, x := range vals {
				if v.isNull(i) {
					x = hashNull
				}
				dst[i] = mix64(dst[i] ^ x)
			}
			continue
		}
		for i := range n {
			x := uint64(hashNull)
			if !v.isNull(i) {
				x = hashBytes(c.bytesAt(&v, i))
			}
			dst[i] = mix64(dst[i] ^ x)
		}
	}
	return dst, nil
}

const (
	hashSeed = 0x9E3779B97F4A7C15
	hashNull = 0x2545F4914F6CDD1D
)

// mix64 is the splitmix64 finalizer: every input bit affects every output
// bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

// hashBytes is FNV-1a over b, eight bytes at a time where it can.
func hashBytes(b []byte) uint64 {
	h := uint64(0xCBF29CE484222325) ^ uint64(len(b))
	for len(b) >= 8 {
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		h = (h ^ x) * 0x100000001B3
		h ^= h >> 32
		b = b[8:]
	}
	for _, c := range b {
		h = (h ^ uint64(c)) * 0x100000001B3
	}
	return h
}
