package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// groupMode is the hashing strategy of a GroupTable.
type groupMode uint8

const (
	groupModeInt    groupMode = iota // one integer-like key, widened to int64
	groupModeBinary                  // one string or binary key, hashed by value
	groupModeBytes                   // composite keys, encoded to bytes
	groupModeNone                    // no keys: one global group
)

// GroupTable assigns dense group ids (0, 1, 2, …) to key tuples, a batch at a
// time. NULL is a valid key value: NULLs group together. Ids of deleted
// groups are reused. It has specialised paths for one integer-like key (any
// integer, timestamp, date, time or duration column) and for one string key,
// and encodes composite keys to bytes. A GroupTable is not safe for
// concurrent use.
type GroupTable struct {
	types  []arrow.DataType
	codecs []aggCodec
	mode   groupMode

	ints    map[int64]uint32
	strs    map[string]uint32
	intKeys []int64  // groupModeInt: key per id
	strKeys []string // groupModeBinary and groupModeBytes: key per id
	isNull  []bool   // groupModeInt and groupModeBinary: id is the NULL group
	nullID  int64    // id of the NULL group, -1 if none
	live    []bool

	free     []uint32
	count    int
	keyBytes int // total length of strKeys, kept up to date for SizeBytes

	scratchInt []int64
	scratchKey [][]byte
}

// NewGroupTable returns an empty table for keys of the given types. No types
// means a single global group.
func NewGroupTable(types []arrow.DataType) (*GroupTable, error) {
	t := &GroupTable{types: types, nullID: -1}
	for _, dt := range types {
		c, err := newAggCodec(dt)
		if err != nil {
			return nil, err
		}
		t.codecs = append(t.codecs, c)
	}
	switch {
	case len(types) == 0:
		t.mode = groupModeNone
	case len(types) == 1 && aggIntLike(types[0]):
		t.mode = groupModeInt
		t.ints = make(map[int64]uint32)
	case len(types) == 1 && (t.codecs[0].kind == aggKindBinary || t.codecs[0].kind == aggKindLarge):
		t.mode = groupModeBinary
		t.strs = make(map[string]uint32)
	default:
		t.mode = groupModeBytes
		t.strs = make(map[string]uint32)
	}
	return t, nil
}

// aggIntLike reports whether dt is stored as a signed or unsigned integer of
// at most 8 bytes.
func aggIntLike(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64,
		arrow.DURATION:
		return true
	}
	return false
}

// Len returns the number of live groups.
func (t *GroupTable) Len() int { return t.count }

// Cap returns one more than the highest group id ever handed out: the size
// accumulators must be grown to.
func (t *GroupTable) Cap() int { return len(t.live) }

// KeyTypes returns the key types the table was built for.
func (t *GroupTable) KeyTypes() []arrow.DataType { return t.types }

// newID returns a fresh or reused group id.
func (t *GroupTable) newID() uint32 {
	t.count++
	if n := len(t.free); n > 0 {
		id := t.free[n-1]
		t.free = t.free[:n-1]
		t.live[id] = true
		return id
	}
	id := uint32(len(t.live))
	t.live = append(t.live, true)
	switch t.mode {
	case groupModeInt:
		t.intKeys = append(t.intKeys, 0)
		t.isNull = append(t.isNull, false)
	case groupModeBinary:
		t.strKeys = append(t.strKeys, "")
		t.isNull = append(t.isNull, false)
	case groupModeBytes:
		t.strKeys = append(t.strKeys, "")
	}
	return id
}

func (t *GroupTable) nullGroup() uint32 {
	if t.nullID < 0 {
		id := t.newID()
		t.nullID = int64(id)
		t.isNull[id] = true
	}
	return uint32(t.nullID)
}

// Groups appends to ids[:0] the group id of every selected row of the key
// columns, creating groups for new keys, and returns it. rows selects rows;
// nil selects all numRows rows.
func (t *GroupTable) Groups(keys []arrow.Array, numRows int, rows []int32, ids []uint32) ([]uint32, error) {
	if len(keys) != len(t.types) {
		return ids, fmt.Errorf("exec: group by: %d key columns, want %d", len(keys), len(t.types))
	}
	n := numRows
	if rows != nil {
		n = len(rows)
	}
	ids = ids[:0]
	switch t.mode {
	case groupModeNone:
		var id uint32
		if t.count == 0 {
			id = t.newID()
		}
		for range n {
			ids = append(ids, id)
		}
	case groupModeInt:
		ids = t.groupsInt(keys[0], rows, ids, n)
	case groupModeBinary:
		ids = t.groupsBinary(keys[0], rows, ids, n)
	default:
		ids = t.groupsBytes(keys, rows, ids, n)
	}
	return ids, nil
}

func (t *GroupTable) groupsInt(key arrow.Array, rows []int32, ids []uint32, n int) []uint32 {
	t.scratchInt = aggWidenInts(key, t.scratchInt[:0])
	vals := t.scratchInt
	hasNulls := key.NullN() > 0
	for i := range n {
		r := i
		if rows != nil {
			r = int(rows[i])
		}
		if hasNulls && key.IsNull(r) {
			ids = append(ids, t.nullGroup())
			continue
		}
		v := vals[r]
		id, ok := t.ints[v]
		if !ok {
			id = t.newID()
			t.ints[v] = id
			t.intKeys[id] = v
		}
		ids = append(ids, id)
	}
	return ids
}

func (t *GroupTable) groupsBinary(key arrow.Array, rows []int32, ids []uint32, n int) []uint32 {
	c := &t.codecs[0]
	v := c.view(key)
	for i := range n {
		r := i
		if rows != nil {
			r = int(rows[i])
		}
		if v.isNull(r) {
			ids = append(ids, t.nullGroup())
			continue
		}
		b := c.bytesAt(&v, r)
		id, ok := t.strs[string(b)]
		if !ok {
			id = t.newID()
			s := string(b)
			t.strs[s] = id
			t.strKeys[id] = s
			t.keyBytes += len(s)
		}
		ids = append(ids, id)
	}
	return ids
}

func (t *GroupTable) groupsBytes(keys []arrow.Array, rows []int32, ids []uint32, n int) []uint32 {
	if cap(t.scratchKey) < n {
		t.scratchKey = make([][]byte, n)
	}
	enc := t.scratchKey[:n]
	for i := range enc {
		enc[i] = enc[i][:0]
	}
	for j, k := range keys {
		t.codecs[j].encodeColumn(enc, k, rows)
	}
	for _, b := range enc {
		id, ok := t.strs[string(b)]
		if !ok {
			id = t.newID()
			s := string(b)
			t.strs[s] = id
			t.strKeys[id] = s
			t.keyBytes += len(s)
		}
		ids = append(ids, id)
	}
	return ids
}

// Delete removes the groups ids; their ids will be reused.
func (t *GroupTable) Delete(ids []uint32) {
	for _, id := range ids {
		if int(id) >= len(t.live) || !t.live[id] {
			continue
		}
		t.live[id] = false
		t.count--
		t.free = append(t.free, id)
		switch t.mode {
		case groupModeInt:
			if t.isNull[id] {
				t.isNull[id] = false
				t.nullID = -1
			} else {
				delete(t.ints, t.intKeys[id])
			}
		case groupModeBinary:
			if t.isNull[id] {
				t.isNull[id] = false
				t.nullID = -1
			} else {
				t.keyBytes -= len(t.strKeys[id])
				delete(t.strs, t.strKeys[id])
				t.strKeys[id] = ""
			}
		case groupModeBytes:
			t.keyBytes -= len(t.strKeys[id])
			delete(t.strs, t.strKeys[id])
			t.strKeys[id] = ""
		}
	}
}

// Reset forgets every group.
func (t *GroupTable) Reset() {
	clear(t.ints)
	clear(t.strs)
	t.intKeys = t.intKeys[:0]
	t.strKeys = t.strKeys[:0]
	t.isNull = t.isNull[:0]
	t.live = t.live[:0]
	t.free = t.free[:0]
	t.nullID = -1
	t.count = 0
	t.keyBytes = 0
}

// LiveIDs appends the ids of every live group, in increasing order, to dst.
func (t *GroupTable) LiveIDs(dst []uint32) []uint32 {
	for id, ok := range t.live {
		if ok {
			dst = append(dst, uint32(id))
		}
	}
	return dst
}

// MergeFrom inserts the keys of groups srcIDs of src (a table with the same
// key types) into t, and appends the matching ids of t to dst.
func (t *GroupTable) MergeFrom(src *GroupTable, srcIDs []uint32, dst []uint32) []uint32 {
	for _, sid := range srcIDs {
		var id uint32
		switch t.mode {
		case groupModeNone:
			if t.count == 0 {
				id = t.newID()
			}
		case groupModeInt:
			if src.isNull[sid] {
				id = t.nullGroup()
				break
			}
			v := src.intKeys[sid]
			var ok bool
			if id, ok = t.ints[v]; !ok {
				id = t.newID()
				t.ints[v] = id
				t.intKeys[id] = v
			}
		case groupModeBinary:
			if src.isNull[sid] {
				id = t.nullGroup()
				break
			}
			fallthrough
		default:
			s := src.strKeys[sid]
			var ok bool
			if id, ok = t.strs[s]; !ok {
				id = t.newID()
				t.strs[s] = id
				t.strKeys[id] = s
				t.keyBytes += len(s)
			}
		}
		dst = append(dst, id)
	}
	return dst
}

// KeyArrays builds the key columns of groups ids, one array per key, which
// the caller releases.
func (t *GroupTable) KeyArrays(mem memory.Allocator, ids []uint32) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(t.types))
	switch t.mode {
	case groupModeNone:
	case groupModeInt:
		b := newAggBuilder(t.codecs[0], len(ids))
		var buf [8]byte
		w := t.codecs[0].width
		for _, id := range ids {
			if t.isNull[id] {
				b.appendNull()
				continue
			}
			aggPutIntLE(buf[:], t.intKeys[id])
			b.appendRaw(buf[:w])
		}
		out[0] = b.finish(mem)
	case groupModeBinary:
		b := newAggBuilder(t.codecs[0], len(ids))
		for _, id := range ids {
			if t.isNull[id] {
				b.appendNull()
				continue
			}
			b.appendRaw([]byte(t.strKeys[id]))
		}
		out[0] = b.finish(mem)
	default:
		bs := make([]*aggBuilder, len(t.types))
		for j := range bs {
			bs[j] = newAggBuilder(t.codecs[j], len(ids))
		}
		for _, id := range ids {
			src := []byte(t.strKeys[id])
			for _, b := range bs {
				var err error
				if src, err = b.appendEncoded(src); err != nil {
					return nil, err
				}
			}
		}
		for j, b := range bs {
			out[j] = b.finish(mem)
		}
	}
	return out, nil
}

// aggPutIntLE writes v little-endian; the low bytes of a narrower integer are
// its value (two's complement).
func aggPutIntLE(b []byte, v int64) {
	u := uint64(v)
	for i := range b {
		b[i] = byte(u >> (8 * i))
	}
}

// aggWidenInts appends every value of an integer-like array, widened to int64,
// to dst. NULL slots hold unspecified values.
func aggWidenInts(arr arrow.Array, dst []int64) []int64 {
	d := arr.Data()
	n := arr.Len()
	buf := d.Buffers()[1]
	if buf == nil {
		for range n {
			dst = append(dst, 0)
		}
		return dst
	}
	b := buf.Bytes()
	off := d.Offset()
	switch d.DataType().(arrow.FixedWidthDataType).BitWidth() {
	case 8:
		if aggIsUnsigned(d.DataType()) {
			return aggWiden(dst, arrow.Uint8Traits.CastFromBytes(b)[off:off+n])
		}
		return aggWiden(dst, arrow.Int8Traits.CastFromBytes(b)[off:off+n])
	case 16:
		if aggIsUnsigned(d.DataType()) {
			return aggWiden(dst, arrow.Uint16Traits.CastFromBytes(b)[off:off+n])
		}
		return aggWiden(dst, arrow.Int16Traits.CastFromBytes(b)[off:off+n])
	case 32:
		if aggIsUnsigned(d.DataType()) {
			return aggWiden(dst, arrow.Uint32Traits.CastFromBytes(b)[off:off+n])
		}
		return aggWiden(dst, arrow.Int32Traits.CastFromBytes(b)[off:off+n])
	}
	return append(dst, arrow.Int64Traits.CastFromBytes(b)[off:off+n]...)
}

func aggIsUnsigned(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

func aggWiden[T int8 | int16 | int32 | uint8 | uint16 | uint32](dst []int64, src []T) []int64 {
	for _, v := range src {
		dst = append(dst, int64(v))
	}
	return dst
}

// SizeBytes estimates the memory the table holds, in O(1): its slices at
// their capacity (including the per-row scratch a batch leaves behind), its
// hash map as the runtime lays it out (aggMapBytes), and every key string
// once (the map and strKeys share it) with its allocation rounding.
func (t *GroupTable) SizeBytes() int {
	n := aggTableOverhead + 8*cap(t.intKeys) + cap(t.isNull) + cap(t.live) + 4*cap(t.free) + 16*cap(t.strKeys)
	n += 8*cap(t.scratchInt) + 24*cap(t.scratchKey)
	n += aggMapBytes(len(t.ints), 16) + aggMapBytes(len(t.strs), 24) // int64 or string key, uint32 id
	return n + t.keyBytes + aggStringRounding*len(t.strs)
}

// aggTableOverhead is a GroupTable's own size: the struct, its codecs and
// its empty map.
const aggTableOverhead = 320

// aggStringRounding is what allocating a string costs beyond its length
// on average: the allocator rounds it up to its size class.
const aggStringRounding = 8

// aggMapBytes estimates the memory of a Go map of n entries whose key and
// value take slot bytes together (padded): the runtime keeps groups of 8
// slots with a control byte each, holds at most 7/8 of them full, and
// doubles when full, so a map is on average about 5/8 full.
func aggMapBytes(n, slot int) int {
	if n == 0 {
		return 0
	}
	return 48 + n*(slot+1)*8/5
}
