package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// takeRows gathers rows idx of arr (-1: NULL) into a new array, for the
// fixed-width types of at least a byte and for 32-bit-offset strings and
// binaries; ok is false for other types (the caller uses Arrow's Take).
// It sizes every buffer exactly, once.
func takeRows(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, bool) {
	d := arr.Data()
	off := d.Offset()
	n := len(idx)
	srcValid := []byte(nil)
	if arr.NullN() > 0 && d.Buffers()[0] != nil {
		srcValid = d.Buffers()[0].Bytes()
	}
	valid := memory.NewResizableBuffer(mem)
	valid.Resize(int(bitutil.BytesForBits(int64(n))))
	vb := valid.Bytes()
	clear(vb)
	nulls := 0
	isValid := func(i int, r int32) bool {
		if r < 0 || srcValid != nil && !bitutil.BitIsSet(srcValid, off+int(r)) {
			nulls++
			return false
		}
		bitutil.SetBit(vb, i)
		return true
	}
	var out arrow.ArrayData
	switch dt := arr.DataType().(type) {
	case *arrow.StringType, *arrow.BinaryType:
		offs := arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())[off:]
		var src []byte
		if b := d.Buffers()[2]; b != nil {
			src = b.Bytes()
		}
		total := 0
		for _, r := range idx {
			if r >= 0 {
				total += int(offs[r+1] - offs[r])
			}
		}
		ob := memory.NewResizableBuffer(mem)
		ob.Resize((n + 1) * 4)
		db := memory.NewResizableBuffer(mem)
		db.Resize(total)
		oo := arrow.Int32Traits.CastFromBytes(ob.Bytes())
		data := db.Bytes()
		pos := int32(0)
		for i, r := range idx {
			oo[i] = pos
			if isValid(i, r) {
				pos += int32(copy(data[pos:], src[offs[r]:offs[r+1]]))
			}
		}
		oo[n] = pos
		out = array.NewData(dt, n, []*memory.Buffer{valid, ob, db}, nil, nulls, 0)
		ob.Release()
		db.Release()
	default:
		fw, ok := dt.(arrow.FixedWidthDataType)
		if !ok || fw.BitWidth() < 8 || fw.BitWidth()%8 != 0 || dt.ID() == arrow.DICTIONARY || dt.ID() == arrow.EXTENSION {
			valid.Release()
			return nil, false
		}
		w := fw.BitWidth() / 8
		src := d.Buffers()[1].Bytes()[off*w:]
		vals := memory.NewResizableBuffer(mem)
		vals.Resize(n * w)
		dst := vals.Bytes()
		switch w {
		case 8:
			s8 := arrow.Int64Traits.CastFromBytes(src)
			d8 := arrow.Int64Traits.CastFromBytes(dst)
			for i, r := range idx {
				if isValid(i, r) {
					d8[i] = s8[r]
				} else {
					d8[i] = 0
				}
			}
		default:
			for i, r := range idx {
				if isValid(i, r) {
					copy(dst[i*w:(i+1)*w], src[int(r)*w:(int(r)+1)*w])
				} else {
					clear(dst[i*w : (i+1)*w])
				}
			}
		}
		out = array.NewData(dt, n, []*memory.Buffer{valid, vals}, nil, nulls, 0)
		vals.Release()
	}
	valid.Release()
	defer out.Release()
	return array.MakeFromData(out), true
}
