package encode

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// tableEncoder writes an aligned text table, psql style.
type tableEncoder struct {
	repeat  int
	names   [][]byte // column names as terminal text
	nameW   []int    // their display widths
	widths  []int    // current column widths; nil until the header is laid out
	right   []bool   // right-aligned (numeric) columns
	since   int      // rows written since the header
	printed bool     // a header was written

	// Per-batch scratch: every cell's text in one arena, column-major.
	cells []byte
	ends  []int
	cellW []int
	maxW  []int
}

var _ Encoder = (*tableEncoder)(nil)

// NewTable returns an encoder of an aligned text table for terminals:
//
//	 ID | NAME  |  PRICE
//	----+-------+--------
//	  1 | alice |  90.80
//	  2 | NULL  | 100.00
//
// Numbers (integers, floats, decimals, durations) are right-aligned, other
// values left-aligned; NULL shows as NULL, TIMESTAMP as 2024-05-01
// 10:00:00.000 and control characters in text as escapes (\n, \t, \x1b).
// Widths are display widths: combining marks count 0 and East Asian wide
// characters 2.
//
// The table streams: column widths come from the header names and the
// first batch, and grow when a later value is wider, which prints the
// header again after a blank line. With opts.RepeatHeader > 0 the header
// also repeats after that many rows. Column names come from schema, or
// from the first batch when schema is nil.
func NewTable(schema *arrow.Schema, opts Options) Encoder {
	e := &tableEncoder{repeat: opts.RepeatHeader}
	if schema != nil {
		e.setColumns(schema)
	}
	return e
}

// setColumns takes the column names and alignments from schema.
func (e *tableEncoder) setColumns(schema *arrow.Schema) {
	n := schema.NumFields()
	e.names = make([][]byte, n)
	e.nameW = make([]int, n)
	e.right = make([]bool, n)
	for i, f := range schema.Fields() {
		e.names[i] = appendTerminalText(nil, f.Name)
		e.nameW[i] = displayWidth(e.names[i])
		e.right[i] = isNumeric(f.Type)
	}
}

// isNumeric tells whether values of t are right-aligned.
func isNumeric(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256,
		arrow.DURATION, arrow.INTERVAL_MONTHS:
		return true
	}
	return false
}

// Append appends the rows of batch, with a header first when one is due.
func (e *tableEncoder) Append(dst []byte, batch arrow.RecordBatch) ([]byte, error) {
	if e.names == nil {
		e.setColumns(batch.Schema())
	}
	ncols := len(e.names)
	if int(batch.NumCols()) != ncols {
		return dst, fmt.Errorf("encode: table batch has %d columns, want %d", batch.NumCols(), ncols)
	}
	rows := int(batch.NumRows())
	if rows == 0 {
		return dst, nil
	}
	e.layoutCells(batch, rows)

	grew := false
	e.initWidths()
	for c, w := range e.maxW {
		if w > e.widths[c] {
			e.widths[c] = w
			grew = true
		}
	}
	if !e.printed || grew {
		dst = e.appendHeader(dst)
	}
	for i := 0; i < rows; i++ {
		if e.repeat > 0 && e.since >= e.repeat {
			dst = e.appendHeader(dst)
		}
		dst = e.appendRow(dst, i, rows)
		e.since++
	}
	return dst, nil
}

// layoutCells formats every cell of batch into the arena and measures it.
func (e *tableEncoder) layoutCells(batch arrow.RecordBatch, rows int) {
	ncols := len(e.names)
	cols := newColumns(batch, styleTable)
	n := ncols * rows
	e.cells = e.cells[:0]
	e.ends = grow(e.ends, n)
	e.cellW = grow(e.cellW, n)
	e.maxW = grow(e.maxW, ncols)
	for c := range cols {
		col := &cols[c]
		max := 0
		for i := 0; i < rows; i++ {
			start := len(e.cells)
			if col.isNull(i) {
				e.cells = append(e.cells, "NULL"...)
			} else {
				e.cells = col.fmt(e.cells, i)
			}
			k := c*rows + i
			e.ends[k] = len(e.cells)
			w := displayWidth(e.cells[start:])
			e.cellW[k] = w
			if w > max {
				max = w
			}
		}
		e.maxW[c] = max
	}
}

func grow(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

// initWidths starts every column as wide as its name.
func (e *tableEncoder) initWidths() {
	if e.widths != nil {
		return
	}
	e.widths = append([]int(nil), e.nameW...)
}

// appendHeader appends the header and separator lines, after a blank line
// when a header was printed before.
func (e *tableEncoder) appendHeader(dst []byte) []byte {
	e.initWidths()
	if e.printed {
		dst = append(dst, '\n')
	}
	for c, n := range e.names {
		dst = e.appendCell(dst, c, n, e.nameW[c])
	}
	dst = append(dst, '\n')
	for c, w := range e.widths {
		if c > 0 {
			dst = append(dst, '+')
		}
		for j := 0; j < w+2; j++ {
			dst = append(dst, '-')
		}
	}
	dst = append(dst, '\n')
	e.printed = true
	e.since = 0
	return dst
}

// appendCell appends text, of display width w, as cell c of a line: the
// separator, the text aligned in its column's width, and the space after it
// (the last column gets no trailing spaces).
func (e *tableEncoder) appendCell(dst []byte, c int, text []byte, w int) []byte {
	if c > 0 {
		dst = append(dst, '|')
	}
	dst = append(dst, ' ')
	fill := e.widths[c] - w
	last := c == len(e.widths)-1
	if e.right[c] {
		dst = appendSpaces(dst, fill)
		dst = append(dst, text...)
	} else {
		dst = append(dst, text...)
		if !last {
			dst = appendSpaces(dst, fill)
		}
	}
	if !last {
		dst = append(dst, ' ')
	}
	return dst
}

func appendSpaces(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, ' ')
	}
	return dst
}

func (e *tableEncoder) appendRow(dst []byte, i, rows int) []byte {
	for c := range e.names {
		k := c*rows + i
		begin := 0
		if k > 0 {
			begin = e.ends[k-1]
		}
		dst = e.appendCell(dst, c, e.cells[begin:e.ends[k]], e.cellW[k])
	}
	return append(dst, '\n')
}

// Finish appends the header when no row was ever written.
func (e *tableEncoder) Finish(dst []byte) []byte {
	if !e.printed && e.names != nil {
		return e.appendHeader(dst)
	}
	return dst
}
