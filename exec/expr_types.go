package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// The integer widths Eddy's SQL integer types map to, by Arrow type ID.
func intBits(t arrow.DataType) int {
	switch t.ID() {
	case arrow.INT8:
		return 8
	case arrow.INT16:
		return 16
	case arrow.INT32:
		return 32
	case arrow.INT64:
		return 64
	}
	return 0
}

func isInteger(t arrow.DataType) bool { return intBits(t) != 0 }

func isFloat(t arrow.DataType) bool {
	return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64
}

func isDecimal(t arrow.DataType) bool { return t.ID() == arrow.DECIMAL128 }

func isNumeric(t arrow.DataType) bool { return isInteger(t) || isFloat(t) || isDecimal(t) }

func isString(t arrow.DataType) bool { return t.ID() == arrow.STRING }

func isNullType(t arrow.DataType) bool { return t.ID() == arrow.NULL }

func isTimestamp(t arrow.DataType) bool { return t.ID() == arrow.TIMESTAMP }

func isDate(t arrow.DataType) bool { return t.ID() == arrow.DATE32 }

func isDuration(t arrow.DataType) bool { return t.ID() == arrow.DURATION }

func isMonths(t arrow.DataType) bool { return t.ID() == arrow.INTERVAL_MONTHS }

// decimalOf returns the decimal type that holds every value of the exact
// numeric type t (an integer or a decimal).
func decimalOf(t arrow.DataType) (*arrow.Decimal128Type, bool) {
	switch t.ID() {
	case arrow.INT8:
		return &arrow.Decimal128Type{Precision: 3}, true
	case arrow.INT16:
		return &arrow.Decimal128Type{Precision: 5}, true
	case arrow.INT32:
		return &arrow.Decimal128Type{Precision: 10}, true
	case arrow.INT64:
		return &arrow.Decimal128Type{Precision: 19}, true
	case arrow.DECIMAL128:
		return t.(*arrow.Decimal128Type), true
	}
	return nil, false
}

// decimalType builds a decimal type capped at 38 digits, giving up scale
// (keeping at least six digits of it) before integer digits.
func decimalType(intDigits, scale int32) *arrow.Decimal128Type {
	if intDigits < 1 {
		intDigits = 1
	}
	if intDigits+scale > 38 {
		keep := 38 - intDigits
		if keep < 6 {
			keep = min(6, scale)
		}
		scale = min(scale, keep)
		if intDigits+scale > 38 {
			intDigits = 38 - scale
		}
	}
	return &arrow.Decimal128Type{Precision: intDigits + scale, Scale: scale}
}

// commonNumeric is the type both numeric types promote to.
func commonNumeric(a, b arrow.DataType) (arrow.DataType, bool) {
	if !isNumeric(a) || !isNumeric(b) {
		return nil, false
	}
	switch {
	case isFloat(a) || isFloat(b):
		if a.ID() == arrow.FLOAT32 && b.ID() == arrow.FLOAT32 {
			return arrow.PrimitiveTypes.Float32, true
		}
		return arrow.PrimitiveTypes.Float64, true
	case isDecimal(a) || isDecimal(b):
		da, _ := decimalOf(a)
		db, _ := decimalOf(b)
		scale := max(da.Scale, db.Scale)
		intDigits := max(da.Precision-da.Scale, db.Precision-db.Scale)
		return decimalType(intDigits, scale), true
	default:
		if intBits(a) >= intBits(b) {
			return a, true
		}
		return b, true
	}
}

// commonType is the type two values are converted to before they are
// compared or merged (CASE, COALESCE, IN): numeric promotion, timestamp over
// date, and NULL-typed values take the other type.
func commonType(a, b arrow.DataType) (arrow.DataType, bool) {
	switch {
	case isNullType(a):
		return b, true
	case isNullType(b):
		return a, true
	case arrow.TypeEqual(a, b):
		return a, true
	case isNumeric(a) && isNumeric(b):
		return commonNumeric(a, b)
	case isTimestamp(a) && isDate(b), isDate(a) && isTimestamp(b):
		return TimestampType, true
	}
	return nil, false
}

// typeName is how messages name a type.
func typeName(t arrow.DataType) string {
	if t == nil {
		return "unknown"
	}
	switch t.ID() {
	case arrow.TIMESTAMP:
		return "timestamp"
	case arrow.DURATION:
		return "interval"
	case arrow.INTERVAL_MONTHS:
		return "interval month"
	case arrow.DATE32:
		return "date"
	case arrow.TIME32:
		return "time"
	}
	return t.String()
}
