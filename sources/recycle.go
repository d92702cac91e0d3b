package sources

import (
	"math/bits"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Recycler is the allocator a source builds its batches with: it hands
// out buffers of the allocator below it in power-of-two sizes and keeps
// the buffers the batches' readers free, up to maxRecycled bytes, for the
// next batches. Batches of one source have nearly the same sizes, so in a
// steady stream every buffer is one a released batch left, and the
// garbage collector (and, on several cores, its pauses and background
// workers) has next to nothing to do. A buffer is reused only after its
// last reference is released (memory.Buffer frees it then), so readers
// that follow the ownership rules see no difference. It is safe for
// concurrent use: the generating workers allocate and any goroutine
// releases.
type Recycler struct {
	mem memory.Allocator

	mu     sync.Mutex
	free   [maxRecycledClass + 1][][]byte // by size class (log2 of the length)
	held   int                            // bytes in free
	closed bool                           // no more keeping: Free passes through
}

const (
	// minRecycledClass is the smallest size class, 64 bytes (Arrow's
	// alignment; smaller requests round up to it).
	minRecycledClass = 6
	// maxRecycledClass is the largest size class kept, 64 MiB; larger
	// buffers go straight to and from the allocator below.
	maxRecycledClass = 26
	// maxRecycled bounds the bytes a Recycler keeps.
	maxRecycled = 64 << 20
)

var _ memory.Allocator = (*Recycler)(nil)

func NewRecycler(mem memory.Allocator) *Recycler { return &Recycler{mem: mem} }

// sizeClass returns the class of a request of size bytes: the buffer is
// 1<<class bytes long.
func sizeClass(size int) int {
	return max(bits.Len(uint(size-1)), minRecycledClass)
}

// poisonFreed makes test binaries overwrite every buffer the recycler
// keeps: a reader that keeps a pointer into a batch it released (a string
// from array.String.Value) then reads garbage at once and its test fails,
// instead of by chance when the buffer is reused.
var poisonFreed = testing.Testing()

// Allocate returns a buffer of at least size bytes, whose contents are
// not zeroed when it is recycled.
func (r *Recycler) Allocate(size int) []byte {
	if size <= 0 {
		return r.mem.Allocate(size)
	}
	c := sizeClass(size)
	if c > maxRecycledClass {
		return r.mem.Allocate(size)
	}
	r.mu.Lock()
	if k := len(r.free[c]); k > 0 {
		b := r.free[c][k-1]
		r.free[c][k-1] = nil
		r.free[c] = r.free[c][:k-1]
		r.held -= len(b)
		r.mu.Unlock()
		return b
	}
	r.mu.Unlock()
	return r.mem.Allocate(1 << c)
}

// Reallocate returns a buffer of size bytes holding b's first bytes.
func (r *Recycler) Reallocate(size int, b []byte) []byte {
	nb := r.Allocate(size)
	copy(nb, b)
	r.Free(b)
	return nb
}

// Free keeps b for reuse, or frees it below when it is of no size class,
// the Recycler is full or closed.
func (r *Recycler) Free(b []byte) {
	n := len(b)
	c := sizeClass(n)
	if n == 0 || n != 1<<c || c > maxRecycledClass {
		r.mem.Free(b)
		return
	}
	r.mu.Lock()
	if r.closed || r.held+n > maxRecycled {
		r.mu.Unlock()
		r.mem.Free(b)
		return
	}
	if poisonFreed {
		for i := range b {
			b[i] = 0xa5
		}
	}
	r.free[c] = append(r.free[c], b)
	r.held += n
	r.mu.Unlock()
}

// Close frees the kept buffers below and makes Free pass buffers
// through from now on (batches may outlive their source).
func (r *Recycler) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for c := range r.free {
		for _, b := range r.free[c] {
			r.mem.Free(b)
		}
		r.free[c] = nil
	}
	r.held = 0
}
