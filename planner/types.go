package planner

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// ArrowType maps a SQL type to the Arrow type Eddy uses for it.
func ArrowType(t sql.Type) arrow.DataType {
	switch t.Kind {
	case sql.TypeBoolean:
		return arrow.FixedWidthTypes.Boolean
	case sql.TypeTinyInt:
		return arrow.PrimitiveTypes.Int8
	case sql.TypeSmallInt:
		return arrow.PrimitiveTypes.Int16
	case sql.TypeInteger:
		return arrow.PrimitiveTypes.Int32
	case sql.TypeBigInt:
		return arrow.PrimitiveTypes.Int64
	case sql.TypeReal:
		return arrow.PrimitiveTypes.Float32
	case sql.TypeDouble:
		return arrow.PrimitiveTypes.Float64
	case sql.TypeDecimal:
		p := t.Precision
		if p <= 0 {
			p = 19
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(t.Scale)}
	case sql.TypeChar, sql.TypeVarchar:
		return arrow.BinaryTypes.String
	case sql.TypeTimestamp:
		return exec.TimestampType
	case sql.TypeDate:
		return exec.DateType
	case sql.TypeTime:
		return exec.TimeType
	case sql.TypeVarbinary:
		return arrow.BinaryTypes.Binary
	}
	panic(fmt.Sprintf("planner: unknown SQL type kind %d", t.Kind))
}

// TypeText renders a SQL type as DESCRIBE and `eddy discover` print it.
func TypeText(t sql.Type) string {
	switch t.Kind {
	case sql.TypeBoolean:
		return "BOOLEAN"
	case sql.TypeTinyInt:
		return "TINYINT"
	case sql.TypeSmallInt:
		return "SMALLINT"
	case sql.TypeInteger:
		return "INTEGER"
	case sql.TypeBigInt:
		return "BIGINT"
	case sql.TypeReal:
		return "REAL"
	case sql.TypeDouble:
		return "DOUBLE"
	case sql.TypeDecimal:
		p := t.Precision
		if p <= 0 {
			p = 19
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", p, t.Scale)
	case sql.TypeChar, sql.TypeVarchar:
		name := "VARCHAR"
		if t.Kind == sql.TypeChar {
			name = "CHAR"
		}
		if t.Length > 0 {
			return fmt.Sprintf("%s(%d)", name, t.Length)
		}
		return name
	case sql.TypeTimestamp:
		return "TIMESTAMP"
	case sql.TypeDate:
		return "DATE"
	case sql.TypeTime:
		return "TIME"
	case sql.TypeVarbinary:
		return "VARBINARY"
	}
	return "?"
}

// SQLTypeOf renders an Arrow type in SQL words, for types that did not
// come from a declaration (query results, discovered schemas).
func SQLTypeOf(t arrow.DataType) string {
	switch t.ID() {
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.INT8:
		return "TINYINT"
	case arrow.INT16:
		return "SMALLINT"
	case arrow.INT32:
		return "INTEGER"
	case arrow.INT64:
		return "BIGINT"
	case arrow.FLOAT32:
		return "REAL"
	case arrow.FLOAT64:
		return "DOUBLE"
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Precision, d.Scale)
	case arrow.STRING, arrow.LARGE_STRING:
		return "VARCHAR"
	case arrow.TIMESTAMP:
		return "TIMESTAMP"
	case arrow.DATE32:
		return "DATE"
	case arrow.TIME32:
		return "TIME"
	case arrow.DURATION:
		return "INTERVAL DAY TO SECOND"
	case arrow.INTERVAL_MONTHS:
		return "INTERVAL YEAR TO MONTH"
	case arrow.BINARY:
		return "VARBINARY"
	}
	return t.String()
}
