package kafka

import (
	"context"
	"fmt"
	"io"
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
// sources.Partitioned: every batch holds the rows of one partition.
type Source interface {
	sources.Source
	sources.Positioner
	sources.Seeker
	sources.Committer
	sources.Partitioned
}

// fetched is what a partition's fetcher hands Next: a message, or (done)
// word that the partition reached the end it had at open.
type fetched struct {
	msg  kafkago.Message
	done bool
}

// source reads the partitions of its topics: one fetcher goroutine per
// partition (the ones its group assigns it, with a group) fills the
// partition's bounded buffer, and Next builds each batch from one
// partition's buffer, the partitions taking turns.
type source struct {
	env    sources.Env
	cfg    config
	clock  func() time.Time
	client *kafkago.Client
	dec    codec.Decoder
	bat    *sources.Batcher
	lay    *layout

	wake   chan struct{} // a buffer went from empty to not empty
	errc   chan error
	ctx    context.Context // fetchers' context, canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	group  *kafkago.ConsumerGroup

	started, closed, eof bool
	active               []*part // the partitions read now, sorted
	turn                 int     // index in active of the next to serve
	slowest              int64   // smallest MaxTime that holds, as of the last pick
	starting             bool    // a partition with backlog has returned no row yet
	since                time.Time
	origin               sources.Origin
	view                 []sources.Partition
	genSeen              int

	mu     sync.Mutex   // guards what the group goroutine shares
	parts  map[tp]*part // every partition ever read (insertions under mu)
	gen    *kafkago.Generation
	genNum int              // counts generations
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
		parts: map[tp]*part{}, owned: map[tp]time.Time{}, seekTo: map[tp]int64{},
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
	if cfg.format != "raw" {
		codec.CountTruncations(s.dec, env.Truncated)
	}
	if s.bat, err = sources.NewBatcher(alloc, s.lay.payload, opts.String("rowtime"), cfg.batchSize); err != nil {
		return fail(fmt.Errorf("kafka: %w", err))
	}
	if err := codec.PruneDecoding(s.dec, s.bat, declared, opts); err != nil {
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
// to batch_size rows of one partition, a partial batch once its first row
// is linger old (or at once when the partition is caught up and another
// has rows waiting), or
// an empty batch after poll_interval (at most idle_timeout/2) without rows
// to return, so that time and partition states move on. With stop_at_end
// it returns io.EOF once every partition is read to its end.
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
	defer s.report()
	wait := s.cfg.poll
	if s.cfg.idle > 0 {
		wait = min(wait, s.cfg.idle/2)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		select {
		case err := <-s.errc:
			return nil, err
		default:
		}
		s.refresh()
		if pt := s.pick(s.clock()); pt != nil {
			rec, err := s.build(ctx, pt)
			if rec != nil || err != nil {
				return rec, err
			}
			continue // nothing but rejects and end marks
		}
		if s.cfg.stopAtEnd && s.allEnded() {
			s.eof = true
			return nil, io.EOF
		}
		select {
		case <-s.wake:
		case err := <-s.errc:
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return s.lay.assemble(s.bat.Flush()), nil // empty: time goes on
		}
	}
}

// allEnded tells whether every partition is read to its end.
func (s *source) allEnded() bool {
	for _, pt := range s.active {
		if !pt.ended {
			return false
		}
	}
	return true
}

// build returns a batch of the rows of partition pt: up to batch_size,
// waiting up to linger for more, unless pt is caught up and another
// partition has rows waiting. It returns nil when no row came (only rejects or the end).
func (s *source) build(ctx context.Context, pt *part) (arrow.RecordBatch, error) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for s.bat.Len() < s.cfg.batchSize && !pt.ended {
		select {
		case f := <-pt.buf:
			s.handle(pt, f)
			continue
		default:
		}
		// Fill the batch while the partition has backlog; once it is caught
		// up, linger for live rows only while no other partition waits.
		if s.bat.Len() == 0 || (pt.lag() == 0 && s.othersReady(pt)) {
			break
		}
		wait := s.cfg.linger - s.clock().Sub(s.since)
		if wait <= 0 {
			break
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case f := <-pt.buf:
			s.handle(pt, f)
			continue
		case <-s.wake:
			continue
		case err := <-s.errc:
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
		}
		break
	}
	if s.bat.Len() == 0 {
		return nil, nil
	}
	return s.flush(pt), nil
}

// flush returns the rows built so far, all of partition pt, as a batch the
// caller owns, and notes the batch's origin and newest ROWTIME.
func (s *source) flush(pt *part) arrow.RecordBatch {
	rec := s.lay.assemble(s.bat.Flush())
	s.origin = pt.origin
	s.observe(pt, rec)
	return rec
}

// handle decodes one fetched message of pt into the batch, or rejects it.
func (s *source) handle(pt *part, f fetched) {
	if f.done {
		pt.ended = true
		return
	}
	m := &f.msg
	if m.Offset < pt.next {
		return // delivered already (before a rebalance or a Seek)
	}
	pt.next = m.Offset + 1
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
	if s.bat.Len() == 1 {
		s.since = s.clock()
	}
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
