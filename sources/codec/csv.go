package codec

import (
	"bytes"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

// CSV decodes delimited records. Fields map to the declared columns by
// position: a record may hold only a prefix of the columns (the rest are
// NULL), and fields past the last column are ignored. Quoting follows RFC
// 4180: a field that starts with the quote character runs to the matching
// quote, and a doubled quote inside stands for one; a quote inside an
// unquoted field is an ordinary character. A quoted field may hold line
// breaks (the Framer keeps such a record whole, up to MaxQuotedSpan bytes),
// but a line break in a field past the declared columns is an error: it
// stems from a stray quote that joined lines. An empty unquoted field
// is NULL for every type but strings, where it is the empty string. Text
// converts to the column types by the same rules as JSON strings.
type CSV struct {
	cols    []column
	delim   byte
	quote   byte
	scratch []byte
}

var _ Decoder = (*CSV)(nil)

// NewCSV returns a CSV decoder for the declared columns of schema with the
// given field delimiter and quote character (0 turns quoting off).
func NewCSV(schema *arrow.Schema, delimiter, quote byte) (*CSV, error) {
	if delimiter == quote || delimiter == '\n' || delimiter == '\r' {
		return nil, fmt.Errorf("codec: bad CSV delimiter %q", delimiter)
	}
	cols, err := columnsOf(schema)
	if err != nil {
		return nil, err
	}
	return &CSV{cols: cols, delim: delimiter, quote: quote}, nil
}

// Decode decodes one CSV record into a row of b; see Decoder.
func (d *CSV) Decode(rec []byte, arrival time.Time, b *sources.Batcher) error {
	if b.NumColumns() != len(d.cols) {
		return fmt.Errorf("codec: batcher has %d columns, decoder %d", b.NumColumns(), len(d.cols))
	}
	d.scratch = d.scratch[:0]
	pos := 0
	for i := 0; i < len(d.cols) && pos <= len(rec); i++ {
		field, next, quoted, err := d.field(rec, pos)
		if err != nil {
			b.Discard()
			return err
		}
		pos = next
		c := &d.cols[i]
		if !quoted && len(field) == 0 && c.kind != sources.ColString {
			continue // NULL
		}
		if err := c.setText(b, i, field, &d.scratch); err != nil {
			b.Discard()
			return err
		}
	}
	if pos < len(rec) && bytes.IndexByte(rec[pos:], '\n') >= 0 {
		// The framer joined lines for a quote in a field this decoder
		// ignores: most likely a stray quote, not a field to keep.
		b.Discard()
		return &SyntaxError{Format: "CSV", Offset: pos, Msg: "line break in a field past the declared columns"}
	}
	return b.Commit(arrival)
}

// field reads the field starting at rec[pos]. next is the start of the
// following field, or len(rec)+1 after the last one.
func (d *CSV) field(rec []byte, pos int) (field []byte, next int, quoted bool, err error) {
	if d.quote == 0 || pos >= len(rec) || rec[pos] != d.quote {
		k := bytes.IndexByte(rec[pos:], d.delim)
		if k < 0 {
			return rec[pos:], len(rec) + 1, false, nil
		}
		return rec[pos : pos+k], pos + k + 1, false, nil
	}
	start, j, doubled := pos+1, pos+1, false
	for {
		k := bytes.IndexByte(rec[j:], d.quote)
		if k < 0 {
			return nil, 0, true, &SyntaxError{Format: "CSV", Offset: pos, Msg: "unterminated quoted field"}
		}
		j += k
		if j+1 < len(rec) && rec[j+1] == d.quote {
			doubled = true
			j += 2
			continue
		}
		break
	}
	field = rec[start:j]
	switch after := j + 1; {
	case after == len(rec):
		next = len(rec) + 1
	case rec[after] == d.delim:
		next = after + 1
	default:
		return nil, 0, true, &SyntaxError{Format: "CSV", Offset: after, Msg: "text after a closing quote"}
	}
	if doubled {
		s := len(d.scratch)
		for i := 0; i < len(field); i++ {
			d.scratch = append(d.scratch, field[i])
			if field[i] == d.quote {
				i++
			}
		}
		field = d.scratch[s:len(d.scratch):len(d.scratch)]
	}
	return field, next, true, nil
}
