package codec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

// Field metadata keys the codecs read and Discover writes.
const (
	// MetaLength is the declared length n of a CHAR(n)/VARCHAR(n) column;
	// longer strings are truncated to n characters.
	MetaLength = "length"
	// MetaMapping is the JSONPath a column is read from, as in $.a.b.
	MetaMapping = "mapping"
	// MetaSQLType is the column's SQL type as written in CREATE STREAM,
	// such as VARCHAR(16).
	MetaSQLType = "sqltype"
	// MetaOutvoted, written by Discover, says which sample values did not
	// fit the type the rest of the column's samples voted for, such as
	// `1 of 40 samples: "12x"`.
	MetaOutvoted = "outvoted"
)

// column is what a decoder knows about one declared column.
type column struct {
	name    string
	kind    sources.ColumnKind
	length  int // maximum characters of a string column; 0 = unbounded
	prec    int32
	scale   int32
	sqlType string
	bits    uint8 // width of an integer column
	// strict makes a string longer than length an error (option
	// strict_varchar); otherwise it is cut and onTrunc, when set, is called.
	strict  bool
	onTrunc func(column string)
	// lastTime is the text of the last TIMESTAMP string parsed, lastMs its
	// value: consecutive records often carry the same event time.
	lastTime []byte
	lastMs   int64
}

func columnsOf(schema *arrow.Schema) ([]column, error) {
	cols := make([]column, schema.NumFields())
	for i, f := range schema.Fields() {
		k, ok := sources.ColumnKindOf(f.Type)
		if !ok {
			return nil, fmt.Errorf("codec: column %s has unsupported type %s", f.Name, f.Type)
		}
		c := column{name: f.Name, kind: k, sqlType: sqlTypeOf(f)}
		if v, ok := f.Metadata.GetValue(MetaLength); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("codec: column %s: bad length %q", f.Name, v)
			}
			c.length = n
		}
		switch k {
		case sources.ColInt8:
			c.bits = 8
		case sources.ColInt16:
			c.bits = 16
		case sources.ColInt32:
			c.bits = 32
		case sources.ColInt64:
			c.bits = 64
		case sources.ColDecimal:
			d := f.Type.(*arrow.Decimal128Type)
			c.prec, c.scale = d.Precision, d.Scale
		}
		cols[i] = c
	}
	return cols, nil
}

// sqlTypeOf names a field's SQL type for messages: the "sqltype" metadata
// when present, else a name derived from the Arrow type.
func sqlTypeOf(f arrow.Field) string {
	if v, ok := f.Metadata.GetValue(MetaSQLType); ok && v != "" {
		return v
	}
	switch f.Type.ID() {
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
		d := f.Type.(*arrow.Decimal128Type)
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Precision, d.Scale)
	case arrow.STRING, arrow.LARGE_STRING:
		if v, ok := f.Metadata.GetValue(MetaLength); ok {
			return "VARCHAR(" + v + ")"
		}
		return "VARCHAR"
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "VARBINARY"
	case arrow.TIMESTAMP:
		return "TIMESTAMP"
	case arrow.DATE32:
		return "DATE"
	case arrow.TIME32:
		return "TIME"
	}
	return strings.ToUpper(f.Type.String())
}

func (c *column) coerceErr(v []byte, quoted bool, reason string) error {
	return &CoercionError{Column: c.name, Value: string(v), Quoted: quoted, Type: c.sqlType, Reason: reason}
}
