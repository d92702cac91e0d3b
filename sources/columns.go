package sources

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// The names of the system columns every source batch ends with. They repeat
// package exec's names because sources must not depend on exec.
const (
	// ArrivalColumn is APPROXIMATE_ARRIVAL_TIME, the time a record was read.
	ArrivalColumn = "APPROXIMATE_ARRIVAL_TIME"
	// RowtimeColumn is ROWTIME, the event time of a row.
	RowtimeColumn = "ROWTIME"
)

// TimestampType is the Arrow type of SQL TIMESTAMP and of the system
// columns: milliseconds since the Unix epoch, UTC, no time zone.
var TimestampType arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond}

// WithSystemColumns returns the output schema of a stream whose declared
// columns are declared: those columns, then APPROXIMATE_ARRIVAL_TIME and
// ROWTIME, both non-nullable millisecond timestamps.
func WithSystemColumns(declared *arrow.Schema) *arrow.Schema {
	fields := append([]arrow.Field(nil), declared.Fields()...)
	fields = append(fields,
		arrow.Field{Name: ArrivalColumn, Type: TimestampType},
		arrow.Field{Name: RowtimeColumn, Type: TimestampType},
	)
	md := declared.Metadata()
	return arrow.NewSchema(fields, &md)
}

// DeclaredColumns returns the declared columns of an output schema: all
// fields but the trailing APPROXIMATE_ARRIVAL_TIME and ROWTIME. It is an
// error when schema does not end with them.
func DeclaredColumns(schema *arrow.Schema) (*arrow.Schema, error) {
	n := schema.NumFields()
	if n < 2 || !strings.EqualFold(schema.Field(n-2).Name, ArrivalColumn) ||
		!strings.EqualFold(schema.Field(n-1).Name, RowtimeColumn) {
		return nil, fmt.Errorf("sources: schema must end with %s and %s", ArrivalColumn, RowtimeColumn)
	}
	for _, i := range []int{n - 2, n - 1} {
		if !arrow.TypeEqual(schema.Field(i).Type, TimestampType) {
			return nil, fmt.Errorf("sources: column %s must be a millisecond timestamp, not %s", schema.Field(i).Name, schema.Field(i).Type)
		}
	}
	md := schema.Metadata()
	return arrow.NewSchema(schema.Fields()[:n-2], &md), nil
}

// ColumnKind is how a declared column's values are staged in a Batcher.
type ColumnKind uint8

// Column kinds. Integer-like kinds (ColInt8…ColInt64, ColTimestamp, ColDate,
// ColTime) are staged with SetInt, ColFloat32/ColFloat64 with SetFloat,
// ColDecimal with SetDecimal, ColString/ColBinary with SetBytes and ColBool
// with SetBool.
const (
	ColBool ColumnKind = iota
	ColInt8
	ColInt16
	ColInt32
	ColInt64
	ColFloat32
	ColFloat64
	ColDecimal   // decimal128 with the type's precision and scale
	ColString    // utf8 or large_utf8
	ColBinary    // binary or large_binary
	ColTimestamp // milliseconds since the epoch
	ColDate      // days since the epoch (date32)
	ColTime      // milliseconds of the day (time32[ms])
)

// ColumnKindOf returns the kind a Batcher stages values of type t as, and
// false for types sources cannot produce.
func ColumnKindOf(t arrow.DataType) (ColumnKind, bool) {
	switch t.ID() {
	case arrow.BOOL:
		return ColBool, true
	case arrow.INT8:
		return ColInt8, true
	case arrow.INT16:
		return ColInt16, true
	case arrow.INT32:
		return ColInt32, true
	case arrow.INT64:
		return ColInt64, true
	case arrow.FLOAT32:
		return ColFloat32, true
	case arrow.FLOAT64:
		return ColFloat64, true
	case arrow.DECIMAL128:
		return ColDecimal, true
	case arrow.STRING, arrow.LARGE_STRING:
		return ColString, true
	case arrow.BINARY, arrow.LARGE_BINARY:
		return ColBinary, true
	case arrow.TIMESTAMP:
		if t.(*arrow.TimestampType).Unit == arrow.Millisecond {
			return ColTimestamp, true
		}
	case arrow.DATE32:
		return ColDate, true
	case arrow.TIME32:
		if t.(*arrow.Time32Type).Unit == arrow.Millisecond {
			return ColTime, true
		}
	}
	return 0, false
}
