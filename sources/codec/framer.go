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

// MaxQuotedSpan bounds a CSV record that runs over a line end because a
// quoted field holds a newline: when its quote has not closed within this
// many bytes, or by the end of the input, the quote is taken for a stray
// one and the record ends at its first line end (see Framer).
const MaxQuotedSpan = 64 << 10

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
// not end the record (RFC 4180). A quote opens a quoted field only at the
// start of a field, as the CSV decoder reads it; a quote inside an
// unquoted field is an ordinary character.
//
// A stray quote never costs the lines after it: a record whose quote has
// not closed within MaxQuotedSpan bytes (or the record limit, if lower),
// or by the end of the input, ends at its first line end, and framing
// goes on with the next line out of quotes. Resync does the same for a
// multi-line record the decoder finds malformed.
//
// Memory stays bounded by the record limit plus one read chunk: a longer
// record is returned as an ErrTooLong Record holding its first KiB, and
// the rest of its line is skipped. A Framer is not safe for concurrent use.
type Framer struct {
	buf     []byte
	off     int   // start of the unconsumed data
	scan    int   // where the search for the record's end resumes
	inQuote bool  // the quote state at scan
	quote   byte  // 0 = quotes do not matter
	delim   byte  // CSV field delimiter: a quote after it opens a field
	line    int64 // lines consumed
	max     int
	span    int  // MaxQuotedSpan or max, whichever is lower
	skip    bool // dropping the rest of an over-long line
	ended   bool // End was called: the input ends with the buffer
	// last is the start in buf of the record Next returned last (-1:
	// none, or it was consumed otherwise), lastEnd its end and lastLine
	// the lines consumed before it; for Resync.
	last, lastEnd int
	lastLine      int64
}

// NewFramer returns a Framer for the format that opts (validated against
// Options) select, with records of at most maxRecord bytes (0 means
// MaxRecord).
func NewFramer(opts sources.Options, maxRecord int) (*Framer, error) {
	f := &Framer{max: maxRecord, last: -1}
	if f.max <= 0 {
		f.max = MaxRecord
	}
	f.span = min(f.max, MaxQuotedSpan)
	if strings.EqualFold(strings.TrimSpace(opts.String("format")), "csv") {
		q, err := Quote(opts)
		if err != nil {
			return nil, err
		}
		f.quote, f.delim = q, ','
		if d := opts.String("delimiter"); d != "" {
			if f.delim, err = Delimiter(d); err != nil {
				return nil, err
			}
		}
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
	f.last = -1
	if f.off == 0 {
		return
	}
	n := copy(f.buf, f.buf[f.off:])
	f.buf = f.buf[:n]
	f.scan -= f.off
	f.off = 0
}

// End tells the framer that the input ends with the data it holds: Next
// then also returns the final record that has no line terminator. Reset
// (or Truncate's caller starting over) clears it.
func (f *Framer) End() { f.ended = true }

// Next returns the next complete record, or false when the data so far
// holds none. Data stays valid until the next call of Next, Fill, Write
// or Resync.
func (f *Framer) Next() (Record, bool) {
	for {
		nl := f.findEnd()
		if nl < 0 {
			pending := len(f.buf) - f.off
			switch {
			case pending == 0:
				return Record{}, false
			case f.skip: // drop what arrived of the over-long line
				f.off, f.scan = len(f.buf), len(f.buf)
				if f.ended {
					f.skip = false
				}
				return Record{}, false
			case f.inQuote && (f.ended || pending > f.span):
				// The quote did not close in time: a stray quote. The
				// record ends at its first line end.
				if k := bytes.IndexByte(f.buf[f.off:], '\n'); k >= 0 {
					return f.take(f.off + k), true
				}
			}
			if pending > f.max {
				return f.tooLong(), true
			}
			if f.ended {
				return f.take(len(f.buf)), true
			}
			return Record{}, false
		}
		if f.skip {
			f.off, f.scan, f.skip = nl+1, nl+1, false
			f.line++
			continue
		}
		if f.quote != 0 && nl-f.off > f.span {
			// As above, for a record that ends within reach but spans
			// lines for longer than a quoted field may: the same cut
			// whatever the read sizes were.
			if k := bytes.IndexByte(f.buf[f.off:nl], '\n'); k >= 0 {
				return f.take(f.off + k), true
			}
		}
		return f.take(nl), true
	}
}

// take returns the record from off to end (a newline, or the end of the
// data) and consumes it; an over-long one is an ErrTooLong record.
func (f *Framer) take(end int) Record {
	data := f.buf[f.off:end]
	line := f.line + 1
	if len(data) > f.max {
		f.line += 1 + f.breaks(data)
		next := min(end+1, len(f.buf))
		f.off, f.scan, f.inQuote, f.last = next, next, false, -1
		return Record{Data: data[:min(len(data), 1024)], Line: line, Err: fmt.Errorf("%w: over %d bytes", ErrTooLong, f.max)}
	}
	f.last, f.lastEnd, f.lastLine = f.off, end, f.line
	f.line += 1 + f.breaks(data)
	next := min(end+1, len(f.buf))
	f.off, f.scan, f.inQuote = next, next, false
	return Record{Data: trimCR(data), Line: line}
}

// breaks returns the line breaks inside a record: only quoted CSV fields
// hold any.
func (f *Framer) breaks(data []byte) int64 {
	if f.quote == 0 {
		return 0
	}
	return int64(bytes.Count(data, []byte{'\n'}))
}

// Resync is for a record the decoder found malformed: when the record
// Next returned last spans several lines, Resync gives it back but for
// its first line, which it returns as a record of its own, and framing
// goes on with the second line, out of quotes. It returns false when the
// record has one line (or Fill or Write ran since). Resync keeps a stray
// quote from joining good lines to a bad one.
func (f *Framer) Resync() (Record, bool) {
	if f.last < 0 {
		return Record{}, false
	}
	k := bytes.IndexByte(f.buf[f.last:f.lastEnd], '\n')
	if k < 0 {
		return Record{}, false
	}
	nl := f.last + k
	rec := Record{Data: trimCR(f.buf[f.last:nl]), Line: f.lastLine + 1}
	f.line = f.lastLine + 1
	f.off, f.scan, f.inQuote, f.skip = nl+1, nl+1, false, false
	f.last = -1
	return rec, true
}

// Truncate is for an input that broke off: it removes the bytes after the
// last line end (the partial record the input ended in) from the framer
// and returns a copy of them, and marks the input ended (End). Complete
// lines before them are still returned by Next.
func (f *Framer) Truncate() []byte {
	cut := f.off
	if k := bytes.LastIndexByte(f.buf[f.off:], '\n'); k >= 0 {
		cut = f.off + k + 1
	}
	tail := append([]byte(nil), f.buf[cut:]...)
	f.buf = f.buf[:cut]
	if f.scan > cut {
		// Rescan the kept data: the quote state at scan covered the cut.
		f.scan, f.inQuote = f.off, false
	}
	f.skip = false
	f.End()
	return tail
}

// tooLong reports the pending over-long record and starts skipping the
// rest of its line (quotes no longer matter: the record is lost anyway).
func (f *Framer) tooLong() Record {
	line := f.line + 1
	data := f.buf[f.off:min(len(f.buf), f.off+1024)]
	f.line += int64(bytes.Count(f.buf[f.off:len(f.buf)], []byte{'\n'}))
	f.off, f.scan, f.skip, f.inQuote = len(f.buf), len(f.buf), true, false
	return Record{Data: data, Line: line, Err: fmt.Errorf("%w: over %d bytes", ErrTooLong, f.max)}
}

// findEnd returns the index of the newline ending the pending record, or
// -1, remembering how far it looked and the quote state there.
func (f *Framer) findEnd() int {
	for {
		if f.inQuote {
			k := bytes.IndexByte(f.buf[f.scan:], f.quote)
			if k < 0 {
				f.scan = len(f.buf)
				return -1
			}
			q := f.scan + k
			switch {
			case q+1 < len(f.buf) && f.buf[q+1] == f.quote: // an escaped quote
				f.scan = q + 2
			case q+1 == len(f.buf) && !f.ended: // cannot tell yet
				f.scan = q
				return -1
			default:
				f.scan, f.inQuote = q+1, false
			}
			continue
		}
		k := bytes.IndexByte(f.buf[f.scan:], '\n')
		end := len(f.buf)
		if k >= 0 {
			end = f.scan + k
		}
		if f.quote != 0 && !f.skip && f.openQuote(end) {
			continue
		}
		if k < 0 {
			f.scan = len(f.buf)
			return -1
		}
		f.scan = end + 1
		return end
	}
}

// openQuote looks for a quote that opens a quoted field in buf[scan:end];
// when it finds one it enters the quoted state just after it.
func (f *Framer) openQuote(end int) bool {
	for i := f.scan; i < end; {
		k := bytes.IndexByte(f.buf[i:end], f.quote)
		if k < 0 {
			return false
		}
		q := i + k
		if q == f.off || f.buf[q-1] == f.delim {
			f.scan, f.inQuote = q+1, true
			return true
		}
		i = q + 1
	}
	return false
}

// Rest ends the input (End) and returns its next record: after the last
// Fill, call it until it returns false to get the records left.
func (f *Framer) Rest() (Record, bool) {
	f.End()
	return f.Next()
}

// Lines returns the number of lines consumed so far.
func (f *Framer) Lines() int64 { return f.line }

// Reset drops all data and starts counting lines from zero, as for a new
// input.
func (f *Framer) Reset() {
	f.buf, f.off, f.scan, f.inQuote, f.line, f.skip, f.ended, f.last = f.buf[:0], 0, 0, false, 0, false, false, -1
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
