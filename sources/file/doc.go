// Package file is the "file" source connector: it reads JSON-lines or CSV
// records from one file or a glob of files, plain or gzip-compressed, and
// ends with io.EOF once every file is read. With follow = true it keeps
// tailing every file for appended lines, like tail -f, and never ends; it
// notices a truncated file and starts over from its beginning.
//
// The files of a glob are the partitions of the source (sources.Partitioned):
// a file's origin is the FNV-1a 64 hash of its path as the glob gives it,
// stable across restarts. Every batch holds rows of one file, and the
// files are read side by side in event time: the next batch comes from
// the open file whose largest ROWTIME so far is smallest (a file that has
// delivered nothing first, ties in glob order), so downstream window state
// stays proportional to the skew between files, not to their size. At
// most 64 files are open at once; the others wait, holding the watermark
// back as backlog. Partitions reports every file from the first Next: not
// read to its end = backlog; read to its end, every row returned = done;
// with follow, at its end = caught up, and idle after idle_timeout without
// a row. A position covers every file, and a restart continues each at
// its own offset.
//
// Bad input never costs a good row. Records that do not decode go to
// Env.Reject with the path (as Origin and Partition) and line number (see
// codec.Ingest for how a stray CSV quote is contained to its line). A
// file whose gzip stream is truncated or corrupt, or whose read fails,
// keeps the rows before the damage; the damage goes to Env.Reject with the
// line and uncompressed byte reached and the reason (wrapping, for
// example, io.ErrUnexpectedEOF or gzip.ErrChecksum), the file is done, and
// the source goes on with the other files. A file that cannot be opened
// is rejected and done the same way.
//
// With JSON, the source decodes only the columns the engine reads
// (option sources.ColumnsOption, see codec.ReadSet); the others are NULL.
//
// Files are decoded on several cores (option parallelism, default
// GOMAXPROCS) unless follow is set or the format's records may span lines
// (CSV with quoting): each file is cut into morsels at line ends, a pool
// of workers decodes the morsels side by side, and the batches come out
// strictly in file order with the same rows, bad records, line numbers
// and positions as on one core (batch boundaries may differ: a batch
// never spans morsels). See parallel.go.
//
// Not yet: files that appear after the source opened are not picked up, a
// rotated (renamed) file is not followed to its successor, follow does not
// work on gzip files, and follow reads at most 64 files.
package file
