package function

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
	"github.com/eddy-sql/eddy/sources"
)

// Errors of the function sink.
var (
	// ErrClosed is returned by Write and Flush after Close.
	ErrClosed = errors.New("function: sink is closed")
	// ErrUndelivered is returned when records ran out of retries and the
	// sink has no Env.Reject to send them to the error stream.
	ErrUndelivered = errors.New("function: records undelivered")
)

// Stats counts a function sink's deliveries.
type Stats struct {
	Invocations int64 // Call rounds (one per batch sent)
	Records     int64 // records the function accepted (answered Ok)
	Bytes       int64 // data bytes of the accepted records
	Failed      int64 // records that ran out of retries
}

// StatsReporter is implemented by the sink New returns.
type StatsReporter interface {
	Stats() Stats
}

// sink batches rows and hands them to a Caller from its sender goroutine.
type sink struct {
	caller   *Caller
	enc      encode.Encoder
	csv      bool
	keyCols  []int
	clock    Clock
	interval time.Duration
	reject   func(string, error)
	maxHeld  int
	stream   string

	cancel context.CancelFunc
	done   chan struct{} // closed when the sender exits
	kick   chan struct{}

	mu        sync.Mutex
	progress  chan struct{} // closed and replaced whenever the sender moves
	pending   []Record
	held      int    // bytes pending: data plus recordCost per record
	written   uint64 // rows written
	delivered uint64 // rows whose fate is known
	want      bool   // a Flush or Close waits: send without waiting for the interval
	closing   bool
	closed    bool
	lastSend  time.Time
	nextID    uint64
	err       error
	stats     Stats
}

var (
	_ sinks.Sink    = (*sink)(nil)
	_ sinks.Flusher = (*sink)(nil)
	_ StatsReporter = (*sink)(nil)
)

// New returns a function sink for env.Stream delivering through cfg. The
// sink owns a sender goroutine until Close.
func New(ctx context.Context, env sinks.Env, cfg Config) (sinks.Sink, error) {
	inv := cfg.Invoker
	if inv == nil {
		var err error
		if inv, err = NewInvoker(ctx, cfg.Target); err != nil {
			return nil, err
		}
	}
	format := cfg.Format
	if format == "" {
		format = encode.JSON
	}
	enc, err := encode.NewParallel(format, env.Schema, encode.Options{}, env.Parallelism)
	if err != nil || (format != encode.JSON && format != encode.CSV) {
		return nil, fmt.Errorf("function: %w: format %q (use json or csv)", sources.ErrOption, format)
	}
	var keyCols []int
	for _, k := range cfg.Key {
		idx := -1
		if env.Schema != nil {
			for i, f := range env.Schema.Fields() {
				if strings.EqualFold(f.Name, k) {
					idx = i
				}
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("function: %w: key column %q is not in stream %s", sources.ErrOption, k, env.Stream)
		}
		keyCols = append(keyCols, idx)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = SystemClock(env.Clock)
	}
	cc := cfg.Caller
	if cc.Clock == nil {
		cc.Clock = clock
	}
	arn := cfg.ApplicationARN
	if arn == "" {
		arn = DefaultApplicationARN
	}
	interval := cfg.BatchInterval
	if interval < 0 {
		interval = 0
	}
	caller := NewCaller(inv, KDAOutput{ApplicationARN: arn}, cc)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &sink{
		caller: caller, enc: enc, csv: format == encode.CSV, keyCols: keyCols, clock: clock,
		interval: interval, reject: env.Reject, maxHeld: 4 * caller.cfg.MaxPayload, stream: env.Stream,
		cancel: cancel, done: make(chan struct{}), kick: make(chan struct{}, 1),
		progress: make(chan struct{}),
	}
	go s.run(runCtx)
	return s, nil
}

// Stats returns the delivery counters so far.
func (s *sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Write encodes batch's rows into records, queues them for the sender and
// releases batch. It blocks while too much is queued.
func (s *sink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	defer batch.Release()
	if batch.NumRows() == 0 {
		return s.state()
	}
	buf, err := s.enc.Append(nil, batch)
	if err != nil {
		return fmt.Errorf("function: encode: %w", err)
	}
	rows := SplitRows(buf, s.csv)
	keys := RowKeys(batch, s.keyCols)
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.held > s.maxHeld && !s.closed && s.err == nil {
		ch := s.progress
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			return fmt.Errorf("function: write: %w", ctx.Err())
		}
		s.mu.Lock()
	}
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	for i, row := range rows {
		s.nextID++
		r := Record{ID: strconv.FormatUint(s.nextID, 10), Data: row, Arrival: now}
		if keys != nil && i < len(keys) {
			r.Key = keys[i]
		}
		s.pending = append(s.pending, r)
		s.held += len(row) + recordCost
	}
	s.written += uint64(len(rows))
	s.poke()
	return nil
}

// recordCost is what a pending record costs besides its data: the Record
// (ID, Key, Data and Arrival) and the text of its id. Counting it keeps
// the memory of many small rows bounded, not only their bytes.
const recordCost = 96

// state returns the sink's sticky error or ErrClosed.
func (s *sink) state() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.err
}

// poke wakes the sender; s.mu is held.
func (s *sink) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// moved wakes everyone waiting on progress; s.mu is held.
func (s *sink) moved() {
	close(s.progress)
	s.progress = make(chan struct{})
}

// Flush returns once every row written before it has been accepted by the
// function or handed to the error stream (Env.Reject).
func (s *sink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	return s.waitDelivered(ctx)
}

// waitDelivered waits until everything written is delivered; s.mu is held.
func (s *sink) waitDelivered(ctx context.Context) error {
	target := s.written
	for s.delivered < target {
		s.want = true
		s.poke()
		ch := s.progress
		s.mu.Unlock()
		select {
		case <-ch:
		case <-s.done:
		case <-ctx.Done():
		}
		s.mu.Lock()
		if ctx.Err() != nil && s.delivered < target {
			return fmt.Errorf("function: flush: %w", ctx.Err())
		}
		select {
		case <-s.done:
			if s.delivered < target {
				return fmt.Errorf("function: flush: sender stopped")
			}
		default:
		}
	}
	return s.err
}

// Close delivers what is queued before ctx's deadline, stops the sender
// and returns ctx.Err() if it could not deliver everything.
func (s *sink) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	err := s.waitDelivered(ctx)
	s.closed, s.closing = true, true
	s.poke()
	s.mu.Unlock()
	if err != nil {
		s.cancel()
	}
	<-s.done
	s.cancel()
	return err
}

// run is the sender: it takes the queued records when the batch interval
// has passed since the last send (at once when a Flush waits) and
// delivers them.
func (s *sink) run(ctx context.Context) {
	defer close(s.done)
	var timer <-chan time.Time
	for {
		select {
		case <-s.kick:
		case <-timer:
			timer = nil
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		if len(s.pending) == 0 {
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return
			}
			continue
		}
		now := s.clock.Now()
		due := s.lastSend.Add(s.interval)
		if !s.want && !s.closing && now.Before(due) {
			if timer == nil {
				timer = s.clock.After(due.Sub(now))
			}
			s.mu.Unlock()
			continue
		}
		batch, upto := s.pending, s.written
		s.pending, s.held, s.lastSend = nil, 0, now
		s.moved()
		s.mu.Unlock()

		s.deliver(ctx, batch)

		s.mu.Lock()
		if ctx.Err() == nil {
			s.delivered = upto
		}
		if s.delivered >= s.written {
			s.want = false
		}
		s.moved()
		more := len(s.pending) > 0
		s.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if more {
			s.mu.Lock()
			s.poke()
			s.mu.Unlock()
		}
	}
}

// deliver calls the function with batch and sends what it gave up on to
// the error stream.
func (s *sink) deliver(ctx context.Context, batch []Record) {
	outs, err := s.caller.Call(ctx, batch)
	if err != nil {
		return
	}
	var ok, okBytes, failed int64
	var undelivered error
	for i, o := range outs {
		if o.Err == nil {
			ok++
			okBytes += int64(len(batch[i].Data))
			continue
		}
		failed++
		reason := fmt.Errorf("function: stream %s record %s: %w", s.stream, batch[i].ID, o.Err)
		if s.reject != nil {
			s.reject(string(batch[i].Data), reason)
		} else if undelivered == nil {
			undelivered = fmt.Errorf("%w: %w", ErrUndelivered, reason)
		}
	}
	s.mu.Lock()
	s.stats.Invocations++
	s.stats.Records += ok
	s.stats.Bytes += okBytes
	s.stats.Failed += failed
	if undelivered != nil && s.err == nil {
		s.err = undelivered
	}
	s.mu.Unlock()
}
