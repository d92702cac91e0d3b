package exec

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// operand is one argument of a call as a kernel sees it: an array with one
// value per row, or a constant that is never expanded into an array.
type operand struct {
	arr arrow.Array    // nil when the argument is constant
	val any            // the constant (nil is NULL) when arr is nil
	typ arrow.DataType // the argument's type
}

func (o operand) isConst() bool { return o.arr == nil }

func (o operand) isNullConst() bool { return o.arr == nil && o.val == nil }

func (o operand) isNull(i int) bool {
	if o.arr == nil {
		return o.val == nil
	}
	return o.arr.IsNull(i)
}

// evalOperand evaluates e as an operand; constants are not evaluated.
func evalOperand(ec *EvalContext, e Expr, batch arrow.RecordBatch) (operand, error) {
	if v, ok := ConstValue(e); ok {
		return operand{val: v, typ: e.DataType()}, nil
	}
	arr, err := e.Eval(ec, batch)
	if err != nil {
		return operand{}, err
	}
	return operand{arr: arr, typ: e.DataType()}, nil
}

func releaseOperands(ops []operand) {
	for _, o := range ops {
		if o.arr != nil {
			o.arr.Release()
		}
	}
}

// fixedValues views the values buffer of a fixed-width array as []T.
func fixedValues[T any](a arrow.Array) []T {
	d := a.Data()
	bufs := d.Buffers()
	if d.Len() == 0 || len(bufs) < 2 || bufs[1] == nil {
		return nil
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	b := bufs[1].Bytes()
	all := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)
	return all[d.Offset() : d.Offset()+d.Len()]
}

// fixedOperand returns the values of o and an index mask: index row i as
// vals[i&mask]. A constant is a one-element slice with mask 0.
func fixedOperand[T any](o operand, conv func(any) T) ([]T, int) {
	if o.arr == nil {
		if o.val == nil {
			return []T{*new(T)}, 0
		}
		return []T{conv(o.val)}, 0
	}
	return fixedValues[T](o.arr), -1
}

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~float32 | ~float64
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64
}

// numConv converts a canonical constant (int64, float64, bool) to T.
func numConv[T number](v any) T {
	switch x := v.(type) {
	case int64:
		return T(x)
	case float64:
		return T(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

// boolOperand returns the bitmap, bit offset and mask of a boolean
// operand: row i is bit off+(i&mask). A constant has its own one-bit bitmap.
func boolOperand(o operand) ([]byte, int, int) {
	if o.arr == nil {
		if b, _ := o.val.(bool); b {
			return []byte{1}, 0, 0
		}
		return []byte{0}, 0, 0
	}
	d := o.arr.Data()
	return d.Buffers()[1].Bytes(), d.Offset(), -1
}

// stringOperand returns a function giving row i of a string or binary operand.
func stringOperand(o operand) func(i int) string {
	if o.arr == nil {
		var s string
		switch v := o.val.(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		}
		return func(int) string { return s }
	}
	switch a := o.arr.(type) {
	case *array.String:
		return a.Value
	case *array.Binary:
		return a.ValueString
	}
	return func(int) string { return "" }
}

// validity is the validity bitmap of a result being built; nil means no
// nulls yet.
type validity struct {
	mem  memory.Allocator
	n    int
	buf  *memory.Buffer
	bits []byte
}

// newValidity starts from the AND of the validity of every array operand.
// A NULL constant makes every row NULL.
func newValidity(mem memory.Allocator, n int, ops ...operand) *validity {
	v := &validity{mem: mem, n: n}
	for _, o := range ops {
		if o.isNullConst() || (o.arr != nil && o.arr.DataType().ID() == arrow.NULL) {
			v.allNull()
			continue
		}
		if o.arr == nil || o.arr.NullN() == 0 {
			continue
		}
		d := o.arr.Data()
		src := d.Buffers()[0].Bytes()
		if v.buf == nil {
			v.alloc(false)
			bitutil.CopyBitmap(src, d.Offset(), n, v.bits, 0)
			continue
		}
		bitutil.BitmapAnd(v.bits, src, 0, int64(d.Offset()), v.bits, 0, int64(n))
	}
	return v
}

func (v *validity) alloc(set bool) {
	v.buf = memory.NewResizableBuffer(v.mem)
	v.buf.Resize(int(bitutil.BytesForBits(int64(v.n))))
	v.bits = v.buf.Bytes()
	fill := byte(0)
	if set {
		fill = 0xff
	}
	for i := range v.bits {
		v.bits[i] = fill
	}
}

func (v *validity) valid(i int) bool { return v.buf == nil || bitutil.BitIsSet(v.bits, i) }

func (v *validity) setNull(i int) {
	if v.buf == nil {
		v.alloc(true)
	}
	bitutil.ClearBit(v.bits, i)
}

// allNull starts a result with no valid row.
func (v *validity) allNull() {
	if v.buf == nil {
		v.alloc(false)
		return
	}
	for i := range v.bits {
		v.bits[i] = 0
	}
}

func (v *validity) setValid(i int) {
	if v.buf != nil {
		bitutil.SetBit(v.bits, i)
	}
}

// fail records a row error unless the row is already NULL, and makes the
// row NULL.
func (v *validity) fail(ec *EvalContext, i int, err error) {
	if !v.valid(i) {
		return
	}
	ec.RowError(i, err)
	v.setNull(i)
}

func (v *validity) finish() (*memory.Buffer, int) {
	if v.buf == nil {
		return nil, 0
	}
	nulls := v.n - bitutil.CountSetBits(v.bits, 0, v.n)
	if nulls == 0 {
		v.buf.Release()
		v.buf, v.bits = nil, nil
	}
	return v.buf, nulls
}

// release frees the bitmap when the result is abandoned.
func (v *validity) release() {
	if v.buf != nil {
		v.buf.Release()
		v.buf, v.bits = nil, nil
	}
}

// newFixed allocates the values buffer of n elements of T.
func newFixed[T any](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * int(unsafe.Sizeof(zero)))
	if n == 0 {
		return buf, nil
	}
	return buf, unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf.Bytes()))), n)
}

// newBits allocates a zeroed bitmap of n bits.
func newBits(mem memory.Allocator, n int) (*memory.Buffer, []byte) {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	b := buf.Bytes()
	for i := range b {
		b[i] = 0
	}
	return buf, b
}

// newArray assembles an array from its validity and other buffers, taking
// over the caller's references.
func newArray(typ arrow.DataType, n int, v *validity, bufs ...*memory.Buffer) arrow.Array {
	vb, nulls := v.finish()
	all := make([]*memory.Buffer, 0, len(bufs)+1)
	all = append(all, vb)
	all = append(all, bufs...)
	d := array.NewData(typ, n, all, nil, nulls, 0)
	arr := array.MakeFromData(d)
	d.Release()
	for _, b := range all {
		if b != nil {
			b.Release()
		}
	}
	return arr
}

// b2u is 1 for true and 0 for false.
func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// strOut builds a utf8 or binary array row by row, in row order.
type strOut struct {
	offBuf  *memory.Buffer
	offs    []int32
	dataBuf *memory.Buffer
	data    []byte
	used    int
}

func newStrOut(mem memory.Allocator, n, estBytes int) *strOut {
	s := &strOut{}
	s.offBuf, s.offs = newFixed[int32](mem, n+1)
	if n == 0 {
		s.offBuf.Resize(4)
		s.offs = unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(s.offBuf.Bytes()))), 1)
	}
	s.offs[0] = 0
	s.dataBuf = memory.NewResizableBuffer(mem)
	s.dataBuf.Resize(max(estBytes, 64))
	s.data = s.dataBuf.Bytes()
	return s
}

func (s *strOut) grow(extra int) {
	if s.used+extra <= len(s.data) {
		return
	}
	s.dataBuf.Resize(max(2*len(s.data), s.used+extra))
	s.data = s.dataBuf.Bytes()
}

// appendString sets row i to str.
func (s *strOut) appendString(i int, str string) {
	s.grow(len(str))
	s.used += copy(s.data[s.used:], str)
	s.offs[i+1] = int32(s.used)
}

// appendBytes sets row i to b.
func (s *strOut) appendBytes(i int, b []byte) {
	s.grow(len(b))
	s.used += copy(s.data[s.used:], b)
	s.offs[i+1] = int32(s.used)
}

// empty sets row i to the empty string (for NULL rows too).
func (s *strOut) empty(i int) { s.offs[i+1] = int32(s.used) }

// finish builds the array and hands over the buffers.
func (s *strOut) finish(typ arrow.DataType, n int, v *validity) arrow.Array {
	s.dataBuf.Resize(s.used)
	return newArray(typ, n, v, s.offBuf, s.dataBuf)
}

// release frees the buffers of an abandoned result.
func (s *strOut) release() {
	s.offBuf.Release()
	s.dataBuf.Release()
}
