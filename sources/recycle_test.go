package sources

import (
	"testing"
	"unsafe"

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
			r := NewRecycler(alloc)
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
			r.Close()
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
	r := NewRecycler(alloc)
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
	r.Close()
	if got := alloc.CurrentAlloc(); got != size {
		t.Errorf("after close %d bytes allocated below, want only the %d still in use", got, size)
	}
	r.Free(late)
	if got := alloc.CurrentAlloc(); got != 0 {
		t.Errorf("a buffer freed after close left %d bytes allocated", got)
	}
}
