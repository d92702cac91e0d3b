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
