package window

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
)

// NumberOfDistinctItemsColumn is COUNT_DISTINCT_ITEMS_TUMBLING's column.
const NumberOfDistinctItemsColumn = "NUMBER_OF_DISTINCT_ITEMS"

// DistinctExactLimit is how many distinct values a window counts exactly
// (KDA: 10,000); beyond, the count is a HyperLogLog estimate with 2^14
// registers (standard error about 0.8%).
const DistinctExactLimit = 10000

const hllPrecision = 14

// NewDistinctItems returns KDA's COUNT_DISTINCT_ITEMS_TUMBLING: per
// tumbling window of ROWTIME, one row with NUMBER_OF_DISTINCT_ITEMS
// (BIGINT), the number of distinct non-NULL values of the column (exact up
// to DistinctExactLimit, then estimated), and ROWTIME = the window's end.
// Event time, lateness, stopping, checkpoints and the output partition are
// as for NewTopK.
func NewDistinctItems(input exec.Operator, cfg ItemsConfig) (exec.Operator, error) {
	kind := &distinctKind{}
	op, err := newItemsOp("count distinct items", input, cfg, kind, []arrow.Field{
		{Name: NumberOfDistinctItemsColumn, Type: arrow.PrimitiveTypes.Int64},
	})
	if err != nil {
		return nil, err
	}
	kind.counts = array.NewInt64Builder(cfg.Alloc)
	return op, nil
}

type distinctKind struct {
	counts *array.Int64Builder
}

func (d *distinctKind) newSketch() sketch { return &distinctSketch{set: map[uint64]struct{}{}} }
func (d *distinctKind) snapKind() byte    { return snapDistinct }

func (d *distinctKind) emit(s sketch) int {
	d.counts.Append(s.(*distinctSketch).count())
	return 1
}

func (d *distinctKind) build() []arrow.Array { return []arrow.Array{d.counts.NewArray()} }
func (d *distinctKind) release()             { d.counts.Release() }

// distinctSketch is an exact set of 64-bit hashes until it passes
// DistinctExactLimit, then HyperLogLog registers.
type distinctSketch struct {
	set map[uint64]struct{}
	reg []uint8
}

func (s *distinctSketch) bytes() int { return len(s.set)*16 + len(s.reg) }

func (s *distinctSketch) add(key string) { s.addHash(hashKey(key)) }

func (s *distinctSketch) addHash(h uint64) {
	if s.reg == nil {
		s.set[h] = struct{}{}
		if len(s.set) <= DistinctExactLimit {
			return
		}
		s.reg = make([]uint8, 1<<hllPrecision)
		for x := range s.set {
			s.observe(x)
		}
		s.set = nil
		return
	}
	s.observe(h)
}

func (s *distinctSketch) observe(h uint64) {
	i := h >> (64 - hllPrecision)
	rank := uint8(bits.LeadingZeros64(h<<hllPrecision|1<<(hllPrecision-1))) + 1
	if rank > s.reg[i] {
		s.reg[i] = rank
	}
}

func (s *distinctSketch) count() int64 {
	if s.reg == nil {
		return int64(len(s.set))
	}
	m := float64(len(s.reg))
	sum, zeros := 0.0, 0
	for _, r := range s.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}

// hashKey is a well-mixed 64-bit hash of a key (FNV-1a, then the
// SplitMix64 finalizer), the same in every process so that checkpointed
// sets stay valid.
func hashKey(key string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 27
	h *= 0x94D049BB133111EB
	return h ^ h>>31
}

func (d *distinctKind) encode(sk sketch) ([]byte, error) {
	s := sk.(*distinctSketch)
	if s.reg != nil {
		return append([]byte{1}, s.reg...), nil
	}
	b := make([]byte, 1, 1+8*len(s.set))
	for h := range s.set {
		b = binary.LittleEndian.AppendUint64(b, h)
	}
	return b, nil
}

func (d *distinctKind) decode(b []byte) (sketch, error) {
	switch {
	case len(b) == 1+1<<hllPrecision && b[0] == 1:
		return &distinctSketch{reg: append([]uint8(nil), b[1:]...)}, nil
	case len(b) >= 1 && b[0] == 0 && (len(b)-1)%8 == 0 && (len(b)-1)/8 <= DistinctExactLimit:
		s := &distinctSketch{set: make(map[uint64]struct{}, (len(b)-1)/8)}
		for i := 1; i < len(b); i += 8 {
			s.set[binary.LittleEndian.Uint64(b[i:])] = struct{}{}
		}
		return s, nil
	}
	return nil, errors.New("corrupt distinct-items sketch")
}
