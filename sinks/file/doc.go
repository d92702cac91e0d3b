// Package file is the "file" sink connector: it writes an output stream to
// a local file as JSON lines or CSV (the target is the path).
//
// Options: path (required), format (json or csv; default csv for a .csv
// path, else json), header (CSV header line, default true; skipped when
// appending to a file that is not empty), delimiter (CSV, default ",") and
// append (default false: the file is created or truncated). Parent
// directories are created. Writes are buffered; Close flushes, fsyncs and
// closes the file. Errors name the path and wrap the cause, so
// errors.Is(err, syscall.ENOSPC) and friends work.
//
// It does not yet rotate or compress files, and it cannot write the
// aligned table format.
package file
