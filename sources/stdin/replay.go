package stdin

import (
	"errors"
	"io"
	"os"
	"sync"
)

// errReplayed is returned by a Peek reader used after the Replay itself
// began reading past its buffer: what it would read is no longer kept.
var errReplayed = errors.New("stdin: discover: standard input is already being read")

// Replay is a reader whose beginning can be read twice: readers from Peek
// read the input from its start, buffering what they read, and Read then
// delivers that buffered data followed by the rest of the input, losing
// nothing. Schema discovery samples standard input through Peek, and the
// source opened afterwards reads the Replay. It is safe for concurrent use,
// though Peek is meant to finish before Read begins.
type Replay struct {
	mu     sync.Mutex
	r      io.Reader
	buf    []byte
	pos    int  // how much of buf Read has delivered
	direct bool // Read has gone past buf: Peek no longer works
	err    error
}

// NewReplay returns a Replay of r.
func NewReplay(r io.Reader) *Replay { return &Replay{r: r} }

// Peek returns a reader of the input from its start. It does not consume
// anything Read will deliver.
func (p *Replay) Peek() io.Reader { return &peeker{p: p} }

type peeker struct {
	p   *Replay
	off int
}

func (k *peeker) Read(b []byte) (int, error) {
	p := k.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.direct {
		return 0, errReplayed
	}
	if k.off == len(p.buf) {
		if p.err != nil {
			return 0, p.err
		}
		// Blocks with the lock held: Read is not expected while peeking.
		n, err := p.r.Read(b)
		p.buf = append(p.buf, b[:n]...)
		p.err = err
		k.off += n
		if n > 0 {
			return n, nil
		}
		return 0, err
	}
	n := copy(b, p.buf[k.off:])
	k.off += n
	return n, nil
}

// Read delivers the data peeked so far, then the rest of the input.
func (p *Replay) Read(b []byte) (int, error) {
	p.mu.Lock()
	if p.pos < len(p.buf) {
		n := copy(b, p.buf[p.pos:])
		p.pos += n
		if p.pos == len(p.buf) {
			p.buf, p.pos = nil, 0
			p.direct = true
		}
		p.mu.Unlock()
		return n, nil
	}
	p.direct = true
	err := p.err
	p.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return p.r.Read(b)
}

// detached tells whether the Replay reads os.Stdin, whose blocked Read
// cannot be interrupted.
func (p *Replay) detached() bool { return p.r == io.Reader(os.Stdin) }
