package exec

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
)

// HashIndex maps the key values of a table's rows to the rows holding them,
// for lookup joins. It has a path for one integer-like key (widened to
// int64), one for one string or binary key (whose map keys point into the
// table's own buffers, not copies), and encodes composite keys to bytes.
// Rows whose key has a NULL are not indexed: NULL never matches. Rows of
// one key are returned in table order. A HashIndex is immutable once built
// and safe for concurrent lookups; it must not outlive the arrays it was
// built from.
type HashIndex struct {
	types  []arrow.DataType
	codecs []aggCodec
	mode   groupMode

	ints intTable
	strs map[string]int32
	// next chains the rows of one key: next[r] is the following row with
	// r's key, or -1.
	next  []int32
	bytes int64 // owned key bytes (composite keys)
}

// probeScratch is the reusable space of one prober (an operator).
type probeScratch struct {
	ints []int64
	keys [][]byte
	ok   []bool
}

// NewHashIndex indexes the rows of the key columns keys (all of one
// length). The index keeps views into the arrays: the caller keeps them
// alive as long as the index.
func NewHashIndex(keys []arrow.Array) (*HashIndex, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("exec: hash index: no key columns")
	}
	x := &HashIndex{}
	for _, k := range keys {
		c, err := newAggCodec(k.DataType())
		if err != nil {
			return nil, fmt.Errorf("exec: hash index: key type %s cannot be indexed", k.DataType())
		}
		x.types = append(x.types, k.DataType())
		x.codecs = append(x.codecs, c)
	}
	n := keys[0].Len()
	x.next = make([]int32, n)
	switch {
	case len(keys) == 1 && aggIntLike(x.types[0]):
		x.mode = groupModeInt
		x.ints = newIntTable(n)
		vals := aggWidenInts(keys[0], nil)
		for r := n - 1; r >= 0; r-- { // backwards: chains come out in table order
			if keys[0].IsNull(r) {
				continue
			}
			x.next[r] = x.ints.put(vals[r], int32(r))
		}
	case len(keys) == 1 && (x.codecs[0].kind == aggKindBinary || x.codecs[0].kind == aggKindLarge):
		x.mode = groupModeBinary
		x.strs = make(map[string]int32, n)
		v := x.codecs[0].view(keys[0])
		for r := n - 1; r >= 0; r-- {
			if v.isNull(r) {
				continue
			}
			b := x.codecs[0].bytesAt(&v, r)
			s := unsafe.String(unsafe.SliceData(b), len(b)) // points into the table's buffer
			head, ok := x.strs[s]
			if !ok {
				head = -1
			}
			x.next[r] = head
			x.strs[s] = int32(r)
		}
	default:
		x.mode = groupModeBytes
		x.strs = make(map[string]int32, n)
		enc, ok := x.encode(&probeScratch{}, keys, n)
		for r := n - 1; r >= 0; r-- {
			if !ok[r] {
				continue
			}
			s := string(enc[r])
			head, found := x.strs[s]
			if !found {
				head = -1
				x.bytes += int64(len(s))
			}
			x.next[r] = head
			x.strs[s] = int32(r)
		}
	}
	return x, nil
}

// encode encodes n rows of composite keys into sc.keys; ok[r] is false
// when one of row r's keys is NULL.
func (x *HashIndex) encode(sc *probeScratch, keys []arrow.Array, n int) ([][]byte, []bool) {
	if cap(sc.keys) < n {
		sc.keys = make([][]byte, n)
		sc.ok = make([]bool, n)
	}
	enc, ok := sc.keys[:n], sc.ok[:n]
	for i := range enc {
		enc[i], ok[i] = enc[i][:0], true
	}
	for j, k := range keys {
		if k.NullN() > 0 {
			for i := range n {
				if k.IsNull(i) {
					ok[i] = false
				}
			}
		}
		x.codecs[j].encodeColumn(enc, k, nil)
	}
	return enc, ok
}

// KeyTypes returns the types of the key columns.
func (x *HashIndex) KeyTypes() []arrow.DataType { return x.types }

// Keys returns the number of distinct keys indexed.
func (x *HashIndex) Keys() int {
	if x.mode == groupModeInt {
		return x.ints.n
	}
	return len(x.strs)
}

// SizeBytes estimates the memory the index holds (map entries, chains and
// owned key bytes).
func (x *HashIndex) SizeBytes() int64 {
	if x.mode == groupModeInt {
		return int64(len(x.ints.slots))*16 + int64(len(x.next))*4
	}
	const entry = 40 // string header + int32 value + map overhead
	return int64(x.Keys())*entry + int64(len(x.next))*4 + x.bytes
}

// lookup appends, for every row of the probe key columns keys (of the
// index's key types), the pairs (probe row, table row) of its matches to
// probe and build, in probe order and then table order. Probe rows with a
// NULL key, or whose skip entry is set (skip may be nil), match nothing.
// matched[i] reports whether probe row i matched at all. sc is the caller's
// scratch space; lookups with distinct scratch may run concurrently.
func (x *HashIndex) lookup(sc *probeScratch, keys []arrow.Array, skip []bool, probe, build []int32, matched []bool) ([]int32, []int32, []bool, error) {
	if len(keys) != len(x.types) {
		return probe, build, matched, fmt.Errorf("exec: hash index: %d key columns, want %d", len(keys), len(x.types))
	}
	for i, k := range keys {
		if !arrow.TypeEqual(k.DataType(), x.types[i]) {
			return probe, build, matched, fmt.Errorf("exec: hash index: key %d is %s, want %s", i+1, k.DataType(), x.types[i])
		}
	}
	n := keys[0].Len()
	matched = matched[:0]
	emit := func(i int, head int32, ok bool) {
		if !ok || skip != nil && skip[i] {
			matched = append(matched, false)
			return
		}
		matched = append(matched, true)
		for r := head; r >= 0; r = x.next[r] {
			probe = append(probe, int32(i))
			build = append(build, r)
		}
	}
	switch x.mode {
	case groupModeInt:
		sc.ints = aggWidenInts(keys[0], sc.ints[:0])
		vals := sc.ints
		nulls := keys[0].NullN() > 0
		for i := range n {
			if nulls && keys[0].IsNull(i) {
				matched = append(matched, false)
				continue
			}
			head := x.ints.get(vals[i])
			emit(i, head, head >= 0)
		}
	case groupModeBinary:
		c := &x.codecs[0]
		v := c.view(keys[0])
		for i := range n {
			if v.isNull(i) {
				matched = append(matched, false)
				continue
			}
			head, ok := x.strs[string(c.bytesAt(&v, i))]
			emit(i, head, ok)
		}
	default:
		enc, valid := x.encode(sc, keys, n)
		for i := range n {
			if !valid[i] {
				matched = append(matched, false)
				continue
			}
			head, ok := x.strs[string(enc[i])]
			emit(i, head, ok)
		}
	}
	return probe, build, matched, nil
}

// intTable is an open-addressing hash table from int64 keys to int32 row
// numbers (linear probing, at most half full): one cache line per lookup
// where a Go map needs two. Row -1 marks an empty slot.
type intTable struct {
	slots []intSlot
	mask  uint64
	n     int
}

type intSlot struct {
	key int64
	row int32
}

func newIntTable(n int) intTable {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	t := intTable{slots: make([]intSlot, size), mask: uint64(size - 1)}
	for i := range t.slots {
		t.slots[i].row = -1
	}
	return t
}

func intHash(k int64) uint64 {
	h := uint64(k) * 0x9E3779B97F4A7C15
	return h ^ h>>29
}

// put sets key's row and returns the row it replaces (-1 when new).
func (t *intTable) put(key int64, row int32) int32 {
	for i := intHash(key) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.row < 0 {
			s.key, s.row = key, row
			t.n++
			return -1
		}
		if s.key == key {
			old := s.row
			s.row = row
			return old
		}
	}
}

// get returns key's row, or -1.
func (t *intTable) get(key int64) int32 {
	for i := intHash(key) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.row < 0 || s.key == key {
			return s.row
		}
	}
}
