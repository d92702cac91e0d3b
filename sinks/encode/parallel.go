package encode

import (
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// minSliceRows is the fewest rows a slice of a batch has: smaller batches
// are encoded on the calling goroutine alone, where handing them off costs
// more than it saves.
const minSliceRows = 512

// slicesPerGoroutine is how many slices a batch is cut into per goroutine,
// so that a helper goroutine that starts late (on a busy machine, waking a
// thread can take milliseconds) leaves its share to the others instead of
// making them wait.
const slicesPerGoroutine = 4

// parallelEncoder encodes each large batch as consecutive slices of rows
// on the calling goroutine and helper goroutines, each taking the next
// slice not yet taken with an encoder of its own, and appends the slices'
// text in row order: the bytes are exactly one encoder's. Slice 0 goes to
// the main encoder, which holds the stream's state (whether the CSV
// header was written), so the others need none.
type parallelEncoder struct {
	main  Encoder
	parts []Encoder // parts[0] is the caller's, parts[h] helper h's
	bufs  [][]byte  // each slice's text, reused from batch to batch
	errs  []error
	// helpers are the goroutines of the last Append. Those that found no
	// slice left may still be ending; the next call waits for them.
	helpers sync.WaitGroup
}

var _ Encoder = (*parallelEncoder)(nil)

// NewParallel returns an encoder for format that encodes each batch of at
// least 2×512 rows on up to n goroutines (the caller's among them) and
// returns when every row is encoded, so that a sink calling it still
// pushes back and holds at most one batch's text. Its output is exactly
// New's. JSON and CSV encode in parallel; a table (whose column widths
// depend on earlier rows) and n < 2 give New's encoder.
func NewParallel(format Format, schema *arrow.Schema, opts Options, n int) (Encoder, error) {
	main, err := New(format, schema, opts)
	if err != nil || n < 2 || (format != JSON && format != CSV) {
		return main, err
	}
	partOpts := opts
	partOpts.Header = false
	m := slicesPerGoroutine * n
	p := &parallelEncoder{main: main, parts: make([]Encoder, n), bufs: make([][]byte, m), errs: make([]error, m)}
	for i := range p.parts {
		if p.parts[i], err = New(format, schema, partOpts); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// sliced is one batch being encoded in slices.
type sliced struct {
	batch  arrow.RecordBatch
	slices int64
	next   atomic.Int64 // the next slice to take
	left   atomic.Int64 // slices not yet encoded
	done   chan struct{}
	p      *parallelEncoder
}

// encode appends the text of slice i, encoded with enc, to dst.
func (s *sliced) encode(enc Encoder, i int64, dst []byte) ([]byte, error) {
	rows := s.batch.NumRows()
	slice := s.batch.NewSlice(rows*i/s.slices, rows*(i+1)/s.slices)
	dst, err := enc.Append(dst, slice)
	slice.Release()
	return dst, err
}

// finished counts a slice encoded.
func (s *sliced) finished() {
	if s.left.Add(-1) == 0 {
		close(s.done)
	}
}

// work encodes slices with enc until none is left to take.
func (s *sliced) work(enc Encoder) {
	for {
		i := s.next.Add(1) - 1
		if i >= s.slices {
			return
		}
		s.p.bufs[i], s.p.errs[i] = s.encode(enc, i, s.p.bufs[i][:0])
		s.finished()
	}
}

// Append appends the encoding of batch's rows to dst.
func (p *parallelEncoder) Append(dst []byte, batch arrow.RecordBatch) ([]byte, error) {
	p.helpers.Wait()
	m := min(int64(len(p.bufs)), batch.NumRows()/minSliceRows)
	if m < 2 {
		return p.main.Append(dst, batch)
	}
	s := &sliced{batch: batch, slices: m, done: make(chan struct{}), p: p}
	s.next.Store(1) // slice 0 is the main encoder's
	s.left.Store(m)
	for h := 1; h < len(p.parts) && int64(h) < m; h++ {
		p.helpers.Add(1)
		go func() {
			defer p.helpers.Done()
			s.work(p.parts[h])
		}()
	}
	// Slice 0 goes straight into dst.
	dst, err := s.encode(p.main, 0, dst)
	s.finished()
	s.work(p.parts[0])
	<-s.done
	for i := int64(1); i < m; i++ {
		if err == nil {
			err = p.errs[i]
		}
		p.errs[i] = nil
	}
	if err != nil {
		return dst, err
	}
	for i := int64(1); i < m; i++ {
		dst = append(dst, p.bufs[i]...)
	}
	return dst, nil
}

// Finish appends what the stream still needs at its end.
func (p *parallelEncoder) Finish(dst []byte) []byte {
	p.helpers.Wait()
	return p.main.Finish(dst)
}
