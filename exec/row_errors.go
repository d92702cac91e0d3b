package exec

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Named classes of runtime errors, used as ERROR_NAME.
var errorNames = []struct {
	target error
	name   string
}{
	{ErrDivideByZero, "DIVIDE_BY_ZERO"},
	{ErrOverflow, "OVERFLOW"},
	{ErrAggregateOverflow, "OVERFLOW"},
	{ErrCast, "CAST"},
	{ErrInvalidArgument, "INVALID_ARGUMENT"},
	{ErrNotNull, "NOT_NULL"},
}

// errorName classifies err for the error stream's ERROR_NAME column.
func errorName(err error) string {
	for _, n := range errorNames {
		if errors.Is(err, n.target) {
			return n.name
		}
	}
	return "RUNTIME"
}

// reportRowErrors sends one ErrorRecord per failed row of batch (the first
// error of each row) and returns the sorted, distinct failed rows.
func reportRowErrors(env Env, batch arrow.RecordBatch, errs []RowError) []int {
	if len(errs) == 0 {
		return nil
	}
	first := make(map[int]error, len(errs))
	for _, e := range errs {
		if _, seen := first[e.Row]; !seen {
			first[e.Row] = e.Err
		}
	}
	rows := make([]int, 0, len(first))
	for r := range first {
		rows = append(rows, r)
	}
	sort.Ints(rows)
	rt := rowtimeIndex(batch.Schema())
	for _, r := range rows {
		rec := ErrorRecord{
			Time:    env.Clock(),
			Level:   "ERROR",
			Name:    errorName(first[r]),
			Message: first[r].Error(),
			DataRow: FormatRow(batch, r),
			Pump:    env.Pump,
		}
		if rt >= 0 {
			if ts, ok := batch.Column(rt).(*array.Timestamp); ok && ts.IsValid(r) {
				rec.DataRowtime = int64(ts.Value(r))
			}
		}
		env.Errors.ReportError(rec)
	}
	return rows
}

// rowtimeIndex returns the index of the ROWTIME column, or -1.
func rowtimeIndex(s *arrow.Schema) int {
	idx := s.FieldIndices(RowtimeColumn)
	if len(idx) == 0 {
		return -1
	}
	return idx[0]
}

// FormatRow renders one row as a JSON object for error records and
// messages, leaving out the system columns (ROWTIME is DATA_ROWTIME). It is
// for the edges (errors, logs), not for hot paths.
func FormatRow(batch arrow.RecordBatch, row int) string {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for i, f := range batch.Schema().Fields() {
		if f.Name == RowtimeColumn || f.Name == ArrivalColumn {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(quoteJSON(f.Name))
		b.WriteByte(':')
		col := batch.Column(i)
		switch {
		case col.IsNull(row):
			b.WriteString("null")
		case isStringLike(col.DataType()):
			b.WriteString(quoteJSON(col.ValueStr(row)))
		case col.DataType().ID() == arrow.TIMESTAMP:
			b.WriteString(quoteJSON(formatRowtime(int64(col.(*array.Timestamp).Value(row)))))
		default:
			b.WriteString(col.ValueStr(row))
		}
	}
	b.WriteByte('}')
	return b.String()
}

func isStringLike(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.DATE32, arrow.TIME32:
		return true
	}
	return false
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// formatRowtime renders milliseconds since the epoch as ISO 8601 UTC.
func formatRowtime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}
