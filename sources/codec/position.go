package codec

// Pending returns how many bytes the framer holds that no returned record
// covers yet: the bytes a resumed reader must read again.
func (f *Framer) Pending() int { return len(f.buf) - f.off }

// Resume starts input origin of partition partition as Start does, but as
// if lines lines of it were already consumed: line numbers go on from
// there, and the header (if any) counts as read when lines > 0.
func (in *Ingest) Resume(origin, partition string, lines int64) {
	in.Start(origin, partition)
	in.framer.line = lines
	in.first = lines == 0
}

// Continue starts input origin of partition partition as Resume does, at
// a line boundary after lines lines, but never as the input's start: its
// first record is not a header even when lines is 0 (a morsel of a file
// that begins inside an over-long first line).
func (in *Ingest) Continue(origin, partition string, lines int64) {
	in.Start(origin, partition)
	in.framer.line = lines
	in.first = false
}

// SplitsAtLines reports whether the framer's records never span lines
// (JSON lines, or CSV without quoting): the input can then be cut at any
// line end and the pieces framed on their own, as parallel decoding does.
func (f *Framer) SplitsAtLines() bool { return f.quote == 0 }

// Use replaces the framer's data with p without copying it, keeping the
// line count (as after Reset and Resume): the framer reads p until the
// next Reset, Use, Write or Fill, and the caller must not change p
// meanwhile.
func (f *Framer) Use(p []byte) {
	f.buf, f.off, f.scan, f.inQuote, f.skip, f.ended, f.last = p, 0, 0, false, false, false, -1
}
