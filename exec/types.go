package exec

import "github.com/apache/arrow-go/v18/arrow"

// The Arrow types Eddy uses for SQL's temporal types. Every timestamp in Eddy
// is milliseconds since the Unix epoch, UTC, with no time zone in the type.
var (
	// TimestampType is SQL TIMESTAMP.
	TimestampType arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond}
	// DateType is SQL DATE.
	DateType arrow.DataType = arrow.FixedWidthTypes.Date32
	// TimeType is SQL TIME.
	TimeType arrow.DataType = arrow.FixedWidthTypes.Time32ms
	// IntervalType is a SQL day-time interval, in milliseconds.
	IntervalType arrow.DataType = arrow.FixedWidthTypes.Duration_ms
	// MonthIntervalType is a SQL year-month interval, in months.
	MonthIntervalType arrow.DataType = arrow.FixedWidthTypes.MonthInterval
)

// The names of the system columns every stream carries.
const (
	// RowtimeColumn is the ROWTIME of every row, a TimestampType column.
	RowtimeColumn = "ROWTIME"
	// ArrivalColumn is APPROXIMATE_ARRIVAL_TIME, a column of every source stream.
	ArrivalColumn = "APPROXIMATE_ARRIVAL_TIME"
)
