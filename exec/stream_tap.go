package exec

import (
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// streamTaps holds the taps of a stream: an immutable slice behind an
// atomic pointer, so publishing with no tap costs one atomic load.
type streamTaps struct {
	mu   sync.Mutex // serializes Tap and remove; publish never takes it
	list atomic.Pointer[[]*tapFunc]
}

type tapFunc struct{ f func(arrow.RecordBatch) }

// Tap adds f as a tap of the stream and returns the function that removes
// it (which may be called twice). f is called synchronously inside every
// publish of a batch with rows, after the readers got the batch and before
// the publisher releases it, from the publishing writer's goroutine (so
// from several goroutines at once when the stream has several writers).
// f must not keep the batch unless it Retains it, and must not block: the
// pipeline waits for it. Taps may be added and removed while the stream is
// being written; a tap removed during a publish may still see that batch.
func (s *Stream) Tap(f func(arrow.RecordBatch)) (remove func()) {
	t := &tapFunc{f: f}
	s.taps.mu.Lock()
	var list []*tapFunc
	if p := s.taps.list.Load(); p != nil {
		list = append(list, *p...)
	}
	list = append(list, t)
	s.taps.list.Store(&list)
	s.taps.mu.Unlock()
	return func() {
		s.taps.mu.Lock()
		defer s.taps.mu.Unlock()
		p := s.taps.list.Load()
		if p == nil {
			return
		}
		var list []*tapFunc
		for _, x := range *p {
			if x != t {
				list = append(list, x)
			}
		}
		if len(list) == 0 {
			s.taps.list.Store(nil)
			return
		}
		s.taps.list.Store(&list)
	}
}

// tap calls the taps with b (the caller keeps b).
func (s *Stream) tap(b arrow.RecordBatch) {
	p := s.taps.list.Load()
	if p == nil || b == nil || b.NumRows() == 0 {
		return
	}
	for _, t := range *p {
		t.f(b)
	}
}
