package exec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// literal is a constant expression. Its value is held in canonical form:
// nil, bool, int64 (every integer and temporal type), float64, string,
// []byte or decimal128.Num.
type literal struct {
	val any
	typ arrow.DataType
}

var _ Expr = (*literal)(nil)

// Literal returns a constant of type typ. value is nil (SQL NULL), a bool,
// an int64 (for the integer types and for Timestamp ms, Duration ms, Date32
// days, Time32 ms and MonthInterval months), a float64, a string, a []byte
// (Binary) or a decimal128.Num (with a Decimal128Type). Integer values are
// range-checked against typ.
func Literal(value any, typ arrow.DataType) (Expr, error) {
	if typ == nil {
		return nil, fmt.Errorf("exec: literal: no type")
	}
	if value == nil {
		return &literal{typ: typ}, nil
	}
	if i, ok := value.(int); ok {
		value = int64(i)
	}
	bad := func() (Expr, error) {
		return nil, fmt.Errorf("exec: literal: %T value %v does not fit type %s", value, value, typeName(typ))
	}
	switch typ.ID() {
	case arrow.BOOL:
		if _, ok := value.(bool); ok {
			return &literal{val: value, typ: typ}, nil
		}
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		if v, ok := value.(int64); ok {
			if !intFits(v, intBits(typ)) {
				return bad()
			}
			return &literal{val: v, typ: typ}, nil
		}
	case arrow.TIMESTAMP, arrow.DURATION, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS:
		if v, ok := value.(int64); ok {
			if typ.ID() != arrow.TIMESTAMP && typ.ID() != arrow.DURATION && !intFits(v, 32) {
				return bad()
			}
			return &literal{val: v, typ: typ}, nil
		}
	case arrow.FLOAT32, arrow.FLOAT64:
		switch v := value.(type) {
		case float64:
			return &literal{val: v, typ: typ}, nil
		case int64:
			return &literal{val: float64(v), typ: typ}, nil
		}
	case arrow.DECIMAL128:
		dt := typ.(*arrow.Decimal128Type)
		switch v := value.(type) {
		case decimal128.Num:
			if !v.FitsInPrecision(dt.Precision) {
				return bad()
			}
			return &literal{val: v, typ: typ}, nil
		case int64:
			n, ok := decRescale(decimal128.FromI64(v), 0, dt.Scale)
			if !ok || !n.FitsInPrecision(dt.Precision) {
				return bad()
			}
			return &literal{val: n, typ: typ}, nil
		}
	case arrow.STRING:
		if v, ok := value.(string); ok {
			return &literal{val: v, typ: typ}, nil
		}
	case arrow.BINARY:
		switch v := value.(type) {
		case []byte:
			return &literal{val: append([]byte(nil), v...), typ: typ}, nil
		case string:
			return &literal{val: []byte(v), typ: typ}, nil
		}
	}
	return bad()
}

func intFits(v int64, bits int) bool {
	switch bits {
	case 8:
		return v >= math.MinInt8 && v <= math.MaxInt8
	case 16:
		return v >= math.MinInt16 && v <= math.MaxInt16
	case 32:
		return v >= math.MinInt32 && v <= math.MaxInt32
	}
	return true
}

// ConstValue returns the value of a constant expression (a literal or a
// folded call) in the form Literal takes; ok is false for anything else.
func ConstValue(e Expr) (value any, ok bool) {
	if l, isLit := e.(*literal); isLit {
		return l.val, true
	}
	return nil, false
}

// DataType returns the literal's type.
func (l *literal) DataType() arrow.DataType { return l.typ }

// Eval returns the constant repeated once per row.
func (l *literal) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	return constArray(ec.Alloc, l.typ, l.val, int(batch.NumRows()))
}

// String returns the literal in SQL form.
func (l *literal) String() string { return formatConst(l.val, l.typ) }

func formatConst(v any, typ arrow.DataType) string {
	if v == nil {
		return "NULL"
	}
	switch typ.ID() {
	case arrow.STRING:
		return "'" + strings.ReplaceAll(v.(string), "'", "''") + "'"
	case arrow.BINARY:
		return fmt.Sprintf("X'%X'", v.([]byte))
	case arrow.DECIMAL128:
		return v.(decimal128.Num).ToString(typ.(*arrow.Decimal128Type).Scale)
	case arrow.FLOAT32, arrow.FLOAT64:
		return strconv.FormatFloat(v.(float64), 'g', -1, 64)
	case arrow.TIMESTAMP:
		return "TIMESTAMP '" + formatTimestamp(v.(int64)) + "'"
	case arrow.DATE32:
		return "DATE '" + formatDate(v.(int64)) + "'"
	case arrow.TIME32:
		return "TIME '" + time.UnixMilli(v.(int64)).UTC().Format("15:04:05.000") + "'"
	case arrow.DURATION:
		ms := v.(int64)
		if ms%1000 == 0 {
			return fmt.Sprintf("INTERVAL '%d' SECOND", ms/1000)
		}
		return fmt.Sprintf("INTERVAL '%d.%03d' SECOND", ms/1000, abs64(ms%1000))
	case arrow.INTERVAL_MONTHS:
		return fmt.Sprintf("INTERVAL '%d' MONTH", v.(int64))
	case arrow.BOOL:
		if v.(bool) {
			return "TRUE"
		}
		return "FALSE"
	}
	return fmt.Sprint(v)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// constArray materialises a constant as an array of n rows.
func constArray(mem memory.Allocator, typ arrow.DataType, val any, n int) (arrow.Array, error) {
	if val == nil {
		return array.MakeArrayOfNull(mem, typ, n), nil
	}
	v := &validity{mem: mem, n: n}
	switch typ.ID() {
	case arrow.BOOL:
		buf, bits := newBits(mem, n)
		if val.(bool) {
			for i := range bits {
				bits[i] = 0xff
			}
		}
		return newArray(typ, n, v, buf), nil
	case arrow.INT8:
		return fillConst[int8](mem, typ, n, int8(val.(int64))), nil
	case arrow.INT16:
		return fillConst[int16](mem, typ, n, int16(val.(int64))), nil
	case arrow.INT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS:
		return fillConst[int32](mem, typ, n, int32(val.(int64))), nil
	case arrow.INT64, arrow.TIMESTAMP, arrow.DURATION:
		return fillConst[int64](mem, typ, n, val.(int64)), nil
	case arrow.FLOAT32:
		return fillConst[float32](mem, typ, n, float32(val.(float64))), nil
	case arrow.FLOAT64:
		return fillConst[float64](mem, typ, n, val.(float64)), nil
	case arrow.DECIMAL128:
		return fillConst[decimal128.Num](mem, typ, n, val.(decimal128.Num)), nil
	case arrow.STRING, arrow.BINARY:
		var s string
		if b, ok := val.([]byte); ok {
			s = string(b)
		} else {
			s = val.(string)
		}
		offBuf, offs := newFixed[int32](mem, n+1)
		dataBuf, data := newFixed[byte](mem, n*len(s))
		for i := 0; i <= n; i++ {
			offs[i] = int32(i * len(s))
		}
		for i := 0; i < n; i++ {
			copy(data[i*len(s):], s)
		}
		return newArray(typ, n, v, offBuf, dataBuf), nil
	}
	return nil, fmt.Errorf("exec: literal: cannot build an array of type %s", typeName(typ))
}

func fillConst[T any](mem memory.Allocator, typ arrow.DataType, n int, c T) arrow.Array {
	buf, vals := newFixed[T](mem, n)
	for i := range vals {
		vals[i] = c
	}
	return newArray(typ, n, &validity{mem: mem, n: n}, buf)
}

// valueAt returns row i of arr in the canonical constant form.
func valueAt(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i)
	case *array.String:
		return strings.Clone(a.Value(i))
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...)
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Date32:
		return int64(a.Value(i))
	case *array.Time32:
		return int64(a.Value(i))
	case *array.Duration:
		return int64(a.Value(i))
	case *array.MonthInterval:
		return int64(a.Value(i))
	}
	return nil
}
