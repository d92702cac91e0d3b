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

// TestRecyclerReusesFreedBuffers checks that a freed buffer serves the
// next request of its size class, that the recycler keeps no more than
// maxRecycled bytes, and that after close it frees everything below.
func TestRecyclerReusesFreedBuffers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		first, req int // bytes of the freed buffer's request, and of the next
		reused     bool
	}{
		{"same size", 1000, 1000, true},
		{"smaller in the class", 1000, 600, true},
		{"below the smallest class", 10, 64, true},
		{"next class up", 1000, 1025, false},
		{"above the largest class", 1 << 27, 1 << 27, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			r := newRecycler(alloc)
			b := r.Allocate(tc.first)
			if len(b) < tc.first {
				t.Fatalf("Allocate(%d) returned %d bytes", tc.first, len(b))
			}
			p := unsafe.SliceData(b)
			r.Free(b)
			c := r.Allocate(tc.req)
			if len(c) < tc.req {
				t.Fatalf("Allocate(%d) returned %d bytes", tc.req, len(c))
			}
			if got := unsafe.SliceData(c) == p; got != tc.reused {
				t.Errorf("freed buffer reused: %v, want %v", got, tc.reused)
			}
			r.Free(c)
			r.close()
			if alloc.CurrentAlloc() != 0 {
				t.Errorf("after close %d bytes are still allocated below", alloc.CurrentAlloc())
			}
		})
	}
}

// TestRecyclerBoundsAndClose checks that the recycler keeps at most
// maxRecycled bytes and passes buffers freed after close straight below.
func TestRecyclerBoundsAndClose(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	r := newRecycler(alloc)
	const size = 1 << 20
	var bufs [][]byte
	for range maxRecycled/size + 8 {
		bufs = append(bufs, r.Allocate(size))
	}
	for _, b := range bufs {
		r.Free(b)
	}
	if got := alloc.CurrentAlloc(); got != maxRecycled {
		t.Errorf("%d bytes kept, want the bound %d", got, maxRecycled)
	}
	late := r.Allocate(size)
	r.close()
	if got := alloc.CurrentAlloc(); got != size {
		t.Errorf("after close %d bytes allocated below, want only the %d still in use", got, size)
	}
	r.Free(late)
	if got := alloc.CurrentAlloc(); got != 0 {
		t.Errorf("a buffer freed after close left %d bytes allocated", got)
	}
}

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
