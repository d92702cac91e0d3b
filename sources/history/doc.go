// Package history is the "history" source connector: it reads the rows a
// retained stream (CREATE STREAM … WITH (retain = '24 hours')) kept in its
// history directory, written by the sinks/history destination as Arrow IPC
// segment files, and replays those whose ROWTIME falls in [from, to) in
// ROWTIME order. Scheduled reports bind the streams they read to it.
//
// A row comes out with its stored declared columns, ROWTIME as stored and
// APPROXIMATE_ARRIVAL_TIME equal to that ROWTIME. The source is bounded: it
// returns io.EOF after the last segment. It implements sources.Positioner
// and sources.Seeker (the position is the last ROWTIME emitted and how many
// rows with that ROWTIME came out).
//
// Not yet: reading a segment that is still being written (the destination
// writes whole files), schema evolution beyond filling columns missing from
// old segments with NULL, and reading Parquet.
package history
