package file

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"time"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// part is one file of the glob: a partition of the source.
type part struct {
	index  int
	path   string
	origin sources.Origin
	gz     bool
	size   int64 // bytes on disk at the last look; -1 unknown

	in   *codec.Ingest // while open
	f    *os.File
	disk *counter  // reads f, counting the (compressed) bytes
	r    io.Reader // f, or a gzip reader over disk
	read int64     // uncompressed bytes read from the file's start

	// offset and line are the position just after the last row returned
	// (before the file is opened: where to resume it), maxTime the largest
	// ROWTIME returned and lastRow when that last happened.
	offset, line int64
	maxTime      int64
	lastRow      time.Time

	opened   bool
	done     bool // read to its end (or broken off) and every row returned
	ended    bool // the Ingest was told the input ended (End or Break)
	caughtUp bool // follow: the last read found no new data

	// Parallel decoding (see parallel.go): the morsels read and not all
	// returned, in file order; the start of the next line not read yet;
	// the offset and lines of the next morsel; cut: the next morsel starts
	// inside an over-long line.
	started        bool
	queue          []*morsel
	carry          []byte
	next, nextLine int64
	cut            bool
}

// newPart returns the partition of file path, number index in the glob.
// Its origin is the FNV-1a 64 hash of path as the glob gave it, stable
// across restarts: windows key their state by it in checkpoints.
func newPart(index int, path string, gz bool) *part {
	h := fnv.New64a()
	h.Write([]byte(path))
	p := &part{index: index, path: path, origin: sources.Origin(h.Sum64()), gz: gz, size: -1, maxTime: math.MinInt64}
	if fi, err := os.Stat(path); err == nil {
		p.size = fi.Size()
	}
	return p
}

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// openPart opens p and resumes it at its offset. A file that cannot be
// opened, or whose gzip header or resume point is damaged, goes to
// Env.Reject and is done (or ends as broken).
func (s *source) openPart(p *part) {
	in := s.spare
	s.spare = nil
	if in == nil {
		var err error
		if in, err = codec.NewIngest(s.env, s.opts, s.batchSize); err != nil {
			s.reject(p, fmt.Errorf("file: %s: %w", p.path, err))
			return
		}
	}
	f, err := os.Open(p.path)
	if err != nil {
		s.spare = in
		s.reject(p, fmt.Errorf("file: %w", err))
		return
	}
	p.f, p.in, p.opened, p.caughtUp, p.ended, p.started = f, in, true, false, false, false
	p.disk = &counter{r: f}
	p.r, p.read, p.lastRow = p.disk, 0, s.clock()
	s.open = append(s.open, p)
	if fi, err := f.Stat(); err == nil {
		p.size = fi.Size()
	}
	if p.gz {
		zr, err := gzip.NewReader(p.disk)
		switch {
		case err == nil:
			p.r = zr
		case errors.Is(err, io.EOF) && p.size == 0: // an empty file
			p.r = bytes.NewReader(nil)
		default:
			in.Start(p.path, p.path)
			in.Break(fmt.Errorf("file: %s: %w", p.path, err))
			p.ended = true
			return
		}
	}
	if p.offset == 0 && p.line == 0 {
		in.Start(p.path, p.path)
		return
	}
	if !p.gz && p.size >= 0 && p.size < p.offset {
		// Truncated since the position was taken: read it from the start.
		p.offset, p.line = 0, 0
		in.Start(p.path, p.path)
		return
	}
	in.Resume(p.path, p.path, p.line)
	if p.gz {
		n, err := io.CopyN(io.Discard, p.r, p.offset)
		p.read = n
		if err != nil {
			in.Break(fmt.Errorf("file: %s: resuming at byte %d (uncompressed): %w", p.path, p.offset, err))
			p.ended = true
		}
		return
	}
	if _, err := f.Seek(p.offset, io.SeekStart); err != nil {
		in.Break(fmt.Errorf("file: %s: resuming at byte %d: %w", p.path, p.offset, err))
		p.ended = true
		return
	}
	p.read = p.offset
}

// finish closes p, read to its end, and marks it done.
func (s *source) finish(p *part) {
	p.close()
	p.done, p.opened = true, false
	if s.spare == nil {
		s.spare = p.in
	} else {
		p.in.Release()
	}
	p.in = nil
	for i, q := range s.open {
		if q == p {
			s.open = append(s.open[:i], s.open[i+1:]...)
			break
		}
	}
}

func (p *part) close() {
	if zr, ok := p.r.(*gzip.Reader); ok {
		zr.Close()
	}
	if p.f != nil {
		p.f.Close()
	}
	p.f, p.r, p.disk = nil, nil, nil
}

// reject reports that p cannot be read at all; p is done.
func (s *source) reject(p *part, err error) {
	p.done = true
	if s.env.Reject != nil {
		s.env.Reject(sources.BadRecord{Stream: s.env.Stream, Origin: p.path, Partition: p.path, Offset: p.line + 1, Err: err})
	}
}

// look checks a caught-up file in follow mode for new data: a file that
// shrank below what was read starts over from its beginning.
func (p *part) look() error {
	if !p.caughtUp {
		return nil
	}
	if fi, err := p.f.Stat(); err == nil {
		p.size = fi.Size()
		if p.size < p.read {
			if _, err := p.f.Seek(0, io.SeekStart); err != nil {
				return fmt.Errorf("file: rewind %s: %w", p.path, err)
			}
			p.read = 0
			p.in.Start(p.path, p.path)
		}
		p.caughtUp = p.size <= p.read
	}
	return nil
}

// Origin returns the origin of the batch Next returned last: the FNV-1a
// 64 hash of its file's path.
func (s *source) Origin() sources.Origin { return s.origin }

// Partitions returns the state of every file of the glob after the last
// Next: a file not read to its end has backlog; with follow a file at its
// end is caught up and idle once it has delivered no row for
// idle_timeout; without follow a file read to its end, every row
// returned, is done. Lag is the bytes of the file (compressed, for gzip)
// not read yet, -1 when unknown. Sources promise no watermark. The slice
// is valid until the next call of Next.
func (s *source) Partitions() []sources.Partition {
	now := s.clock()
	s.states = s.states[:0]
	for _, p := range s.parts {
		st := sources.Partition{
			Origin: p.origin, Name: p.path, Watermark: sources.NoWatermark, MaxTime: p.maxTime,
			Lag: p.lag(), Done: p.done, Backlog: !p.done,
		}
		if p.opened && p.caughtUp && p.in.Len() == 0 {
			st.Backlog = false
			st.Idle = now.Sub(p.lastRow) >= s.idle
		}
		s.states = append(s.states, st)
	}
	return s.states
}

// lag returns the bytes of p's file not read yet, or -1.
func (p *part) lag() int64 {
	switch {
	case p.done:
		return 0
	case p.size < 0:
		return -1
	case p.opened && p.gz:
		return max(p.size-p.disk.n, 0)
	case p.gz && p.offset > 0: // where the resume point is on disk is unknown
		return -1
	}
	return max(p.size-p.offset, 0)
}
