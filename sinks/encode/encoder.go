package encode

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Encoder turns the record batches of one output stream into bytes.
//
// An Encoder may keep state between batches (whether the CSV header was
// written, table column widths), so each stream gets its own. It is used by
// one goroutine at a time. Append never retains or releases the batch: the
// caller still owns it.
type Encoder interface {
	// Append appends the encoding of batch's rows to dst and returns the
	// extended slice.
	Append(dst []byte, batch arrow.RecordBatch) ([]byte, error)
	// Finish appends what the stream still needs at its end (a CSV or table
	// header when no row was ever written) and returns the extended slice.
	Finish(dst []byte) []byte
}

// Format names an output encoding.
type Format string

// The formats Eddy writes.
const (
	// JSON is JSON lines: one object per row.
	JSON Format = "json"
	// CSV is RFC 4180 comma-separated values.
	CSV Format = "csv"
	// Table is an aligned text table for terminals.
	Table Format = "table"
)

// ErrFormat is wrapped by the errors for unknown formats and bad encoder
// options.
var ErrFormat = errors.New("encode: format")

// ParseFormat reads a format name (json, csv or table, any case).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case JSON, CSV, Table:
		return f, nil
	}
	return "", fmt.Errorf("%w: unknown format %q (use json, csv or table)", ErrFormat, s)
}

// Options configures the encoders that have settings. The zero value means
// no CSV header, a comma delimiter and no repeated table header.
type Options struct {
	// Header writes a CSV header line with the column names.
	Header bool
	// Delimiter separates CSV fields; 0 means a comma.
	Delimiter byte
	// RepeatHeader reprints the table header after this many rows; 0 never.
	RepeatHeader int
}

// New returns an encoder for format. schema, when not nil, names the
// columns of a header written before any batch arrives.
func New(format Format, schema *arrow.Schema, opts Options) (Encoder, error) {
	switch format {
	case JSON:
		return NewJSON(), nil
	case CSV:
		return NewCSV(schema, opts)
	case Table:
		return NewTable(schema, opts), nil
	}
	return nil, fmt.Errorf("%w: unknown format %q (use json, csv or table)", ErrFormat, string(format))
}

// columnNames returns the field names of schema, or nil for a nil schema.
func columnNames(schema *arrow.Schema) []string {
	if schema == nil {
		return nil
	}
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	return names
}

// ParseDelimiter reads a CSV delimiter option: one ASCII character, or
// "tab" or `\t` for a tab. "" means a comma.
func ParseDelimiter(s string) (byte, error) {
	switch s {
	case "":
		return ',', nil
	case "tab", `\t`, "\t":
		return '\t', nil
	}
	if len(s) != 1 || s[0] >= 0x80 || s[0] == '"' || s[0] == '\r' || s[0] == '\n' {
		return 0, fmt.Errorf("%w: csv delimiter %q must be one ASCII character other than a quote or line break", ErrFormat, s)
	}
	return s[0], nil
}
