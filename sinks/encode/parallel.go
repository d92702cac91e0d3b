package encode

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// minSliceRows is the fewest rows a worker encodes: smaller batches are
// encoded on the calling goroutine, where handing them off costs more
// than it saves.
const minSliceRows = 512

// parallelEncoder encodes each large batch on several goroutines, cut
// into consecutive slices of rows, and appends the slices' text in row
// order: the bytes are exactly one encoder's. The first slice goes to the
// main encoder, which holds the stream's state (whether the CSV header
// was written), so the others need none.
type parallelEncoder struct {
	main  Encoder
	parts []Encoder // parts[0] is unused: slice 0 is main's
	bufs  [][]byte  // each part's text, reused from batch to batch
	errs  []error
}

var _ Encoder = (*parallelEncoder)(nil)

// NewParallel returns an encoder for format that encodes each batch of at
// least 2×512 rows on up to n goroutines (the caller's among them) and
// returns when all are done, so that a sink calling it still pushes back
// and holds at most one batch's text per goroutine. Its output is exactly
// New's. JSON and CSV encode in parallel; a table (whose column widths
// depend on earlier rows) and n < 2 give New's encoder.
func NewParallel(format Format, schema *arrow.Schema, opts Options, n int) (Encoder, error) {
	main, err := New(format, schema, opts)
	if err != nil || n < 2 || (format != JSON && format != CSV) {
		return main, err
	}
	partOpts := opts
	partOpts.Header = false
	p := &parallelEncoder{main: main, parts: make([]Encoder, n), bufs: make([][]byte, n), errs: make([]error, n)}
	for i := 1; i < n; i++ {
		if p.parts[i], err = New(format, schema, partOpts); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Append appends the encoding of batch's rows to dst.
func (p *parallelEncoder) Append(dst []byte, batch arrow.RecordBatch) ([]byte, error) {
	rows := batch.NumRows()
	k := min(int64(len(p.parts)), rows/minSliceRows)
	if k < 2 {
		return p.main.Append(dst, batch)
	}
	bound := func(i int64) int64 { return rows * i / k }
	var wg sync.WaitGroup
	for i := int64(1); i < k; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slice := batch.NewSlice(bound(i), bound(i+1))
			defer slice.Release()
			p.bufs[i], p.errs[i] = p.parts[i].Append(p.bufs[i][:0], slice)
		}()
	}
	first := batch.NewSlice(0, bound(1))
	dst, err := p.main.Append(dst, first)
	first.Release()
	wg.Wait()
	for i := int64(1); i < k; i++ {
		if err == nil {
			err = p.errs[i]
		}
		p.errs[i] = nil
		if err == nil {
			dst = append(dst, p.bufs[i]...)
		}
	}
	return dst, err
}

// Finish appends what the stream still needs at its end.
func (p *parallelEncoder) Finish(dst []byte) []byte { return p.main.Finish(dst) }
