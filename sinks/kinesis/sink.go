package kinesis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sources"
	source "github.com/eddy-sql/eddy/sources/kinesis"
)

func init() {
	sinks.Register(sinks.Factory{
		Name:    "kinesis",
		Doc:     "writes rows to a Kinesis data stream with PutRecords (optionally KPL-aggregated)",
		Target:  "stream",
		Options: Options(),
		Open: func(ctx context.Context, env sinks.Env, opts sources.Options) (sinks.Sink, error) {
			return New(ctx, env, opts)
		},
	})
}

// Errors of the sink.
var (
	// ErrClosed is returned by Write and Flush after Close.
	ErrClosed = errors.New("kinesis: sink is closed")
	// ErrTooLarge is the reason given to Env.Reject for a row whose record
	// would exceed MaxRecordBytes or whose partition key is too long.
	ErrTooLarge = errors.New("kinesis: record too large")
	// ErrDelivery is wrapped by the error of Write or Flush when records
	// still fail after max_attempts.
	ErrDelivery = errors.New("kinesis: records not delivered")
)

// sink buffers encoded rows and sends them with PutRecords.
type sink struct {
	env       sinks.Env
	client    *kinesis.Client
	stream    source.StreamRef
	enc       encode.Encoder
	json      bool
	keyCol    int // -1: random keys
	aggregate bool
	aggSize   int
	attempts  int
	backoff   time.Duration

	pending []types.PutRecordsRequestEntry
	bytes   int // data and keys in pending
	aggs    []*aggregation
	aggKey  map[string]*aggregation
	buf     []byte
	closed  bool
}

// aggregation is an aggregated record being filled for one partition key.
type aggregation struct {
	key   string
	users []source.UserRecord
	size  int
}

var (
	_ sinks.Sink    = (*sink)(nil)
	_ sinks.Flusher = (*sink)(nil)
)

// New opens a kinesis sink for env with options raw, validated against
// Options. Tests use it instead of the registry.
func New(ctx context.Context, env sinks.Env, raw map[string]string) (sinks.Sink, error) {
	opts, err := sources.Validate(raw, Options(), false)
	if err != nil {
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	s := &sink{
		env: env, keyCol: -1, aggregate: opts.Bool("aggregate"), aggSize: int(opts.Size("aggregate_size")),
		attempts: int(opts.Int("max_attempts")), backoff: opts.Duration("retry_backoff"), aggKey: map[string]*aggregation{},
	}
	if s.stream, err = source.ParseStream(opts.String("stream")); err != nil {
		return nil, err
	}
	format, err := encode.ParseFormat(opts.String("format"))
	if err != nil || format == encode.Table {
		return nil, fmt.Errorf("kinesis: %w: format %q: use json or csv", sources.ErrOption, opts.String("format"))
	}
	delim, err := encode.ParseDelimiter(opts.String("delimiter"))
	if err != nil {
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	if s.enc, err = encode.NewParallel(format, env.Schema, encode.Options{Delimiter: delim}, env.Parallelism); err != nil {
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	s.json = format == encode.JSON
	if col := opts.String("partition_key"); col != "" {
		s.keyCol = fieldIndex(env.Schema, col)
		if s.keyCol < 0 {
			return nil, fmt.Errorf("kinesis: %w: partition_key %q is not a column of %s", sources.ErrOption, col, env.Stream)
		}
	}
	if s.aggSize < 64 || s.aggSize > MaxRecordBytes {
		return nil, fmt.Errorf("kinesis: %w: aggregate_size must be between 64 bytes and 1MiB", sources.ErrOption)
	}
	if s.attempts < 0 {
		return nil, fmt.Errorf("kinesis: %w: max_attempts must not be negative", sources.ErrOption)
	}
	if s.backoff <= 0 {
		s.backoff = 100 * time.Millisecond
	}
	if s.client, err = source.NewClient(ctx, opts); err != nil {
		return nil, err
	}
	return s, nil
}

// fieldIndex finds a column: an exact match first, then any case.
func fieldIndex(schema *arrow.Schema, name string) int {
	for i, f := range schema.Fields() {
		if f.Name == name {
			return i
		}
	}
	for i, f := range schema.Fields() {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// Write encodes batch's rows as records, releases batch, and sends full
// PutRecords calls; the rest waits for more rows or Flush.
func (s *sink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	defer batch.Release()
	if s.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kinesis: write: %w", err)
	}
	rows, err := s.encodeRows(batch)
	if err != nil {
		return err
	}
	for i, data := range rows {
		key := s.keyOf(batch, i)
		if len(data)+len(key) > MaxRecordBytes || utf8.RuneCountInString(key) > MaxPartitionKey {
			if s.env.Reject != nil {
				s.env.Reject(string(bytes.TrimRight(data, "\n")), fmt.Errorf("%w: %d bytes, partition key of %d characters", ErrTooLarge, len(data), utf8.RuneCountInString(key)))
			}
			continue
		}
		if s.aggregate {
			s.addUser(key, data)
		} else {
			s.addEntry(types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(key)})
		}
	}
	for len(s.pending) >= MaxRecordsPerCall || s.bytes >= MaxBytesPerCall {
		if err := s.sendCall(ctx); err != nil {
			return err
		}
	}
	return nil
}

// encodeRows returns one encoded record per row of batch.
func (s *sink) encodeRows(batch arrow.RecordBatch) ([][]byte, error) {
	n := int(batch.NumRows())
	rows := make([][]byte, 0, n)
	if s.json {
		// JSON lines never hold a raw newline inside a row.
		buf, err := s.enc.Append(nil, batch)
		if err != nil {
			return nil, fmt.Errorf("kinesis: encode: %w", err)
		}
		for len(buf) > 0 {
			i := bytes.IndexByte(buf, '\n') + 1
			if i == 0 {
				i = len(buf)
			}
			rows = append(rows, buf[:i:i])
			buf = buf[i:]
		}
		if len(rows) != n {
			return nil, fmt.Errorf("kinesis: encode: %d lines for %d rows", len(rows), n)
		}
		return rows, nil
	}
	for i := range n {
		row := batch.NewSlice(int64(i), int64(i+1))
		buf, err := s.enc.Append(nil, row)
		row.Release()
		if err != nil {
			return nil, fmt.Errorf("kinesis: encode: %w", err)
		}
		rows = append(rows, buf)
	}
	return rows, nil
}

// keyOf returns row i's partition key: the key column's text, or a random
// key when there is no key column or its value is NULL or empty.
func (s *sink) keyOf(batch arrow.RecordBatch, i int) string {
	if s.keyCol >= 0 {
		if col := batch.Column(s.keyCol); col.IsValid(i) {
			if k := col.ValueStr(i); k != "" {
				return k
			}
		}
	}
	return strconv.FormatUint(rand.Uint64(), 36)
}

func (s *sink) addEntry(e types.PutRecordsRequestEntry) {
	s.pending = append(s.pending, e)
	s.bytes += len(e.Data) + len(aws.ToString(e.PartitionKey))
}

// addUser adds a row to the aggregated record of its key (one shared
// aggregation with random keys), closing that record when it is full.
func (s *sink) addUser(key string, data []byte) {
	group := key
	if s.keyCol < 0 {
		group = ""
	}
	// A user record costs its data and key, plus a few bytes of framing.
	cost := len(data) + len(key) + 16
	a := s.aggKey[group]
	if a != nil && a.size+cost > s.aggSize {
		s.closeAggregation(a)
		a = nil
	}
	if a == nil {
		a = &aggregation{key: key, size: 4 + 16}
		s.aggKey[group] = a
		s.aggs = append(s.aggs, a)
	}
	a.users = append(a.users, source.UserRecord{PartitionKey: key, Data: data})
	a.size += cost
}

// closeAggregation moves a's aggregated record to the pending entries.
func (s *sink) closeAggregation(a *aggregation) {
	for i, b := range s.aggs {
		if b == a {
			s.aggs = append(s.aggs[:i], s.aggs[i+1:]...)
			break
		}
	}
	for g, b := range s.aggKey {
		if b == a {
			delete(s.aggKey, g)
		}
	}
	data := a.users[0].Data
	if len(a.users) > 1 {
		data = source.Aggregate(a.users)
	}
	s.addEntry(types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(a.key)})
}

// Flush sends every buffered row and returns once the service has
// acknowledged all of them.
func (s *sink) Flush(ctx context.Context) error {
	if s.closed {
		return ErrClosed
	}
	for len(s.aggs) > 0 {
		s.closeAggregation(s.aggs[0])
	}
	for len(s.pending) > 0 {
		if err := s.sendCall(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close flushes what is buffered before ctx's deadline. A second Close
// does nothing.
func (s *sink) Close(ctx context.Context) error {
	if s.closed {
		return nil
	}
	err := s.Flush(ctx)
	s.closed = true
	s.pending, s.aggs = nil, nil
	return err
}
