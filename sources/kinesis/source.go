package kinesis

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

func init() {
	sources.Register(sources.Factory{
		Name:    "kinesis",
		Doc:     "records of a Kinesis data stream (every shard, in order; KPL de-aggregation; checkpoints)",
		Target:  "stream",
		Options: Options(),
		Open: func(ctx context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
			return New(ctx, env, opts)
		},
		Discover: Discover,
	})
}

// source reads every shard of one stream. Goroutines fetch the shards (one
// each) and hand GetRecords results to Next over a channel; Next decodes
// them. It starts the goroutines on the first Next, after any Seek.
type source struct {
	env            sources.Env
	client         *kinesis.Client
	stream         StreamRef
	start          startSpec
	dec            codec.Decoder
	bat            *sources.Batcher
	lay            *layout
	clock          func() time.Time
	batch          int
	limit          int32
	poll           time.Duration
	discover       time.Duration
	stopAtEnd      bool
	checkpointFile string

	// pos is what Next has delivered (Position); resume is where to start
	// (Seek or the checkpoint file).
	pos    map[string]shardPos
	resume map[string]shardPos

	wms *watermarks

	started bool
	closed  bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	out     chan chunk
	errc    chan error
}

var (
	_ sources.Source     = (*source)(nil)
	_ sources.Positioner = (*source)(nil)
	_ sources.Seeker     = (*source)(nil)
	_ sources.Committer  = (*source)(nil)
)

// chunk is what a shard's goroutine hands Next: the records of one
// GetRecords call, or the end of a shard closed by a reshard.
type chunk struct {
	shard   string
	records []types.Record
	end     bool
}

// New opens a kinesis source for env with options raw, validated against
// Options and sources.Common. It checks the options and builds the client;
// reading starts at the first Next. Tests use it instead of the registry.
func New(ctx context.Context, env sources.Env, raw map[string]string) (sources.Source, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	s := &source{
		env: env, clock: env.Clock, batch: int(opts.Int("batch_size")), limit: int32(opts.Int("max_records")),
		poll: opts.Duration("poll_interval"), discover: opts.Duration("discover_interval"),
		stopAtEnd: opts.Bool("stop_at_end"), pos: map[string]shardPos{},
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	s.wms = newWatermarks(opts.Duration("lateness"), opts.Duration("idle_timeout"))
	if s.batch < 1 {
		return nil, fmt.Errorf("kinesis: %w: batch_size must be at least 1", sources.ErrOption)
	}
	if s.limit < 1 || s.limit > 10000 {
		return nil, fmt.Errorf("kinesis: %w: max_records must be between 1 and 10000", sources.ErrOption)
	}
	if s.poll <= 0 {
		s.poll = 200 * time.Millisecond
	}
	if s.discover <= 0 {
		s.discover = 10 * time.Second
	}
	if s.stream, err = ParseStream(opts.String("stream")); err != nil {
		return nil, err
	}
	if s.start, err = parseStart(opts.String("start")); err != nil {
		return nil, err
	}
	s.checkpointFile = checkpointPath(opts.String("checkpoint_dir"), s.stream.name(), env.Stream)
	if err := s.loadCheckpoint(); err != nil {
		return nil, err
	}
	alloc := env.Alloc
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	if s.lay, err = newLayout(alloc, env.Schema); err != nil {
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	declared, err := sources.DeclaredColumns(s.lay.data)
	if err != nil {
		s.lay.release()
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	if s.dec, err = codec.New(declared, opts); err != nil {
		s.lay.release()
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	if s.bat, err = sources.NewBatcher(alloc, s.lay.data, opts.String("rowtime"), s.batch); err != nil {
		s.lay.release()
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	if s.client, err = NewClient(ctx, opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Schema returns the output schema.
func (s *source) Schema() *arrow.Schema { return s.env.Schema }

// Next returns the next batch, which the caller owns and must Release: up
// to batch_size rows (more when an aggregated record does not fit), or an
// empty batch after poll_interval without data. With stop_at_end it
// returns io.EOF once every shard has been read to its newest record.
func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, fmt.Errorf("kinesis: source is closed")
	}
	if !s.started {
		s.begin()
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
		if s.bat.Len() >= s.batch {
			return s.flush(), nil
		}
		select {
		case c, ok := <-s.out:
			if !ok {
				if s.bat.Len() > 0 {
					return s.flush(), nil
				}
				return nil, io.EOF
			}
			s.take(c)
			continue
		case err := <-s.errc:
			return nil, err
		default:
		}
		if s.bat.Len() > 0 {
			return s.flush(), nil
		}
		if timer == nil {
			timer = time.NewTimer(s.poll)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case err := <-s.errc:
			return nil, err
		case c, ok := <-s.out:
			if !ok {
				return nil, io.EOF
			}
			s.take(c)
		case <-timer.C:
			return s.flush(), nil // empty: time goes on while idle
		}
	}
}

func (s *source) flush() arrow.RecordBatch {
	rec := s.lay.assemble(s.bat.Flush())
	s.wms.observe(rec, s.clock())
	return rec
}

// take decodes the records of c into the batch and moves the position.
func (s *source) take(c chunk) {
	if c.end {
		p := s.pos[c.shard]
		p.Done = true
		s.pos[c.shard] = p
		s.wms.done(c.shard)
		return
	}
	s.wms.shard(c.shard, s.clock())
	for i := range c.records {
		s.decode(c.shard, &c.records[i])
	}
	last := c.records[len(c.records)-1]
	s.pos[c.shard] = shardPos{Seq: aws.ToString(last.SequenceNumber)}
}

// decode appends the rows of one Kinesis record, de-aggregating it, and
// rejects what does not decode.
func (s *source) decode(shard string, r *types.Record) {
	arrival := s.clock()
	if r.ApproximateArrivalTimestamp != nil {
		arrival = *r.ApproximateArrivalTimestamp
	}
	seq, key := aws.ToString(r.SequenceNumber), aws.ToString(r.PartitionKey)
	if !IsAggregated(r.Data) {
		s.decodeOne(shard, seq, key, r.Data, arrival, 0)
		return
	}
	users, err := Deaggregate(r.Data)
	if err != nil {
		s.reject(shard, seq, 0, r.Data, err)
		return
	}
	for i, u := range users {
		s.decodeOne(shard, seq, u.PartitionKey, u.Data, arrival, int64(i))
	}
}

func (s *source) decodeOne(shard, seq, key string, data []byte, arrival time.Time, sub int64) {
	before := s.bat.Len()
	if err := s.dec.Decode(data, arrival, s.bat); err != nil {
		s.reject(shard, seq, sub, data, err)
		return
	}
	if s.bat.Len() > before {
		s.lay.add(key, seq, shard)
		s.wms.row(shard)
	}
}

// reject hands a bad record to Env.Reject: Partition is the shard,
// Position the sequence number and Offset the index of the user record in
// an aggregated record (0 otherwise).
func (s *source) reject(shard, seq string, sub int64, data []byte, err error) {
	if s.env.Reject == nil {
		return
	}
	s.env.Reject(sources.BadRecord{
		Stream: s.env.Stream, Origin: s.stream.String(), Partition: shard, Offset: sub, Position: seq,
		Data: append([]byte(nil), data...), Err: fmt.Errorf("kinesis: %s %s: %w", shard, seq, err),
	})
}

// Close stops the shard goroutines, waits for them and frees the rows not
// returned. It may be called more than once.
func (s *source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.bat != nil {
		s.bat.Release()
	}
	s.lay.release()
	return nil
}
