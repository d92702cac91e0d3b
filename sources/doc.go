// Package sources defines how Eddy reads input: the Source contract, the
// connector registry, option validation and the shared handling of ROWTIME.
// Each connector lives in its own subpackage and registers itself from init.
//
// Shared pieces for connectors: Batcher stages one decoded row at a time and
// appends it to Arrow builders only when the whole row is good, adding
// APPROXIMATE_ARRIVAL_TIME and ROWTIME (the arrival time, or the declared
// TIMESTAMP column named by option rowtime); WithSystemColumns and
// DeclaredColumns convert between declared and output schemas;
// ParseTimestamp reads the timestamp texts sources accept. Record decoding
// lives in sources/codec.
//
// The optional abilities in checkpoint.go (Positioner, Seeker, Committer)
// let the engine resume a source and acknowledge input upstream.
//
// Partitioned sources (Kafka, Kinesis, a file glob) report their partitions
// (Partitioned: origin of each batch, backlog, idle, done, newest ROWTIME);
// they compute no watermark: late rows and watermarks are the engine's
// business (window.Tracker).
package sources
