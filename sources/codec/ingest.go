package codec

import (
	"bytes"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// Ingest is the record loop line-oriented sources share: it frames input
// bytes into records, skips blank lines and (option header) each input's
// first record, decodes the rest into batches and hands records that do
// not decode to Env.Reject with their origin, partition and line number.
//
// Bad input is contained to its record: a malformed record that spans
// several lines (a CSV quote that opened by mistake) is rejected only for
// its first line, which is decoded on its own, and framing goes on with
// the next line (Framer.Resync); an input that breaks off (Break) keeps
// the rows before the break. An Ingest is not safe for concurrent use.
type Ingest struct {
	framer    *Framer
	dec       Decoder
	bat       *sources.Batcher
	env       sources.Env
	header    bool
	first     bool
	origin    string
	partition string
	since     time.Time
	// broken is the error an input broke off with (Break), reported with
	// tail, the partial record it ended in, once the lines before it are
	// decoded.
	broken error
	tail   []byte
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
	if err == nil && env.Truncated != nil {
		CountTruncations(dec, env.Truncated)
	}
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
	if err == nil {
		err = prune(dec, bat, ReadSet(declared, opts))
		if err != nil {
			bat.Release()
		}
	}
	if err != nil {
		return nil, err
	}
	return &Ingest{framer: fr, dec: dec, bat: bat, env: env, header: opts.Bool("header"), first: true}, nil
}

// PruneDecoding makes dec and bat, built for the declared columns
// declared, skip the columns that option sources.ColumnsOption of opts
// leaves out (see ReadSet), when dec can. Names in the option that are
// not in declared are dropped first: a connector's own columns (Kafka's
// KAFKA_KEY) that its decoder does not fill.
func PruneDecoding(dec Decoder, bat *sources.Batcher, declared *arrow.Schema, opts sources.Options) error {
	list, ok := opts[sources.ColumnsOption]
	if !ok {
		return nil
	}
	var keep []string
	for _, name := range strings.Split(list, ",") {
		if fieldIndex(declared, name) >= 0 {
			keep = append(keep, name)
		}
	}
	o := make(sources.Options, len(opts))
	for k, v := range opts {
		o[k] = v
	}
	o[sources.ColumnsOption] = strings.Join(keep, ",")
	return prune(dec, bat, ReadSet(declared, o))
}

// prune makes dec and bat skip the columns read leaves out, when dec can.
func prune(dec Decoder, bat *sources.Batcher, read []bool) error {
	ok, err := Prune(dec, read)
	if err != nil || !ok {
		return err
	}
	return bat.Prune(read)
}

// Framer returns the framer to fill with input bytes.
func (in *Ingest) Framer() *Framer { return in.framer }

// Start begins a new input named origin (a path, "stdin") in partition
// partition (empty when the source has none), as bad records name them:
// line numbers restart and its first record is a header again. Data not
// framed yet, and a Break not reported yet, are dropped.
func (in *Ingest) Start(origin, partition string) {
	in.framer.Reset()
	in.origin, in.partition, in.first = origin, partition, true
	in.broken, in.tail = nil, nil
}

// End tells that the input ended: Drain then also decodes its last record
// when it lacks a final newline.
func (in *Ingest) End() { in.framer.End() }

// Break tells that the input broke off with err (a damaged gzip stream, a
// read error): the complete lines framed so far are still decoded by
// Drain; the partial record the input ended in is then rejected with err
// (with empty Data when the input broke at a line end), and the input has
// ended as after End.
func (in *Ingest) Break(err error) {
	in.tail = in.framer.Truncate()
	in.broken = err
}

// Done reports whether every record of an ended input has been decoded
// (and a break reported).
func (in *Ingest) Done() bool {
	return in.framer.ended && in.framer.Pending() == 0 && in.broken == nil
}

// Drain decodes the framed records until the batch holds limit rows or no
// complete record is left, giving each the arrival time arrival.
func (in *Ingest) Drain(arrival time.Time, limit int) {
	for in.bat.Len() < limit {
		rec, ok := in.framer.Next()
		if !ok {
			if in.broken != nil && in.framer.Pending() == 0 {
				in.reject(Record{Data: in.tail, Line: in.framer.Lines() + 1}, in.broken)
				in.broken, in.tail = nil, nil
			}
			return
		}
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
		if blank(rec.Data) {
			return
		}
		if err = in.decode(rec.Data, arrival); err == nil {
			return
		}
		if errors.Is(err, ErrSyntax) && bytes.IndexByte(rec.Data, '\n') >= 0 {
			// Perhaps a stray quote joined good lines to this one: keep
			// only the first line and frame the rest again.
			if first, ok := in.framer.Resync(); ok {
				rec = first
				if err = in.decode(rec.Data, arrival); err == nil {
					return
				}
			}
		}
	}
	in.reject(rec, err)
}

// blank tells whether a record is empty or only white space; most start
// with a byte that settles it.
func blank(data []byte) bool {
	if len(data) > 0 && data[0] > ' ' && data[0] < utf8.RuneSelf {
		return false
	}
	return len(bytes.TrimSpace(data)) == 0
}

func (in *Ingest) decode(data []byte, arrival time.Time) error {
	err := in.dec.Decode(data, arrival, in.bat)
	if err == nil && in.bat.Len() == 1 {
		in.since = arrival
	}
	return err
}

func (in *Ingest) reject(rec Record, err error) {
	if in.env.Reject != nil {
		in.env.Reject(sources.BadRecord{
			Stream: in.env.Stream, Origin: in.origin, Partition: in.partition, Offset: rec.Line,
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
