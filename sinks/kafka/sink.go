package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sources"
)

func init() {
	sinks.Register(sinks.Factory{
		Name:    "kafka",
		Doc:     "writes rows as messages (JSON or CSV) to a Kafka topic, acks=all, retried",
		Target:  "topic",
		Options: Options(),
		Open: func(_ context.Context, env sinks.Env, opts sources.Options) (sinks.Sink, error) {
			cfg, err := ParseConfig(opts)
			if err != nil {
				return nil, err
			}
			return New(env, cfg)
		},
	})
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("kafka: sink is closed")

// ErrDelivery is wrapped by the error of a write that failed after every
// retry; the query stops rather than drop the rows.
var ErrDelivery = errors.New("kafka: delivery failed")

// sink writes every row of a batch as one message and waits for the
// broker's acknowledgements before Write returns.
type sink struct {
	cfg     Config
	w       *kafkago.Writer
	enc     encode.Encoder
	keys    []int // key column indexes
	rowtime int   // ROWTIME column (the message timestamp), or -1
	buf     []byte
	msgs    []kafkago.Message
	err     error // the first delivery error; every later call returns it
	closed  bool
}

var (
	_ sinks.Sink    = (*sink)(nil)
	_ sinks.Flusher = (*sink)(nil)
)

// New returns a sink that writes env.Stream's batches to cfg.Topic.
func New(env sinks.Env, cfg Config) (sinks.Sink, error) {
	if cfg.Topic == "" {
		return nil, fmt.Errorf("kafka: %w: %q is required", sources.ErrOption, "topic")
	}
	if cfg.Format != encode.JSON && cfg.Format != encode.CSV {
		return nil, fmt.Errorf("kafka: %w: %q cannot be written to Kafka (use json or csv)", encode.ErrFormat, string(cfg.Format))
	}
	enc, err := encode.NewParallel(cfg.Format, env.Schema, encode.Options{Delimiter: cfg.Delimiter}, env.Parallelism)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	s := &sink{cfg: cfg, enc: enc, rowtime: -1}
	for _, k := range cfg.Key {
		i := columnIndex(env.Schema, k)
		if i < 0 {
			return nil, fmt.Errorf("kafka: %w: key column %s is not a column of %s", sources.ErrOption, k, env.Stream)
		}
		s.keys = append(s.keys, i)
	}
	if i := columnIndex(env.Schema, sources.RowtimeColumn); i >= 0 {
		if t, ok := env.Schema.Field(i).Type.(*arrow.TimestampType); ok && t.Unit == arrow.Millisecond {
			s.rowtime = i
		}
	}
	attempts := max(cfg.Attempts, 1)
	s.w = &kafkago.Writer{
		Addr: kafkago.TCP(cfg.Conn.Brokers...), Topic: cfg.Topic, Transport: cfg.Conn.Transport(),
		Balancer: &kafkago.Murmur2Balancer{}, RequiredAcks: cfg.Acks, Compression: cfg.Compression,
		BatchSize: max(cfg.BatchSize, 1), BatchBytes: cfg.BatchBytes, BatchTimeout: max(cfg.Linger, time.Millisecond),
		MaxAttempts: attempts, WriteBackoffMin: cfg.BackoffMin, WriteBackoffMax: cfg.BackoffMax,
	}
	return s, nil
}

func columnIndex(s *arrow.Schema, name string) int {
	for i, f := range s.Fields() {
		if f.Name == name {
			return i
		}
	}
	for i, f := range s.Fields() {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// Write encodes each row of batch as a message, sends them and returns
// once the broker has acknowledged them all (as acks says), retrying with
// backoff. It releases batch. An error that outlives the retries wraps
// ErrDelivery, and every later call returns it.
func (s *sink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	defer batch.Release()
	switch {
	case s.closed:
		return ErrClosed
	case s.err != nil:
		return s.err
	}
	n := int(batch.NumRows())
	if n == 0 {
		return nil
	}
	buf, err := s.enc.Append(s.buf[:0], batch)
	s.buf = buf
	if err != nil {
		return fmt.Errorf("kafka: encode: %w", err)
	}
	values, err := splitRows(buf, n, s.cfg.Format == encode.CSV)
	if err != nil {
		return err
	}
	s.msgs = s.msgs[:0]
	now := time.Now()
	for i, v := range values {
		m := kafkago.Message{Value: v, Time: now}
		if len(s.keys) > 0 {
			m.Key = s.key(batch, i)
		}
		if s.rowtime >= 0 {
			if col := batch.Column(s.rowtime).(*array.Timestamp); col.IsValid(i) {
				m.Time = time.UnixMilli(int64(col.Value(i)))
			}
		}
		s.msgs = append(s.msgs, m)
	}
	if err := s.w.WriteMessages(ctx, s.msgs...); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("kafka: write to %s: %w", s.cfg.Topic, ctx.Err())
		}
		s.err = fmt.Errorf("%w: %d rows to topic %s after %d attempts: %w", ErrDelivery, n, s.cfg.Topic, max(s.cfg.Attempts, 1), err)
		return s.err
	}
	return nil
}

// key returns the message key of row i: the key columns' values as text,
// joined by the key separator.
func (s *sink) key(batch arrow.RecordBatch, i int) []byte {
	var k []byte
	for j, c := range s.keys {
		if j > 0 {
			k = append(k, s.cfg.KeySeparator...)
		}
		col := batch.Column(c)
		if col.IsNull(i) {
			continue
		}
		switch a := col.(type) {
		case *array.String:
			k = append(k, a.Value(i)...)
		case *array.LargeString:
			k = append(k, a.Value(i)...)
		case *array.Binary:
			k = append(k, a.Value(i)...)
		case *array.Int64:
			k = strconv.AppendInt(k, a.Value(i), 10)
		case *array.Int32:
			k = strconv.AppendInt(k, int64(a.Value(i)), 10)
		default:
			k = append(k, col.ValueStr(i)...)
		}
	}
	if k == nil {
		k = []byte{}
	}
	return k
}

// splitRows cuts the encoding of n rows, each ending in a newline, into
// one slice per row. In CSV a newline inside quotes is data.
func splitRows(buf []byte, n int, csv bool) ([][]byte, error) {
	out := make([][]byte, 0, n)
	start, quoted := 0, false
	for i, b := range buf {
		switch {
		case csv && b == '"':
			quoted = !quoted
		case b == '\n' && !quoted:
			out = append(out, buf[start:i:i])
			start = i + 1
		}
	}
	if len(out) != n || start != len(buf) {
		return nil, fmt.Errorf("kafka: encoder made %d records of %d rows", len(out), n)
	}
	return out, nil
}

// Flush returns nil once everything written before has been acknowledged:
// Write waits for the acknowledgements, so Flush only reports an earlier
// delivery error.
func (s *sink) Flush(context.Context) error {
	if s.closed {
		return ErrClosed
	}
	return s.err
}

// Close closes the writer, which flushes nothing more (Write already
// waited), and returns the first delivery error. A second Close does
// nothing.
func (s *sink) Close(context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.w.Close()
	if t, ok := s.w.Transport.(*kafkago.Transport); ok {
		t.CloseIdleConnections()
	}
	if s.err != nil {
		return s.err
	}
	if err != nil {
		return fmt.Errorf("kafka: close writer: %w", err)
	}
	return nil
}
