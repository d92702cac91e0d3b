// Package kinesis is the "kinesis" destination connector: it writes each
// row of an output stream as one Kinesis record (JSON or CSV, encoded by
// sinks/encode) with PutRecords, in calls within the service limits (500
// records and 5 MiB per call, 1 MiB per record). The partition key comes
// from a column (option partition_key) or is random. When a call partly
// fails, only the failed records are sent again, with backoff; throttling
// is retried the same way. With option aggregate the rows are packed into
// KPL aggregated records (one per partition key, up to aggregate_size),
// which the kinesis source and the KCL de-aggregate.
//
// The sink implements sinks.Flusher: Flush returns once every row written
// before it has been acknowledged by the service (at-least-once). Rows
// larger than a record may be, or with a partition key over 256
// characters, go to Env.Reject.
//
// Not yet: explicit hash keys, PutRecords calls in parallel, predicting
// shards to aggregate records of different keys together as the KPL does,
// and exactly-once (sinks.Committer). PutRecords does not promise the
// order of the records of one call, and retries reorder them.
package kinesis
