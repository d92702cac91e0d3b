// Package history is the "history" destination connector: it keeps a
// retained stream's rows (its declared columns plus ROWTIME) in a
// directory as Arrow IPC segment files for scheduled reports, which read
// them back with the sources/history connector.
//
// Batches are buffered and written as one segment, named by the smallest
// and largest ROWTIME it holds, when the buffer spans `segment` of ROWTIME,
// holds max_rows rows, is flush_interval old (checked on Write), on Flush
// and on Close. Each segment is written whole: to a temporary file that is
// synced and then renamed into place, so readers never see a partial one.
// After each segment, those whose newest ROWTIME is older than `retain`
// before the newest ROWTIME ever written are deleted: retention follows
// event time, so replayed data is kept as it would have been live.
//
// The sink implements sinks.Flusher (at-least-once: after a restart rows
// replayed from the last checkpoint may be kept twice).
//
// Not yet: Parquet segments, compaction of small segments, exactly-once
// (sinks.Committer), and flushing a quiet stream's buffer without a Write,
// Flush or Close.
package history
