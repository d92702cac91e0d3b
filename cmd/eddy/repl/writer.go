package repl

import (
	"io"
	"sync"
)

// lockedWriter serializes writes to an io.Writer.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

// Write writes p under the lock.
func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// LockedWriters returns out and errOut wrapped so that they are safe for
// concurrent use: the REPL prints on them while background pumps,
// destinations and the error stream do too. When out and errOut are the
// same writer, both share one lock.
func LockedWriters(out, errOut io.Writer) (io.Writer, io.Writer) {
	mu := &sync.Mutex{}
	lo := lockedWriter{mu: mu, w: out}
	if out == errOut {
		return lo, lo
	}
	return lo, lockedWriter{mu: &sync.Mutex{}, w: errOut}
}
