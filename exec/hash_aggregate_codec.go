package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// aggCodecKind is how a column's values are laid out.
type aggCodecKind uint8

const (
	aggKindFixed  aggCodecKind = iota // fixed-width values, width bytes each
	aggKindBool                       // bit-packed booleans
	aggKindBinary                     // 32-bit offsets + data
	aggKindLarge                      // 64-bit offsets + data
)

// aggCodec encodes the values of one Arrow column to bytes and decodes them
// back. It is used for composite group keys, COUNT(DISTINCT) sets and the
// values kept by FIRST_VALUE/LAST_VALUE. An encoded value is a validity byte
// (0 NULL, 1 valid) followed by the raw fixed-width bytes or a uvarint length
// and the bytes.
type aggCodec struct {
	dt    arrow.DataType
	kind  aggCodecKind
	width int
}

// newAggCodec returns the codec for dt or an error when the type cannot be
// grouped on.
func newAggCodec(dt arrow.DataType) (aggCodec, error) {
	switch dt.ID() {
	case arrow.BOOL:
		return aggCodec{dt: dt, kind: aggKindBool}, nil
	case arrow.STRING, arrow.BINARY:
		return aggCodec{dt: dt, kind: aggKindBinary}, nil
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return aggCodec{dt: dt, kind: aggKindLarge}, nil
	}
	fw, ok := dt.(arrow.FixedWidthDataType)
	if !ok || fw.BitWidth() < 8 || dt.ID() == arrow.DICTIONARY || dt.ID() == arrow.EXTENSION {
		return aggCodec{}, fmt.Errorf("exec: group by: unsupported type %s", dt)
	}
	return aggCodec{dt: dt, kind: aggKindFixed, width: fw.BitWidth() / 8}, nil
}

// aggView is a typed-free view of one array's buffers.
type aggView struct {
	n       int
	off     int
	valid   []byte // nil when the array has no nulls
	vals    []byte
	offs32  []int32
	offs64  []int64
	data    []byte
	boolBuf []byte
}

func (c *aggCodec) view(arr arrow.Array) aggView {
	d := arr.Data()
	bufs := d.Buffers()
	v := aggView{n: arr.Len(), off: d.Offset()}
	if arr.NullN() > 0 && bufs[0] != nil {
		v.valid = bufs[0].Bytes()
	}
	switch c.kind {
	case aggKindFixed:
		if len(bufs) > 1 && bufs[1] != nil {
			v.vals = bufs[1].Bytes()
		}
	case aggKindBool:
		if len(bufs) > 1 && bufs[1] != nil {
			v.boolBuf = bufs[1].Bytes()
		}
	case aggKindBinary:
		if len(bufs) > 1 && bufs[1] != nil {
			v.offs32 = arrow.Int32Traits.CastFromBytes(bufs[1].Bytes())
		}
		if len(bufs) > 2 && bufs[2] != nil {
			v.data = bufs[2].Bytes()
		}
	case aggKindLarge:
		if len(bufs) > 1 && bufs[1] != nil {
			v.offs64 = arrow.Int64Traits.CastFromBytes(bufs[1].Bytes())
		}
		if len(bufs) > 2 && bufs[2] != nil {
			v.data = bufs[2].Bytes()
		}
	}
	return v
}

func (v *aggView) isNull(i int) bool {
	return v.valid != nil && !bitutil.BitIsSet(v.valid, v.off+i)
}

// bytesAt returns the raw bytes of row i (fixed or binary kinds).
func (c *aggCodec) bytesAt(v *aggView, i int) []byte {
	j := v.off + i
	switch c.kind {
	case aggKindFixed:
		return v.vals[j*c.width : (j+1)*c.width]
	case aggKindBinary:
		return v.data[v.offs32[j]:v.offs32[j+1]]
	case aggKindLarge:
		return v.data[v.offs64[j]:v.offs64[j+1]]
	}
	if bitutil.BitIsSet(v.boolBuf, j) {
		return []byte{1}
	}
	return []byte{0}
}

// appendEncoded appends the encoding of row i to dst.
func (c *aggCodec) appendEncoded(dst []byte, v *aggView, i int) []byte {
	if v.isNull(i) {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	switch c.kind {
	case aggKindFixed:
		j := v.off + i
		return append(dst, v.vals[j*c.width:(j+1)*c.width]...)
	case aggKindBool:
		if bitutil.BitIsSet(v.boolBuf, v.off+i) {
			return append(dst, 1)
		}
		return append(dst, 0)
	}
	b := c.bytesAt(v, i)
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// encodeColumn appends the encoding of the selected rows of arr to keys,
// one entry per selected row (rows nil selects every row).
func (c *aggCodec) encodeColumn(keys [][]byte, arr arrow.Array, rows []int32) {
	v := c.view(arr)
	if rows == nil {
		for i := range keys {
			keys[i] = c.appendEncoded(keys[i], &v, i)
		}
		return
	}
	for i, r := range rows {
		keys[i] = c.appendEncoded(keys[i], &v, int(r))
	}
}

// aggBuilder collects values of one column and turns them into an Arrow
// array. It accepts raw value bytes, so any fixed-width type builds the same
// way.
type aggBuilder struct {
	c     aggCodec
	n     int
	nulls int
	valid []bool
	vals  []byte // fixed values, bool bytes or binary data
	offs  []int64
}

func newAggBuilder(c aggCodec, capacity int) *aggBuilder {
	b := &aggBuilder{c: c, valid: make([]bool, 0, capacity)}
	if c.kind == aggKindBinary || c.kind == aggKindLarge {
		b.offs = append(make([]int64, 0, capacity+1), 0)
	}
	return b
}

// appendRaw appends one valid value given by its raw bytes.
func (b *aggBuilder) appendRaw(raw []byte) {
	b.n++
	b.valid = append(b.valid, true)
	b.vals = append(b.vals, raw...)
	if b.offs != nil {
		b.offs = append(b.offs, int64(len(b.vals)))
	}
}

// appendNull appends a NULL.
func (b *aggBuilder) appendNull() {
	b.n++
	b.nulls++
	b.valid = append(b.valid, false)
	switch b.c.kind {
	case aggKindFixed:
		b.vals = append(b.vals, make([]byte, b.c.width)...)
	case aggKindBool:
		b.vals = append(b.vals, 0)
	default:
		b.offs = append(b.offs, int64(len(b.vals)))
	}
}

// appendEncoded decodes one encoded value from src, appends it and returns
// the rest of src.
func (b *aggBuilder) appendEncoded(src []byte) ([]byte, error) {
	if len(src) == 0 {
		return nil, fmt.Errorf("exec: decode key: truncated value")
	}
	if src[0] == 0 {
		b.appendNull()
		return src[1:], nil
	}
	src = src[1:]
	switch b.c.kind {
	case aggKindFixed:
		if len(src) < b.c.width {
			return nil, fmt.Errorf("exec: decode key: truncated value")
		}
		b.appendRaw(src[:b.c.width])
		return src[b.c.width:], nil
	case aggKindBool:
		if len(src) < 1 {
			return nil, fmt.Errorf("exec: decode key: truncated value")
		}
		b.appendRaw(src[:1])
		return src[1:], nil
	}
	n, k := binary.Uvarint(src)
	if k <= 0 || uint64(len(src)-k) < n {
		return nil, fmt.Errorf("exec: decode key: truncated value")
	}
	b.appendRaw(src[k : k+int(n)])
	return src[k+int(n):], nil
}

// finish builds the array, which the caller releases.
func (b *aggBuilder) finish(mem memory.Allocator) arrow.Array {
	var validity *memory.Buffer
	if b.nulls > 0 {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(b.n))))
		vb := validity.Bytes()
		clear(vb)
		for i, ok := range b.valid {
			if ok {
				bitutil.SetBit(vb, i)
			}
		}
	}
	var buffers []*memory.Buffer
	switch b.c.kind {
	case aggKindFixed:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(len(b.vals))
		copy(vals.Bytes(), b.vals)
		buffers = []*memory.Buffer{validity, vals}
	case aggKindBool:
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(int(bitutil.BytesForBits(int64(b.n))))
		vb := vals.Bytes()
		clear(vb)
		for i, x := range b.vals {
			if x != 0 {
				bitutil.SetBit(vb, i)
			}
		}
		buffers = []*memory.Buffer{validity, vals}
	case aggKindBinary:
		offs := memory.NewResizableBuffer(mem)
		offs.Resize(4 * len(b.offs))
		o := arrow.Int32Traits.CastFromBytes(offs.Bytes())
		for i, x := range b.offs {
			o[i] = int32(x)
		}
		data := memory.NewResizableBuffer(mem)
		data.Resize(len(b.vals))
		copy(data.Bytes(), b.vals)
		buffers = []*memory.Buffer{validity, offs, data}
	case aggKindLarge:
		offs := memory.NewResizableBuffer(mem)
		offs.Resize(8 * len(b.offs))
		copy(arrow.Int64Traits.CastFromBytes(offs.Bytes()), b.offs)
		data := memory.NewResizableBuffer(mem)
		data.Resize(len(b.vals))
		copy(data.Bytes(), b.vals)
		buffers = []*memory.Buffer{validity, offs, data}
	}
	data := array.NewData(b.c.dt, b.n, buffers, nil, b.nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	for _, buf := range buffers {
		if buf != nil {
			buf.Release()
		}
	}
	return arr
}
