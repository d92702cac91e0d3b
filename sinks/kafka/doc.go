// Package kafka is the "kafka" destination connector: it writes each row of
// an output stream as one message to a Kafka topic, encoded as JSON (an
// object per row) or CSV (one line, no header) by package encode, with the
// message key taken from key columns (partitioned by murmur2 of the key,
// as Java clients do; round robin without a key) and the message
// timestamp from ROWTIME when the stream has it. Writes wait for acks=all
// by default, go out in produce batches bounded by size and linger time,
// and are retried with exponential backoff; an error that outlives the
// retries is returned (wrapping ErrDelivery) and stops the query rather
// than dropping rows. Write returns only once its rows are acknowledged,
// so Flush (sinks.Flusher) has nothing left to wait for.
//
// Not yet: pipelining several Writes before their acknowledgements
// (throughput is one produce round trip per Write), headers, exactly-once
// through Kafka transactions (sinks.Committer), and naming the failed rows
// of a partially failed batch.
package kafka
