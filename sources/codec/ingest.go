package codec

import (
	"bytes"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// Ingest is the record loop line-oriented sources share: it frames input
// bytes into records, skips blank lines and (option header) each input's
// first record, decodes the rest into batches and hands records that do
// not decode to Env.Reject with their origin and line number. An Ingest is
// not safe for concurrent use.
type Ingest struct {
	framer *Framer
	dec    Decoder
	bat    *sources.Batcher
	env    sources.Env
	header bool
	first  bool
	origin string
	since  time.Time
}

// NewIngest builds the decoder, framer and batcher for env and opts
// (validated against Options and sources.Common) with batches of about
// batchSize rows.
func NewIngest(env sources.Env, opts sources.Options, batchSize int) (*Ingest, error) {
	declared, err := sources.DeclaredColumns(env.Schema)
	if err != nil {
		return nil, err
	}
	dec, err := New(declared, opts)
	if err != nil {
		return nil, err
	}
	fr, err := NewFramer(opts, 0)
	if err != nil {
		return nil, err
	}
	alloc := env.Alloc
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	bat, err := sources.NewBatcher(alloc, env.Schema, opts.String("rowtime"), batchSize)
	if err == nil && opts.String("arrival") != "" {
		if err = bat.SetArrivalColumn(opts.String("arrival")); err != nil {
			bat.Release()
		}
	}
	if err != nil {
		return nil, err
	}
	return &Ingest{framer: fr, dec: dec, bat: bat, env: env, header: opts.Bool("header"), first: true}, nil
}

// Framer returns the framer to fill with input bytes.
func (in *Ingest) Framer() *Framer { return in.framer }

// Start begins a new input named origin (a path, "stdin"): line numbers
// restart and its first record is a header again. Data not framed yet is
// dropped.
func (in *Ingest) Start(origin string) {
	in.framer.Reset()
	in.origin, in.first = origin, true
}

// Drain decodes the framed records until the batch holds limit rows or no
// complete record is left, giving each the arrival time arrival.
func (in *Ingest) Drain(arrival time.Time, limit int) {
	for in.bat.Len() < limit {
		rec, ok := in.framer.Next()
		if !ok {
			return
		}
		in.handle(rec, arrival)
	}
}

// Finish decodes the input's last record when it lacks a final newline.
func (in *Ingest) Finish(arrival time.Time) {
	if rec, ok := in.framer.Rest(); ok {
		in.handle(rec, arrival)
	}
}

func (in *Ingest) handle(rec Record, arrival time.Time) {
	if in.first {
		in.first = false
		if in.header {
			return
		}
	}
	err := rec.Err
	if err == nil {
		if len(bytes.TrimSpace(rec.Data)) == 0 {
			return
		}
		if err = in.dec.Decode(rec.Data, arrival, in.bat); err == nil {
			if in.bat.Len() == 1 {
				in.since = arrival
			}
			return
		}
	}
	if in.env.Reject != nil {
		in.env.Reject(sources.BadRecord{
			Stream: in.env.Stream, Origin: in.origin, Offset: rec.Line,
			Data: append([]byte(nil), rec.Data...), Err: err,
		})
	}
}

// Len returns the rows waiting in the batch.
func (in *Ingest) Len() int { return in.bat.Len() }

// Since returns the arrival time of the oldest row waiting in the batch.
func (in *Ingest) Since() time.Time { return in.since }

// Flush returns the waiting rows as a batch, possibly empty, which the
// caller owns and must Release.
func (in *Ingest) Flush() arrow.RecordBatch { return in.bat.Flush() }

// Release frees the batcher. It may be called more than once.
func (in *Ingest) Release() { in.bat.Release() }
