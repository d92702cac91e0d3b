package firehose

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sinks/function"
	"github.com/eddy-sql/eddy/sources"
)

// Errors of the firehose sink.
var (
	// ErrClosed is returned by calls after Close.
	ErrClosed = errors.New("firehose: sink is closed")
	// ErrUndelivered is returned when failed records could be written
	// neither to the error output nor to the error stream.
	ErrUndelivered = errors.New("firehose: records undelivered")
)

// Metrics counts a firehose sink's deliveries.
type Metrics struct {
	Records  int64 // records delivered
	Bytes    int64 // bytes delivered (objects as stored, or record data)
	Objects  int64 // objects published (file and S3) or requests accepted
	Failures int64 // failed delivery attempts (each retry counts)
	// ErrorRecords counts records written to the error output or the
	// error stream.
	ErrorRecords int64
	// Transform results.
	TransformOk, TransformDropped, TransformFailed int64
}

// MetricsReporter is implemented by the sink New returns.
type MetricsReporter interface {
	Metrics() Metrics
}

// sink is a delivery stream: a buffer, a timer goroutine and a
// destination.
type sink struct {
	name      string
	schema    *arrow.Schema
	parquet   bool
	enc       encode.Encoder
	csv       bool
	comp      Compression
	dest      destination
	errStore  store
	prefix    string
	errPrefix string
	caller    *function.Caller
	clock     function.Clock
	reject    func(string, error)
	bufSize   int64
	interval  time.Duration
	retryFor  time.Duration
	backoff   time.Duration
	exactly   bool
	rowBytes  int // encoded bytes per row, to size the next batch's buffer
	// text holds the encoded rows (textRows of them) bound for an object
	// when there is no transform: no record per row is needed.
	text     []byte
	textRows int64
	// pend is the full buffer being compressed while text fills (see
	// pipeline.go); guarded by mu.
	pend *pending

	stop   chan struct{}
	done   chan struct{}
	kick   chan struct{}
	cancel context.CancelFunc

	mu      sync.Mutex // guards the fields below and every delivery
	recs    []function.Record
	batches []arrow.RecordBatch
	size    int64
	first   time.Time
	nextID  uint64
	staged  []string
	// prepared holds, per checkpoint this sink prepared and has neither
	// committed nor aborted since, the keys of its staged objects.
	prepared map[int64][]string
	metrics  Metrics
	err      error
	closed   bool
	// written is set by the first Write: until then nothing of this run
	// can be in the staging area (see Abort).
	written bool
}

var (
	_ sinks.Sink      = (*sink)(nil)
	_ sinks.Flusher   = (*sink)(nil)
	_ sinks.Committer = (*sink)(nil)
	_ MetricsReporter = (*sink)(nil)
)

// New returns a firehose sink delivering env.Stream as cfg says. It owns
// a timer goroutine until Close.
func New(ctx context.Context, env sinks.Env, cfg Config) (sinks.Sink, error) {
	s := &sink{name: cfg.Name, schema: env.Schema, comp: cfg.Compression, reject: env.Reject, exactly: cfg.ExactlyOnce}
	if s.name == "" {
		s.name = env.Stream
	}
	if s.comp == "" {
		s.comp = None
	}
	s.clock = cfg.Clock
	if s.clock == nil {
		s.clock = function.SystemClock(env.Clock)
	}
	s.bufSize, s.interval = cfg.BufferSize, cfg.BufferInterval
	if s.bufSize <= 0 {
		s.bufSize = 5 << 20
	}
	if s.interval <= 0 {
		s.interval = 300 * time.Second
	}
	s.retryFor, s.backoff = cfg.RetryDuration, cfg.RetryBackoff
	if s.retryFor <= 0 {
		s.retryFor = 300 * time.Second
	}
	if s.backoff <= 0 {
		s.backoff = time.Second
	}
	dest, err := openDestination(ctx, cfg.Destination, cfg, s.clock.Now)
	if err != nil {
		return nil, err
	}
	s.dest = dest
	switch f := strings.ToLower(cfg.Format); f {
	case "", "json", "csv":
		format := encode.JSON
		if f == "csv" {
			format, s.csv = encode.CSV, true
		}
		if s.enc, err = encode.NewParallel(format, env.Schema, encode.Options{}, env.Parallelism); err != nil {
			return nil, fmt.Errorf("firehose: %w", err)
		}
	case "parquet":
		s.parquet = true
		if dest.store == nil {
			return nil, fmt.Errorf("firehose: %w: parquet needs a file or s3 destination", sources.ErrOption)
		}
		if cfg.Transform != nil || cfg.TransformInvoker != nil {
			return nil, fmt.Errorf("firehose: %w: a transform cannot feed parquet output yet", sources.ErrOption)
		}
		if env.Schema == nil {
			return nil, fmt.Errorf("firehose: parquet needs the stream's schema")
		}
	default:
		return nil, fmt.Errorf("firehose: %w: format %q (use json, csv or parquet)", sources.ErrOption, cfg.Format)
	}
	if dest.records != nil {
		if _, ok := dest.records.(*httpDest); (ok && s.comp != None && s.comp != Gzip) || (!ok && s.comp != None) {
			return nil, fmt.Errorf("firehose: %w: compression %s is not available for %s", sources.ErrOption, s.comp, dest.records)
		}
		if cfg.ExactlyOnce {
			return nil, fmt.Errorf("firehose: %w: exactly_once needs a file or s3 destination", sources.ErrOption)
		}
	} else if env.Checkpointing {
		// With the engine's checkpoints, objects to a directory or S3 are
		// published only when their checkpoint completes.
		s.exactly = true
	}
	s.prefix, s.errPrefix = cfg.Prefix, cfg.ErrorOutputPrefix
	if s.errPrefix == "" {
		s.errPrefix = "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"
	}
	for _, p := range []struct{ p, typ string }{{s.prefix, ""}, {s.errPrefix, ErrorTypeDelivery}} {
		if _, err := expandPrefix(p.p, time.Unix(0, 0), p.typ); err != nil {
			return nil, fmt.Errorf("%w: %w", sources.ErrOption, err)
		}
	}
	switch {
	case cfg.ErrorDestination != "":
		ed, err := openDestination(ctx, cfg.ErrorDestination, cfg, s.clock.Now)
		if err != nil {
			return nil, err
		}
		if ed.store == nil {
			return nil, fmt.Errorf("firehose: %w: error_destination must be file:// or s3://", sources.ErrOption)
		}
		s.errStore = ed.store
	case dest.store != nil:
		s.errStore = dest.store
	}
	if cfg.Transform != nil || cfg.TransformInvoker != nil {
		inv := cfg.TransformInvoker
		if inv == nil {
			if inv, err = function.NewInvoker(ctx, *cfg.Transform); err != nil {
				return nil, fmt.Errorf("firehose: transform: %w", err)
			}
		}
		cc := cfg.TransformCaller
		if cc.Clock == nil {
			cc.Clock = s.clock
		}
		region := cfg.Region
		if region == "" {
			region = "us-east-1"
		}
		s.caller = function.NewCaller(inv, Transform{
			DeliveryStreamARN: "arn:aws:firehose:" + region + ":000000000000:deliverystream/" + s.name, Region: region,
		}, cc)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.stop, s.done, s.kick = make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
	go s.run(runCtx)
	return s, nil
}

// Metrics returns the delivery counters so far.
func (s *sink) Metrics() Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metrics
}

// Write adds batch's rows to the buffer (encoded, or the batch itself for
// Parquet, which is then kept until delivered) and delivers the buffer
// when it reaches buffer_size.
func (s *sink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written = true
	if s.closed {
		batch.Release()
		return ErrClosed
	}
	if s.err != nil {
		batch.Release()
		return s.err
	}
	if batch.NumRows() == 0 {
		batch.Release()
		return nil
	}
	now := s.clock.Now()
	wasEmpty := s.size == 0
	if s.parquet {
		s.batches = append(s.batches, batch)
		s.size += batchSize(batch)
	} else if s.caller == nil && s.dest.store != nil {
		// Objects without a transform: rows are only ever concatenated, so
		// they stay one encoded text until delivery.
		rows := int64(batch.NumRows())
		text, err := s.enc.Append(s.text, batch)
		batch.Release()
		if err != nil {
			return fmt.Errorf("firehose: encode: %w", err)
		}
		s.size += int64(len(text) - len(s.text))
		s.text, s.textRows = text, s.textRows+rows
	} else {
		// One buffer per batch, sized from the rows seen so far; each
		// record's data is a slice of it (the encoder ends rows with '\n').
		rows := int(batch.NumRows())
		buf, err := s.enc.Append(make([]byte, 0, s.rowBytes*rows+64), batch)
		batch.Release()
		if err != nil {
			return fmt.Errorf("firehose: encode: %w", err)
		}
		s.rowBytes = len(buf)/rows + 1
		if cap(s.recs)-len(s.recs) < rows {
			s.recs = append(make([]function.Record, 0, 2*(len(s.recs)+rows)), s.recs...)
		}
		for _, row := range function.SplitRows(buf, s.csv) {
			s.nextID++
			s.recs = append(s.recs, function.Record{ID: strconv.FormatUint(s.nextID, 10), Data: append(row, '\n'), Arrival: now})
			s.size += int64(len(row) + 1)
		}
	}
	if wasEmpty {
		s.first = now
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	if s.size >= s.bufSize {
		if s.pipelined() {
			return s.handOff(ctx)
		}
		return s.deliver(ctx)
	}
	return nil
}

// run delivers the buffer when its oldest row is buffer_interval old.
func (s *sink) run(ctx context.Context) {
	defer close(s.done)
	var wait <-chan time.Time
	var armed time.Time // the deadline wait is for
	for {
		s.mu.Lock()
		if s.ready() {
			_ = s.shipPending(ctx)
			s.mu.Unlock()
			continue
		}
		if s.size > 0 || s.pend != nil {
			first := s.first
			if s.pend != nil {
				first = s.pend.first // older than any row in the buffer
			}
			due := first.Add(s.interval)
			d := due.Sub(s.clock.Now())
			if d <= 0 {
				_ = s.deliver(ctx)
				s.mu.Unlock()
				continue
			}
			if wait == nil || !due.Equal(armed) {
				wait, armed = s.clock.After(d), due
			}
		}
		s.mu.Unlock()
		select {
		case <-s.kick:
		case <-wait:
			wait = nil
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		}
	}
}

// Flush delivers the buffer; when it returns nil every row written before
// is at the destination or (having failed) in the error output.
func (s *sink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.deliver(ctx)
}

// Close delivers the buffer (as on SIGTERM), stops the timer goroutine and
// releases what it holds. Delivery is bounded by ctx.
func (s *sink) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	err := s.deliver(ctx)
	if s.pend != nil { // delivery ended early: the compression still runs
		<-s.pend.done
		s.pend = nil
	}
	s.closed = true
	for _, b := range s.batches {
		b.Release()
	}
	s.batches, s.recs, s.text, s.size = nil, nil, nil, 0
	s.mu.Unlock()
	close(s.stop)
	s.cancel()
	<-s.done
	return err
}

// batchSize is the bytes of batch's buffers, the buffer_size measure of
// Parquet output.
func batchSize(batch arrow.RecordBatch) int64 {
	var n int64
	var walk func(d arrow.ArrayData)
	walk = func(d arrow.ArrayData) {
		for _, b := range d.Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
		for _, c := range d.Children() {
			walk(c)
		}
	}
	for _, c := range batch.Columns() {
		walk(c.Data())
	}
	return n
}
