package codec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

// readerSource decodes one byte stream (an S3 object, an HTTP body) to its
// end: a bounded source. It runs no goroutines.
type readerSource struct {
	env       sources.Env
	clock     func() time.Time
	in        *Ingest
	r         io.ReadCloser
	name      string
	batchSize int
	done      bool
	closed    bool
}

// NewReaderSource returns a bounded source decoding r (named origin in
// bad-record reports) with opts (validated against Options and
// sources.Common) in batches of batchSize rows. The source closes r.
func NewReaderSource(env sources.Env, opts sources.Options, origin string, r io.ReadCloser, batchSize int) (sources.Source, error) {
	if batchSize < 1 {
		r.Close()
		return nil, fmt.Errorf("codec: batch_size must be at least 1")
	}
	in, err := NewIngest(env, opts, batchSize)
	if err != nil {
		r.Close()
		return nil, err
	}
	in.Start(origin, "")
	s := &readerSource{env: env, clock: env.Clock, in: in, r: r, name: origin, batchSize: batchSize}
	if s.clock == nil {
		s.clock = time.Now
	}
	return s, nil
}

// Schema returns the output schema.
func (s *readerSource) Schema() *arrow.Schema { return s.env.Schema }

// Next returns the next batch (the caller releases it), or io.EOF after
// the last.
func (s *readerSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, fmt.Errorf("codec: source %s is closed", s.name)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.in.Drain(s.clock(), s.batchSize)
		if s.in.Len() >= s.batchSize {
			return s.in.Flush(), nil
		}
		if s.done {
			if s.in.Len() > 0 {
				return s.in.Flush(), nil
			}
			return nil, io.EOF
		}
		n, err := s.in.Framer().Fill(s.r)
		if n > 0 || err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			s.in.End()
		} else {
			// A read that fails midway keeps the rows before it and
			// rejects the rest, naming the reason.
			s.in.Break(fmt.Errorf("read %s: %w", s.name, err))
		}
		s.done = true
	}
}

// Close closes the reader and frees the rows not returned; it may be
// called more than once.
func (s *readerSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.in.Release()
	return s.r.Close()
}
