package encode

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// csvEncoder writes RFC 4180 CSV.
type csvEncoder struct {
	delim      byte
	header     bool
	names      []string
	wroteHead  bool
	plainDelim bool   // delim never occurs in plain column text
	scratch    []byte // a field being quoted
}

var _ Encoder = (*csvEncoder)(nil)

// NewCSV returns an encoder of RFC 4180 CSV: one record per row, ended by
// "\n"; fields holding the delimiter, a quote, CR or LF are quoted, with
// quotes doubled. NULL is an empty field and the empty string a quoted
// empty field (""), so the two stay apart. Values take the JSON forms
// unquoted: TIMESTAMP is ISO 8601 UTC 2024-05-01T10:00:00.000Z, DATE
// 2024-05-01, durations milliseconds, DECIMAL its exact scale, BINARY
// base64; NaN and infinities are NaN, Infinity and -Infinity.
//
// With opts.Header the first line holds the column names, taken from
// schema (or from the first batch when schema is nil). The delimiter must
// be one byte other than a quote, CR or LF.
func NewCSV(schema *arrow.Schema, opts Options) (Encoder, error) {
	d := opts.Delimiter
	if d == 0 {
		d = ','
	}
	if d == '"' || d == '\r' || d == '\n' || d >= 0x80 {
		return nil, fmt.Errorf("%w: csv delimiter %q is not allowed", ErrFormat, rune(d))
	}
	return &csvEncoder{
		delim:      d,
		header:     opts.Header,
		names:      columnNames(schema),
		plainDelim: !strings.ContainsRune("0123456789+-.: abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/=", rune(d)),
	}, nil
}

// quoteField quotes the field text dst[start:] when it needs quotes (or
// is empty, which only a NULL may be).
func (e *csvEncoder) quoteField(dst []byte, start int) []byte {
	field := dst[start:]
	if len(field) > 0 && !e.needsQuotes(field) {
		return dst
	}
	e.scratch = append(e.scratch[:0], field...)
	dst = append(dst[:start], '"')
	rest := e.scratch
	for {
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			break
		}
		dst = append(dst, rest[:j+1]...)
		dst = append(dst, '"')
		rest = rest[j+1:]
	}
	dst = append(dst, rest...)
	return append(dst, '"')
}

func (e *csvEncoder) needsQuotes(field []byte) bool {
	for _, b := range field {
		if b == e.delim || b == '"' || b == '\n' || b == '\r' {
			return true
		}
	}
	return false
}

func (e *csvEncoder) appendHeader(dst []byte) []byte {
	e.wroteHead = true
	for i, n := range e.names {
		if i > 0 {
			dst = append(dst, e.delim)
		}
		start := len(dst)
		dst = appendValidUTF8(dst, n)
		dst = e.quoteField(dst, start)
	}
	return append(dst, '\n')
}

// Append appends one CSV record per row of batch, after the header line
// if it is due.
func (e *csvEncoder) Append(dst []byte, batch arrow.RecordBatch) ([]byte, error) {
	if e.names == nil {
		e.names = columnNames(batch.Schema())
	}
	if int(batch.NumCols()) != len(e.names) {
		return dst, fmt.Errorf("encode: csv batch has %d columns, want %d", batch.NumCols(), len(e.names))
	}
	if e.header && !e.wroteHead {
		dst = e.appendHeader(dst)
	}
	cols := newColumns(batch, styleCSV)
	rows := int(batch.NumRows())
	for i := 0; i < rows; i++ {
		for c := range cols {
			if c > 0 {
				dst = append(dst, e.delim)
			}
			col := &cols[c]
			if col.isNull(i) {
				continue
			}
			start := len(dst)
			dst = col.fmt(dst, i)
			if !col.plain || !e.plainDelim || len(dst) == start {
				dst = e.quoteField(dst, start)
			}
		}
		dst = append(dst, '\n')
	}
	return dst, nil
}

// Finish appends the header line when a header is wanted and none was
// written yet, so that a stream without rows still names its columns.
func (e *csvEncoder) Finish(dst []byte) []byte {
	if e.header && !e.wroteHead && e.names != nil {
		return e.appendHeader(dst)
	}
	return dst
}
