package firehose

import (
	"context"
	"time"
)

// Double buffering. Objects of encoded text (json or csv to a file or S3
// destination, without a transform) are compressed on their own
// goroutine: when the buffer fills, Write hands it to a compression
// goroutine and goes on filling a fresh buffer; the sink's timer goroutine
// stores the compressed object as soon as it is ready (or Write, Flush,
// Prepare or Close does, when they come first). At most one buffer is being compressed, so
// memory stays within two buffers, and objects are stored in the order
// their rows were written.

// pending is a full buffer being compressed.
type pending struct {
	text  []byte
	rows  int64
	now   time.Time // when delivery started: names the object
	first time.Time // when its oldest row arrived
	done  chan struct{}
	data  []byte // compressed, once done
	err   error
}

// pipelined tells whether full buffers are compressed while the next one
// fills.
func (s *sink) pipelined() bool {
	return !s.parquet && s.caller == nil && s.dest.store != nil
}

// handOff ships the buffer being compressed, if any, and starts
// compressing the current one. s.mu is held.
func (s *sink) handOff(ctx context.Context) error {
	if err := s.shipPending(ctx); err != nil {
		return err
	}
	p := &pending{text: s.text, rows: s.textRows, now: s.clock.Now(), first: s.first, done: make(chan struct{})}
	s.text, s.textRows, s.size = nil, 0, 0
	s.pend = p
	go func() {
		p.data, p.err = compressText(s.comp, p.text)
		close(p.done)
		select { // the timer goroutine stores it
		case s.kick <- struct{}{}:
		default:
		}
	}()
	return nil
}

// ready tells whether the buffer being compressed, if any, is done.
func (s *sink) ready() bool {
	if s.pend == nil {
		return false
	}
	select {
	case <-s.pend.done:
		return true
	default:
		return false
	}
}

// shipPending waits for the buffer being compressed, if any, and stores
// it (its rows go to the error output if that fails). s.mu is held.
func (s *sink) shipPending(ctx context.Context) error {
	p := s.pend
	if p == nil {
		return nil
	}
	<-p.done // compression is bounded work: wait for it even when ctx ends
	s.pend = nil
	return s.shipText(ctx, p.now, p.text, p.rows, p.data, p.err)
}
