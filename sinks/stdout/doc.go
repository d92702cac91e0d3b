// Package stdout is the "stdout" sink connector: it writes an output stream
// to the engine's standard output (sinks.Env.Stdout) as an aligned table,
// JSON lines or CSV, one write per batch so interactive users see rows as
// soon as they are produced.
//
// Options: format (table, json or csv; default table on a terminal, else
// json), header (CSV header line, default true), delimiter (CSV, default
// ",") and repeat_header (table rows between headers; default a screenful
// on a terminal, else never).
//
// It does not yet tell streams apart when several share standard output
// (each batch is one write, so batches never interleave), and it does not
// fold long table cells.
package stdout
