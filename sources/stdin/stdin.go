package stdin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// input is the process's standard input as the registered connector reads
// it: discovery peeks at its beginning and the source then replays it. It
// stands for os.Stdin, of which a process has one, so it is the package's
// only state.
var input = NewReplay(os.Stdin)

func init() {
	sources.Register(sources.Factory{
		Name:    "stdin",
		Doc:     "JSON-lines or CSV records from standard input",
		Options: Options(),
		Open: func(_ context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
			return New(env, opts, input)
		},
		Discover: func(ctx context.Context, opts sources.Options) (*arrow.Schema, error) {
			return Discover(ctx, opts, input)
		},
	})
}

// discoverSamples is how many records Discover reads at most.
const discoverSamples = 100

// Discover samples up to 100 records from the start of r (without
// consuming them: the source opened on r afterwards delivers them too),
// with options raw validated against Options, and infers the stream's
// declared columns from them.
func Discover(ctx context.Context, raw map[string]string, r *Replay) (*arrow.Schema, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	samples, err := codec.Sample(ctx, r.Peek(), opts, discoverSamples)
	if err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	s, err := codec.DiscoverWith(samples, opts)
	if err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	return s, nil
}

// Options returns the options of the stdin connector, beyond sources.Common.
func Options() []sources.OptionSpec {
	return append([]sources.OptionSpec{
		{Name: "batch_size", Kind: sources.KindInt, Default: "8192", Doc: "rows per batch at most"},
		{Name: "linger", Kind: sources.KindDuration, Default: "100ms", Doc: "emit a partial batch once its oldest row is this old"},
		{Name: "arrival", Doc: "a declared TIMESTAMP column whose value becomes APPROXIMATE_ARRIVAL_TIME (replaying recorded input); default: the time the record is read"},
	}, codec.Options()...)
}

const (
	blockSize = 64 << 10
	nblocks   = 4
)

// source decodes what a reader goroutine reads. The goroutine hands over
// blocks of bytes through blocks and gets them back through free, so at
// most nblocks blocks are in flight.
type source struct {
	env       sources.Env
	clock     func() time.Time
	in        *codec.Ingest
	linger    time.Duration
	batchSize int

	r       io.Reader
	detach  bool // r is os.Stdin: Close cannot interrupt its Read
	blocks  chan []byte
	free    chan []byte
	done    chan struct{}
	wg      sync.WaitGroup
	readErr error // set by the goroutine before it closes blocks
	started bool
	eof     bool
	closed  bool
}

var _ sources.Source = (*source)(nil)

// New returns a source reading records from r, with options raw validated
// against Options and sources.Common. Reading starts with the first Next.
// Close closes r when it is an io.Closer (other than os.Stdin). r may be a
// Replay that Discover sampled.
func New(env sources.Env, raw map[string]string, r io.Reader) (sources.Source, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	s := &source{
		env: env, clock: env.Clock, linger: opts.Duration("linger"), batchSize: int(opts.Int("batch_size")),
		r: r, detach: r == io.Reader(os.Stdin) || isDetached(r),
		blocks: make(chan []byte, nblocks), free: make(chan []byte, nblocks), done: make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.batchSize < 1 {
		return nil, fmt.Errorf("stdin: batch_size must be at least 1")
	}
	if s.linger <= 0 {
		s.linger = 100 * time.Millisecond
	}
	if s.in, err = codec.NewIngest(env, opts, s.batchSize); err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	s.in.Start("stdin", "")
	return s, nil
}

// isDetached tells whether r wraps a reader whose Read cannot be
// interrupted.
func isDetached(r io.Reader) bool {
	d, ok := r.(interface{ detached() bool })
	return ok && d.detached()
}

func (s *source) read() {
	defer s.wg.Done()
	defer close(s.blocks)
	for {
		var buf []byte
		select {
		case buf = <-s.free:
		case <-s.done:
			return
		}
		n, err := s.r.Read(buf[:cap(buf)])
		if n > 0 {
			select {
			case s.blocks <- buf[:n]:
			case <-s.done:
				return
			}
		} else {
			s.free <- buf
		}
		if err != nil {
			s.readErr = err
			return
		}
	}
}

// Schema returns the output schema.
func (s *source) Schema() *arrow.Schema { return s.env.Schema }

// Next returns the next batch, which the caller owns and must Release: a
// full one, a partial one whose oldest row is linger old, or an empty one
// after linger without input. It returns io.EOF at the end of input.
func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, fmt.Errorf("stdin: source is closed")
	}
	if !s.started {
		s.started = true
		for range nblocks {
			s.free <- make([]byte, blockSize)
		}
		s.wg.Add(1)
		go s.read()
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.in.Drain(s.clock(), s.batchSize)
		if s.in.Len() >= s.batchSize {
			return s.in.Flush(), nil
		}
		if s.eof {
			if s.in.Len() > 0 {
				return s.in.Flush(), nil
			}
			if s.readErr != nil && !errors.Is(s.readErr, io.EOF) {
				return nil, fmt.Errorf("stdin: read: %w", s.readErr)
			}
			return nil, io.EOF
		}
		wait := s.linger
		if s.in.Len() > 0 {
			wait -= s.clock().Sub(s.in.Since())
			if wait <= 0 {
				return s.in.Flush(), nil
			}
		}
		t := time.NewTimer(wait)
		select {
		case buf, ok := <-s.blocks:
			t.Stop()
			if !ok {
				s.eof = true
				s.in.End()
				continue
			}
			s.in.Framer().Write(buf)
			s.free <- buf
		case <-t.C:
			if s.in.Len() == 0 {
				return s.in.Flush(), nil // empty: time goes on while idle
			}
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

// Close stops reading and frees the rows not returned. It waits for the
// reading goroutine, closing the reader first when it is an io.Closer,
// except for os.Stdin, whose blocked Read cannot be interrupted. It may be
// called more than once.
func (s *source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.done)
	var err error
	if c, ok := s.r.(io.Closer); ok && !s.detach {
		err = c.Close()
	}
	if !s.detach {
		s.wg.Wait()
	}
	s.in.Release()
	if err != nil {
		return fmt.Errorf("stdin: close: %w", err)
	}
	return nil
}
