package encode

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// jsonEncoder writes JSON lines.
type jsonEncoder struct {
	keys [][]byte // `{"A":` then `,"B":` …, rebuilt when the schema changes
	from *arrow.Schema
}

var _ Encoder = (*jsonEncoder)(nil)

// NewJSON returns an encoder of JSON lines: one object {"COL":value,…} per
// row, keys in schema order, each line ended by "\n". NULL is null;
// TIMESTAMP is "2024-05-01T10:00:00.000Z" (UTC, digits by unit); DATE
// "2024-05-01"; TIME "10:00:00.000"; durations a number of milliseconds;
// DECIMAL a number with exactly its scale (90.800); floats the shortest
// text that reads back the same (NaN and infinities null); BINARY a base64
// string; invalid UTF-8 in strings becomes U+FFFD.
func NewJSON() Encoder { return &jsonEncoder{} }

func (e *jsonEncoder) prefixes(schema *arrow.Schema) [][]byte {
	if e.from != nil && (e.from == schema || e.from.Equal(schema)) {
		return e.keys
	}
	e.keys = jsonKeys(schema)
	e.from = schema
	return e.keys
}

// jsonKeys returns, for each field, the text written before its value.
func jsonKeys(schema *arrow.Schema) [][]byte {
	keys := make([][]byte, schema.NumFields())
	for i, f := range schema.Fields() {
		k := []byte{','}
		if i == 0 {
			k[0] = '{'
		}
		k = appendJSONString(k, f.Name)
		keys[i] = append(k, ':')
	}
	return keys
}

// Append appends one JSON line per row of batch.
func (e *jsonEncoder) Append(dst []byte, batch arrow.RecordBatch) ([]byte, error) {
	keys := e.prefixes(batch.Schema())
	cols := newColumns(batch, styleJSON)
	rows := int(batch.NumRows())
	for i := 0; i < rows; i++ {
		dst = appendJSONRow(dst, keys, cols, i)
		dst = append(dst, '\n')
	}
	return dst, nil
}

// Finish appends nothing: JSON lines need no trailer.
func (e *jsonEncoder) Finish(dst []byte) []byte { return dst }

func appendJSONRow(dst []byte, keys [][]byte, cols []column, i int) []byte {
	if len(cols) == 0 {
		return append(dst, '{', '}')
	}
	for c := range cols {
		dst = append(dst, keys[c]...)
		col := &cols[c]
		if col.isNull(i) {
			dst = append(dst, "null"...)
			continue
		}
		dst = col.fmt(dst, i)
	}
	return append(dst, '}')
}

// RowJSON returns row row of batch as one JSON object, in the forms NewJSON
// writes, without a trailing newline. It returns "" when row is outside the
// batch. It does not retain or release batch.
func RowJSON(batch arrow.RecordBatch, row int) string {
	if batch == nil || row < 0 || int64(row) >= batch.NumRows() {
		return ""
	}
	return string(appendJSONRow(nil, jsonKeys(batch.Schema()), newColumns(batch, styleJSON), row))
}
