package kinesis

import (
	"context"
	"fmt"
	"io"
	"strconv"
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
// each) into each shard's bounded buffer; Next decodes one shard's records
// per batch, the shards taking turns. It starts the goroutines on the
// first Next, after any Seek.
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
	idle           time.Duration
	maxSkew        time.Duration
	stopAtEnd      bool
	checkpointFile string

	// pos is what Next has delivered (Position); resume is where to start
	// (Seek or the checkpoint file).
	pos    map[string]shardPos
	resume map[string]shardPos

	// Next's view of the shards, sorted by id, and its turn-taking.
	view     []*shard
	seen     int // the version of shards view was taken at
	turn     int
	slowest  int64 // smallest MaxTime that holds, as of the last pick
	starting bool  // a shard being read has returned no row and is not caught up
	origin   sources.Origin
	parts    []sources.Partition

	mu       sync.Mutex // guards shards and version, which the coordinator adds to
	shards   map[string]*shard
	version  int
	started  bool
	closed   bool
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	wake     chan struct{} // a reader put records in a buffer
	finished chan struct{} // stop_at_end: closed once no reader is left
	errc     chan error
}

var (
	_ sources.Source      = (*source)(nil)
	_ sources.Positioner  = (*source)(nil)
	_ sources.Seeker      = (*source)(nil)
	_ sources.Committer   = (*source)(nil)
	_ sources.Partitioned = (*source)(nil)
)

// chunk is what a shard's goroutine hands Next: the records of one
// GetRecords call, or the end of the shard: closed by a reshard and read to
// its end, or (stop_at_end) caught up.
type chunk struct {
	records []types.Record
	end     bool
	closed  bool
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
		stopAtEnd: opts.Bool("stop_at_end"), pos: map[string]shardPos{}, shards: map[string]*shard{},
		idle: opts.Duration("idle_timeout"), maxSkew: opts.Duration("max_skew"),
	}
	if s.clock == nil {
		s.clock = time.Now
	}
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
	if opts.String("preprocess") != "" && env.Preprocess == nil {
		return nil, fmt.Errorf("kinesis: %w: preprocess = %q, but the engine set no preprocessor", sources.ErrOption, opts.String("preprocess"))
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
	codec.CountTruncations(s.dec, env.Truncated)
	if s.bat, err = sources.NewBatcher(alloc, s.lay.data, opts.String("rowtime"), s.batch); err != nil {
		s.lay.release()
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	if err := codec.PruneDecoding(s.dec, s.bat, declared, opts); err != nil {
		s.bat.Release()
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
// to batch_size rows of one shard (more when an aggregated record does not
// fit), or an empty batch after poll_interval (at most idle_timeout/2)
// without rows to return, so that time and shard states move on. With
// stop_at_end it returns io.EOF once every shard has been read to its
// newest record.
func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, fmt.Errorf("kinesis: source is closed")
	}
	if !s.started {
		if err := s.begin(ctx); err != nil {
			return nil, err
		}
	}
	defer s.report()
	wait := s.poll
	if s.idle > 0 {
		wait = min(wait, s.idle/2)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	finished := s.finished
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
		if sh := s.pick(s.clock()); sh != nil {
			rec, err := s.take(ctx, sh)
			if err != nil {
				return nil, err
			}
			if rec != nil {
				return rec, nil
			}
			continue // nothing but rejects and end marks
		}
		if finished == nil && s.stopAtEnd && s.drained() {
			return nil, io.EOF
		}
		select {
		case <-s.wake:
		case <-finished:
			finished = nil
			s.refresh()
			if s.drained() {
				return nil, io.EOF
			}
		case err := <-s.errc:
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return s.lay.assemble(s.bat.Flush()), nil // empty: time goes on
		}
	}
}

// drained tells whether, every reader being gone, no record waits.
func (s *source) drained() bool {
	select {
	case <-s.finished:
	default:
		return false
	}
	for _, sh := range s.view {
		if sh.buffered() {
			return false
		}
	}
	return true
}

// take decodes records of shard sh, whole Kinesis records, until the
// batch is full or none is buffered, and returns them as a batch the
// caller owns; nil when no row came (only rejects or the end). With
// Env.Preprocess, the records of each chunk go through it first; its
// error is the source's.
func (s *source) take(ctx context.Context, sh *shard) (arrow.RecordBatch, error) {
	seq := ""
	for s.bat.Len() < s.batch {
		if len(sh.pending) == 0 {
			var c chunk
			select {
			case c = <-sh.buf:
			default:
			}
			if c.end {
				sh.done = true
				if c.closed {
					p := s.pos[sh.id]
					p.Done = true
					s.pos[sh.id] = p
				}
			}
			if len(c.records) == 0 {
				break
			}
			recs, err := s.preprocess(ctx, sh.id, c.records)
			if err != nil {
				return nil, err
			}
			sh.chunkEnd = aws.ToString(c.records[len(c.records)-1].SequenceNumber)
			if len(recs) == 0 {
				// All dropped or failed: still a position reached.
				seq = sh.chunkEnd
				continue
			}
			sh.pending = recs
		}
		r := &sh.pending[0]
		sh.pending = sh.pending[1:]
		s.decode(sh.id, r)
		seq = aws.ToString(r.SequenceNumber)
		if len(sh.pending) == 0 {
			// Records the preprocessor removed after r are read too.
			seq = sh.chunkEnd
		}
	}
	if len(sh.pending) == 0 {
		sh.pending = nil
	}
	if seq != "" {
		p := s.pos[sh.id]
		p.Seq = seq
		s.pos[sh.id] = p
	}
	if s.bat.Len() == 0 {
		return nil, nil
	}
	rec := s.lay.assemble(s.bat.Flush())
	s.origin = sh.origin
	s.observe(sh, rec)
	return rec, nil
}

// preprocess runs Env.Preprocess, when set, on the records of one chunk
// and returns those to decode, their data replaced by the function's;
// dropped records vanish and failed ones are rejected with the reason,
// the shard and the sequence number.
func (s *source) preprocess(ctx context.Context, shard string, recs []types.Record) ([]types.Record, error) {
	if s.env.Preprocess == nil {
		return recs, nil
	}
	raw := make([]sources.RawRecord, len(recs))
	for i := range recs {
		r := &recs[i]
		raw[i] = sources.RawRecord{
			ID: strconv.Itoa(i), Position: aws.ToString(r.SequenceNumber), Key: aws.ToString(r.PartitionKey),
			Arrival: aws.ToTime(r.ApproximateArrivalTimestamp), Data: r.Data,
		}
	}
	out, err := s.env.Preprocess(ctx, s.stream.String(), shard, raw)
	if err != nil {
		return nil, fmt.Errorf("kinesis: %s: preprocess: %w", shard, err)
	}
	if len(out) != len(recs) {
		return nil, fmt.Errorf("kinesis: %s: preprocess returned %d results for %d records", shard, len(out), len(recs))
	}
	keep := make([]types.Record, 0, len(recs))
	for i, p := range out {
		switch p.Result {
		case sources.PreprocessOK:
			r := recs[i]
			r.Data = p.Data
			keep = append(keep, r)
		case sources.PreprocessFailed:
			s.reject(shard, raw[i].Position, 0, recs[i].Data, fmt.Errorf("%w: %w", sources.ErrPreprocess, p.Err))
		}
	}
	return keep, nil
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
