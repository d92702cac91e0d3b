package exec

import (
	"context"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrorStreamName is the name of the in-application error stream.
const ErrorStreamName = "ERROR_STREAM"

// ErrorSchema is the schema of the error stream: KDA's columns, then where
// the failed record came from, then ROWTIME (= ERROR_TIME).
var ErrorSchema = arrow.NewSchema([]arrow.Field{
	{Name: "ERROR_TIME", Type: TimestampType, Nullable: true},
	{Name: "ERROR_LEVEL", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ERROR_NAME", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "MESSAGE", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "DATA_ROWTIME", Type: TimestampType, Nullable: true},
	{Name: "DATA_ROW", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "PUMP_NAME", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "SOURCE_STREAM", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "SOURCE_ORIGIN", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "SOURCE_PARTITION", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "SOURCE_OFFSET", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "SOURCE_POSITION", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: RowtimeColumn, Type: TimestampType, Nullable: false},
}, nil)

// ErrorStream turns error records into batches of the in-application error
// stream. ReportError may be called from any goroutine; it blocks only when
// the error stream's readers are behind (backpressure), never after the
// stream has stopped.
type ErrorStream struct {
	stream *Stream
	w      *StreamWriter
	alloc  memory.Allocator
	ch     chan ErrorRecord
	stop   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	count  int64
}

var _ ErrorSink = (*ErrorStream)(nil)

// NewErrorStream returns the error stream, backed by a Stream of
// ErrorSchema.
func NewErrorStream(alloc memory.Allocator) *ErrorStream {
	st := NewStream(ErrorStreamName, ErrorSchema, 0)
	return &ErrorStream{
		stream: st,
		w:      st.NewWriter(),
		alloc:  alloc,
		ch:     make(chan ErrorRecord, 1024),
		stop:   make(chan struct{}),
	}
}

// Stream returns the underlying stream, for readers to subscribe to.
func (e *ErrorStream) Stream() *Stream { return e.stream }

// Count returns how many errors were reported.
func (e *ErrorStream) Count() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.count
}

// ReportError queues r for the error stream.
func (e *ErrorStream) ReportError(r ErrorRecord) {
	e.mu.Lock()
	e.count++
	e.mu.Unlock()
	e.stream.tracker.add(1)
	select {
	case e.ch <- r:
	case <-e.stop:
		e.stream.tracker.add(-1)
	}
}

// Close ends the stream once every record reported so far is published:
// Run returns after it. Call it when every producer of errors is done.
func (e *ErrorStream) Close() { e.once.Do(func() { close(e.stop) }) }

// Run publishes queued records in batches (up to 256 records or every
// 50ms) until Close, then closes the stream. It is a Task body.
func (e *ErrorStream) Run(ctx context.Context) error {
	defer e.Close() // from here on ReportError never blocks
	w := e.w
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var pending []ErrorRecord
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		b := e.batch(pending)
		n := len(pending)
		pending = pending[:0]
		err := w.Write(ctx, b, int64(b.Column(0).(*array.Timestamp).Value(int(b.NumRows()-1))))
		e.stream.tracker.add(-int64(n)) // now queued for the readers, or dropped
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r := <-e.ch:
			pending = append(pending, r)
			if len(pending) >= 256 {
				if err := flush(); err != nil {
					return err
				}
			}
		case <-tick.C:
			if err := flush(); err != nil {
				return err
			}
		case <-e.stop:
		drain:
			for {
				select {
				case r := <-e.ch:
					pending = append(pending, r)
				default:
					break drain
				}
			}
			if err := flush(); err != nil {
				return err
			}
			return w.Close(ctx)
		}
	}
}

func (e *ErrorStream) batch(recs []ErrorRecord) arrow.RecordBatch {
	b := array.NewRecordBuilder(e.alloc, ErrorSchema)
	defer b.Release()
	str := func(i int, s string) {
		sb := b.Field(i).(*array.StringBuilder)
		if s == "" {
			sb.AppendNull()
		} else {
			sb.Append(s)
		}
	}
	for _, r := range recs {
		t := arrow.Timestamp(r.Time.UnixMilli())
		b.Field(0).(*array.TimestampBuilder).Append(t)
		str(1, r.Level)
		str(2, r.Name)
		str(3, r.Message)
		if r.DataRowtime != 0 {
			b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(r.DataRowtime))
		} else {
			b.Field(4).AppendNull()
		}
		str(5, r.DataRow)
		str(6, r.Pump)
		str(7, r.Stream)
		str(8, r.Origin)
		str(9, r.Partition)
		if r.Origin != "" && r.Position == "" {
			b.Field(10).(*array.Int64Builder).Append(r.Offset)
		} else {
			b.Field(10).AppendNull()
		}
		str(11, r.Position)
		b.Field(12).(*array.TimestampBuilder).Append(t)
	}
	return b.NewRecordBatch()
}
