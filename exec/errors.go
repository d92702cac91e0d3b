package exec

import (
	"time"
)

// ErrorRecord is one row of the error stream, with KDA's columns plus the
// source position of a record that failed to decode.
type ErrorRecord struct {
	Time  time.Time // ERROR_TIME
	Level string    // ERROR_LEVEL: "ERROR" or "WARNING"
	// Name is ERROR_NAME, a short class: "DECODE", "DIVIDE_BY_ZERO", "CAST",
	// "LATE", "RUNTIME".
	Name    string
	Message string // MESSAGE: the reason
	// DataRowtime is DATA_ROWTIME in ms since the epoch; 0 when unknown.
	DataRowtime int64
	DataRow     string // DATA_ROW: the offending row (JSON) or raw record text
	Pump        string // PUMP_NAME
	// Stream, Origin, Partition and Offset say where the row came from.
	Stream    string
	Origin    string
	Partition string
	Offset    int64
	// Position is a position that is not a number: a Kinesis sequence
	// number.
	Position string
}

// ErrorSink receives error records. ReportError must not block for long and
// is safe for concurrent use.
type ErrorSink interface {
	ReportError(ErrorRecord)
}

// ErrorSinkFunc adapts a function to ErrorSink.
type ErrorSinkFunc func(ErrorRecord)

// ReportError calls f(r).
func (f ErrorSinkFunc) ReportError(r ErrorRecord) { f(r) }
