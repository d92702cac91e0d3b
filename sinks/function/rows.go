package function

import (
	"bytes"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// SplitRows cuts the output of a JSON-lines or CSV encoder into rows,
// without their line ends. For CSV (csv true) a line end inside a quoted
// field does not end the row. The rows share buf's memory.
func SplitRows(buf []byte, csv bool) [][]byte {
	var rows [][]byte
	if !csv {
		for len(buf) > 0 {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				rows = append(rows, buf)
				break
			}
			rows = append(rows, buf[:i])
			buf = buf[i+1:]
		}
		return rows
	}
	start, quoted := 0, false
	for i, b := range buf {
		switch {
		case b == '"':
			quoted = !quoted
		case b == '\n' && !quoted:
			rows = append(rows, buf[start:i])
			start = i + 1
		}
	}
	if start < len(buf) {
		rows = append(rows, buf[start:])
	}
	return rows
}

// RowKeys returns, for each row of batch, the text of the columns cols
// joined by NUL: an ordering key. It returns nil when cols is empty.
func RowKeys(batch arrow.RecordBatch, cols []int) []string {
	if len(cols) == 0 {
		return nil
	}
	n := int(batch.NumRows())
	keys := make([]string, n)
	var b strings.Builder
	for i := range n {
		b.Reset()
		for j, c := range cols {
			if j > 0 {
				b.WriteByte(0)
			}
			b.WriteString(batch.Column(c).ValueStr(i))
		}
		keys[i] = b.String()
	}
	return keys
}
