package exec

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrNoField is wrapped by Field when the row value has no such field.
var ErrNoField = newError(ErrArgumentTypes, "exec: no such field")

// Field returns the expression x.name, the field name of x, a row value
// (an Arrow struct, as *_LOG_PARSE functions return). Names match exactly;
// a field that matches only ignoring case is named in the error. The field
// is NULL where the row value is NULL.
func Field(x Expr, name string) (Expr, error) {
	st, ok := x.DataType().(*arrow.StructType)
	if !ok {
		return nil, newError(ErrArgumentTypes, "exec: %s is not a row value; it has no field %s", typeName(x.DataType()), name)
	}
	if idx, ok := st.FieldIdx(name); ok {
		return &fieldExpr{x: x, idx: idx, name: name, typ: st.Field(idx).Type}, nil
	}
	var names []string
	for _, f := range st.Fields() {
		if strings.EqualFold(f.Name, name) {
			return nil, &execError{msg: "exec: row value has no field " + name + " (did you mean " + f.Name + "? quoted names are case-sensitive)", kind: ErrNoField}
		}
		names = append(names, f.Name)
	}
	return nil, &execError{msg: "exec: row value has no field " + name + "; it has " + strings.Join(names, ", "), kind: ErrNoField}
}

// fieldExpr is x.name.
type fieldExpr struct {
	x    Expr
	idx  int
	name string
	typ  arrow.DataType
}

var _ Expr = (*fieldExpr)(nil)

func (f *fieldExpr) DataType() arrow.DataType { return f.typ }

func (f *fieldExpr) String() string { return f.x.String() + "." + f.name }

// Eval evaluates the row value and returns its field, sharing the child's
// buffers; only a validity bitmap is built when the row value has NULLs.
func (f *fieldExpr) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	arr, err := f.x.Eval(ec, batch)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	st := arr.(*array.Struct)
	child := st.Field(f.idx) // already sliced to the struct's rows
	off, n := st.Data().Offset(), st.Len()
	if st.NullN() == 0 {
		child.Retain()
		return child, nil
	}
	d := child.Data()
	co := d.Offset()
	bits := memory.NewResizableBuffer(ec.Alloc)
	bits.Resize(int(bitutil.BytesForBits(int64(co + n))))
	b := bits.Bytes()
	clear(b)
	bitutil.CopyBitmap(st.NullBitmapBytes(), off, n, b, co)
	if d.Buffers()[0] != nil && child.NullN() > 0 {
		bitutil.BitmapAnd(b, d.Buffers()[0].Bytes(), int64(co), int64(co), b, int64(co), int64(n))
	}
	nulls := n - bitutil.CountSetBits(b, co, n)
	bufs := append([]*memory.Buffer{bits}, d.Buffers()[1:]...)
	nd := array.NewData(f.typ, n, bufs, d.Children(), nulls, co)
	bits.Release()
	defer nd.Release()
	return array.MakeFromData(nd), nil
}
