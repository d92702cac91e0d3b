package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/eddy-sql/eddy/sources"
)

// ErrTooLong is the error of a Record longer than the Framer's limit.
var ErrTooLong = errors.New("codec: record too long")

// MaxRecord is the default limit of a record's length in bytes.
const MaxRecord = 8 << 20

// readChunk is how much a Framer asks its reader for at a time.
const readChunk = 64 << 10

// Record is one framed input record.
type Record struct {
	Data []byte // the record without its line terminator
	Line int64  // 1-based number of the record's first line
	Err  error  // ErrTooLong: Data holds only the record's first bytes
}

// Framer splits a byte stream into records: one per line (LF or CRLF),
// except that for CSV with quoting a newline inside a quoted field does
// not end the record. Memory stays bounded by the record limit plus one
// read chunk: a longer record is returned as an ErrTooLong Record holding
// its first KiB, and the rest of it is skipped. A Framer is not safe for
// concurrent use.
type Framer struct {
	buf     []byte
	off     int   // start of the unconsumed data
	scan    int   // where the search for the record's end resumes
	inQuote bool  // the quote state at scan
	quote   byte  // 0 = quotes do not matter
	line    int64 // lines consumed
	max     int
	skip    bool  // dropping the rest of an over-long record
	skipped int64 // newlines seen inside the dropped record (quoted CSV)
}

// NewFramer returns a Framer for the format that opts (validated against
// Options) select, with records of at most maxRecord bytes (0 means
// MaxRecord).
func NewFramer(opts sources.Options, maxRecord int) (*Framer, error) {
	f := &Framer{max: maxRecord}
	if f.max <= 0 {
		f.max = MaxRecord
	}
	if strings.EqualFold(strings.TrimSpace(opts.String("format")), "csv") {
		q, err := Quote(opts)
		if err != nil {
			return nil, err
		}
		f.quote = q
	}
	return f, nil
}

// Fill reads once from r into the framer and returns what r.Read returned.
// Records returned by Next before Fill are no longer valid.
func (f *Framer) Fill(r io.Reader) (int, error) {
	f.compact()
	if cap(f.buf)-len(f.buf) < readChunk {
		nb := make([]byte, len(f.buf), 2*cap(f.buf)+readChunk)
		copy(nb, f.buf)
		f.buf = nb
	}
	n, err := r.Read(f.buf[len(f.buf):cap(f.buf)])
	f.buf = f.buf[:len(f.buf)+n]
	return n, err
}

// Write appends p to the framer's data. Records returned by Next before
// Write are no longer valid.
func (f *Framer) Write(p []byte) {
	f.compact()
	f.buf = append(f.buf, p...)
}

func (f *Framer) compact() {
	if f.off == 0 {
		return
	}
	n := copy(f.buf, f.buf[f.off:])
	f.buf = f.buf[:n]
	f.scan -= f.off
	f.off = 0
}

// Next returns the next complete record, or false when the data so far
// holds none. Data stays valid until the next call of Next, Fill or Write.
func (f *Framer) Next() (Record, bool) {
	for {
		nl := f.findEnd()
		if nl < 0 {
			if f.skip { // drop what arrived of the over-long record
				f.line += int64(bytes.Count(f.buf[f.off:], []byte{'\n'}))
				f.off = len(f.buf)
				return Record{}, false
			}
			if pending := len(f.buf) - f.off; pending > f.max {
				return f.tooLong(), true
			}
			return Record{}, false
		}
		data := f.buf[f.off:nl]
		line := f.line + 1
		f.line += 1 + int64(bytes.Count(data, []byte{'\n'}))
		f.off, f.scan, f.inQuote = nl+1, nl+1, false
		if f.skip {
			f.skip = false
			continue
		}
		if len(data) > f.max {
			return Record{Data: data[:min(len(data), 1024)], Line: line, Err: fmt.Errorf("%w: over %d bytes", ErrTooLong, f.max)}, true
		}
		return Record{Data: trimCR(data), Line: line}, true
	}
}

// tooLong reports the pending over-long record and starts skipping it.
func (f *Framer) tooLong() Record {
	line := f.line + 1
	data := f.buf[f.off:min(len(f.buf), f.off+1024)]
	f.line += int64(bytes.Count(f.buf[f.off:len(f.buf)], []byte{'\n'}))
	// Keep nothing but the quote state: the record's end is still ahead.
	f.off, f.scan, f.skip = len(f.buf), len(f.buf), true
	return Record{Data: data, Line: line, Err: fmt.Errorf("%w: over %d bytes", ErrTooLong, f.max)}
}

// findEnd returns the index of the newline ending the pending record, or
// -1, remembering how far it looked.
func (f *Framer) findEnd() int {
	for {
		k := bytes.IndexByte(f.buf[f.scan:], '\n')
		if k < 0 {
			f.advanceQuotes(len(f.buf))
			return -1
		}
		nl := f.scan + k
		f.advanceQuotes(nl)
		f.scan = nl + 1
		if !f.inQuote {
			return nl
		}
	}
}

func (f *Framer) advanceQuotes(to int) {
	if f.quote != 0 && bytes.Count(f.buf[f.scan:to], []byte{f.quote})%2 == 1 {
		f.inQuote = !f.inQuote
	}
	f.scan = to
}

// Rest returns the final record at the end of the input: the data after
// the last newline, if any. It consumes it.
func (f *Framer) Rest() (Record, bool) {
	if f.skip {
		f.off, f.scan, f.skip = len(f.buf), len(f.buf), false
		return Record{}, false
	}
	if f.off >= len(f.buf) {
		return Record{}, false
	}
	data := f.buf[f.off:]
	line := f.line + 1
	f.line += 1 + int64(bytes.Count(data, []byte{'\n'}))
	f.off, f.scan, f.inQuote = len(f.buf), len(f.buf), false
	return Record{Data: trimCR(data), Line: line}, true
}

// Lines returns the number of lines consumed so far.
func (f *Framer) Lines() int64 { return f.line }

// Reset drops all data and starts counting lines from zero, as for a new
// input.
func (f *Framer) Reset() {
	f.buf, f.off, f.scan, f.inQuote, f.line, f.skip = f.buf[:0], 0, 0, false, 0, false
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
