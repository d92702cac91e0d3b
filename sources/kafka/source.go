package kafka

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

func init() {
	sources.Register(sources.Factory{
		Name:    "kafka",
		Doc:     "messages of Kafka topics (JSON, CSV or raw), with consumer groups and offsets committed at checkpoints",
		Target:  "topic",
		Options: Options(),
		Open: func(ctx context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
			return Open(ctx, env, opts)
		},
		Discover: Discover,
	})
}

// Source is the kafka source. Besides sources.Source it implements
// sources.Positioner, sources.Seeker and sources.Committer, and
// Watermark() int64 (exec.Watermarker) with one watermark per partition.
type Source interface {
	sources.Source
	sources.Positioner
	sources.Seeker
	sources.Committer
	Watermark() int64
}

// fetched is what a partition fetcher hands Next: a message, or (done)
// word that the partition reached the end it had at open.
type fetched struct {
	msg  kafkago.Message
	done bool
	p    tp
}

// partState is what Next knows of one partition.
type partState struct {
	p       tp
	next    int64 // the offset after the last row returned; -1 unknown
	maxTime int64 // the largest ROWTIME returned; MinInt64 none
	last    time.Time
	active  bool // assigned to this source and not at its end
}

// source reads the partitions of its topics: one fetcher goroutine per
// partition (the ones its group assigns it, with a group) feeds Next
// through a channel.
type source struct {
	env    sources.Env
	cfg    config
	clock  func() time.Time
	client *kafkago.Client
	dec    codec.Decoder
	bat    *sources.Batcher
	lay    *layout

	msgs   chan fetched
	errc   chan error
	ctx    context.Context // fetchers' context, canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	group  *kafkago.ConsumerGroup

	started, closed, eof bool
	parts                map[tp]*partState
	rowParts             []*partState // per row of the batch being built
	since                time.Time    // clock time of the batch's first row
	idleSince            time.Time    // when the last batch was returned
	fixed                int          // partitions to read without a group
	ended                int          // partitions at their end (stop_at_end)
	wm, maxTime          int64
	lastRow              time.Time

	mu     sync.Mutex // guards what the group goroutine shares
	gen    *kafkago.Generation
	owned  map[tp]time.Time // partitions of the current generation: when assigned
	seekTo map[tp]int64     // from Seek, used once per partition
}

var _ Source = (*source)(nil)

// New opens a kafka source for env with options raw, which are validated
// against Options and sources.Common. Tests use it instead of the
// registry.
func New(ctx context.Context, env sources.Env, raw map[string]string) (Source, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	return Open(ctx, env, opts)
}

// Open opens a kafka source from validated options. It checks that the
// topics exist; reading starts with the first Next (after Seek).
func Open(ctx context.Context, env sources.Env, opts sources.Options) (Source, error) {
	cfg, err := parseConfig(opts)
	if err != nil {
		return nil, err
	}
	s := &source{
		env: env, cfg: cfg, clock: env.Clock, client: cfg.conn.Client(),
		parts: map[tp]*partState{}, owned: map[tp]time.Time{}, seekTo: map[tp]int64{},
		wm: math.MinInt64, maxTime: math.MinInt64,
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	alloc := env.Alloc
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	if s.lay, err = newLayout(alloc, env.Schema); err != nil {
		return nil, err
	}
	fail := func(err error) (Source, error) {
		s.lay.release()
		if s.bat != nil {
			s.bat.Release()
		}
		return nil, err
	}
	declared, _ := sources.DeclaredColumns(s.lay.payload)
	if cfg.format == "raw" {
		s.dec, err = newRaw(declared)
	} else {
		s.dec, err = codec.New(declared, opts)
	}
	if err != nil {
		return fail(fmt.Errorf("kafka: %w", err))
	}
	if s.bat, err = sources.NewBatcher(alloc, s.lay.payload, opts.String("rowtime"), cfg.batchSize); err != nil {
		return fail(fmt.Errorf("kafka: %w", err))
	}
	if _, err := partitions(ctx, s.client, cfg.topics); err != nil {
		return fail(err)
	}
	return s, nil
}

// Schema returns the output schema.
func (s *source) Schema() *arrow.Schema { return s.env.Schema }

// Next returns the next batch, which the caller owns and must Release: up
// to batch_size rows, a partial batch once its first row is linger old,
// or an empty batch after poll_interval without messages. With
// stop_at_end it returns io.EOF once every partition is read to its end.
func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, fmt.Errorf("kafka: source is closed")
	}
	if s.eof {
		return nil, io.EOF
	}
	if !s.started {
		if err := s.start(ctx); err != nil {
			return nil, err
		}
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.drain() {
			return s.flush(), nil
		}
		if s.cfg.stopAtEnd && s.ended == s.fixed {
			if s.bat.Len() > 0 {
				return s.flush(), nil
			}
			s.eof, s.wm = true, math.MaxInt64
			return nil, io.EOF
		}
		now := s.clock()
		wait := s.cfg.poll - now.Sub(s.idleSince)
		if s.bat.Len() > 0 {
			wait = s.cfg.linger - now.Sub(s.since)
		}
		if wait <= 0 {
			return s.flush(), nil
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case f := <-s.msgs:
			s.handle(f)
		case err := <-s.errc:
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}

// drain handles the messages waiting in the channel and reports whether
// the batch is full.
func (s *source) drain() bool {
	for s.bat.Len() < s.cfg.batchSize {
		select {
		case f := <-s.msgs:
			s.handle(f)
		default:
			return false
		}
	}
	return true
}

// handle decodes one fetched message into the batch, or rejects it.
func (s *source) handle(f fetched) {
	if f.done {
		s.ended++
		if st := s.parts[f.p]; st != nil {
			st.active = false
		}
		return
	}
	m := &f.msg
	st := s.state(tp{m.Topic, m.Partition})
	if m.Offset < st.next {
		return // delivered already (before a rebalance or a Seek)
	}
	st.next = m.Offset + 1
	arrival := m.Time
	if arrival.IsZero() {
		arrival = s.clock()
	}
	if err := s.dec.Decode(m.Value, arrival, s.bat); err != nil {
		if s.env.Reject != nil {
			s.env.Reject(sources.BadRecord{
				Stream: s.env.Stream, Origin: m.Topic, Partition: partitionName(m.Partition),
				Offset: m.Offset, Position: fmt.Sprintf("%s/%d@%d", m.Topic, m.Partition, m.Offset),
				Data: append([]byte(nil), m.Value...), Err: err,
			})
		}
		return
	}
	s.lay.add(m)
	s.rowParts = append(s.rowParts, st)
	if s.bat.Len() == 1 {
		s.since = s.clock()
	}
}

// state returns the state of partition p, creating it.
func (s *source) state(p tp) *partState {
	st := s.parts[p]
	if st == nil {
		st = &partState{p: p, next: -1, maxTime: math.MinInt64}
		s.parts[p] = st
	}
	return st
}

// flush returns the batch built so far and updates the watermarks.
func (s *source) flush() arrow.RecordBatch {
	rec := s.lay.assemble(s.bat.Flush())
	s.observe(rec)
	s.rowParts = s.rowParts[:0]
	s.idleSince = s.clock()
	return rec
}

// Close stops the fetchers, leaves the consumer group (its partitions go
// to the other members) and frees the rows not returned. It commits
// nothing. It may be called more than once.
func (s *source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	if s.group != nil {
		s.group.Close()
	}
	s.wg.Wait()
	if t, ok := s.client.Transport.(*kafkago.Transport); ok {
		t.CloseIdleConnections()
	}
	s.bat.Release()
	s.lay.release()
	return nil
}
