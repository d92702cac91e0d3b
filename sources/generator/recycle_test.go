package generator

import (
	"context"
	"errors"
	"io"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestRecycledBatchesMatchFresh checks that batches built over buffers
// released batches left (a reader releasing each batch at once, at one and
// several cores) hold what batches built over fresh memory hold.
func TestRecycledBatchesMatchFresh(t *testing.T) {
	t.Parallel()
	raw := map[string]string{"kind": "nexmark", "count": "60000", "batch_size": "1000", "seed": "3"}
	for _, p := range []int{1, 2, 8} {
		alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
		schema := discovered(t, raw)
		keep := openTest(t, alloc, newFakeClock(), schema, withParallelism(raw, p))
		want := drainPositions(t, keep, 0) // all held: nothing to recycle
		keep.Close()
		s := openTest(t, alloc, newFakeClock(), schema, withParallelism(raw, p))
		reused := 0
		seen := map[*byte]bool{}
		for i := 0; ; i++ {
			rb, err := s.Next(context.Background())
			if errors.Is(err, io.EOF) {
				if i != len(want) {
					t.Errorf("parallelism %d: %d batches, want %d", p, i, len(want))
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, col := range rb.Columns() {
				for _, buf := range col.Data().Buffers() {
					if buf != nil && buf.Len() > 0 {
						if seen[unsafe.SliceData(buf.Buf())] {
							reused++
						}
						seen[unsafe.SliceData(buf.Buf())] = true
					}
				}
			}
			if i < len(want) && !array.RecordEqual(rb, want[i].batch) {
				t.Errorf("parallelism %d: batch %d differs from the one built over fresh memory", p, i)
			}
			rb.Release()
		}
		s.Close()
		releasePositioned(want)
		if reused == 0 {
			t.Errorf("parallelism %d: no buffer was reused", p)
		}
		alloc.AssertSize(t, 0)
	}
}
