// Package kafka is the "kafka" source connector: it reads the messages of
// one or several Kafka topics with github.com/segmentio/kafka-go and
// decodes each message value as one record: JSON or CSV through package
// codec (with its mapping, delimiter and quote options), or raw (the whole
// value in the stream's one payload column). A stream may also declare
// the metadata columns KAFKA_TOPIC, KAFKA_PARTITION, KAFKA_OFFSET,
// KAFKA_KEY and KAFKA_HEADERS (a JSON object); APPROXIMATE_ARRIVAL_TIME is
// the Kafka timestamp of the message. A message that does not decode goes
// to Env.Reject with its topic, partition and offset, and reading goes on.
//
// Without option group the source reads every partition, from option
// start (earliest, latest or the first message at or after a timestamp),
// and with stop_at_end it ends once every partition is read to the end it
// had at open. With group it joins that consumer group: processes with
// the same group split the partitions, and when one leaves or dies its
// partitions move to the others, which resume from the last committed
// offsets. Offsets are committed only by Commit (sources.Committer), which
// the engine calls with a Position once everything that depends on the
// rows before it has been delivered: at-least-once. Seek resumes from a
// Position after a restart. Rows already returned are not returned again
// when a partition comes back to the same source after a rebalance.
//
// Event time: the source computes no watermark. It implements
// sources.Partitioned: every batch holds the rows of one partition, whose
// Origin is the FNV-1a hash of "topic/partition", and Partitions reports
// after each Next every partition it reads (the group's assignment, or
// every partition of its topics) with its backlog, lag (messages behind
// the high-water mark), newest ROWTIME and whether it is idle: caught up
// with the high-water mark of its last fetch and without a row for
// idle_timeout. The window tracker derives the watermark from these.
// Partitions with backlog take turns, and with max_skew (watermark
// alignment, as in Flink) a partition more than max_skew ahead of the
// slowest one that holds waits, its fetched messages buffered (a few
// batches at most, then its fetcher blocks), so that the state windows
// keep while catching up stays proportional to the skew, not the backlog.
//
// With JSON, the source decodes only the declared columns the engine
// reads (option sources.ColumnsOption, see codec.PruneDecoding); the
// others are NULL, and the KAFKA_* columns are filled as always.
//
// Not yet: a partition whose high-water mark sits above its last message
// (transaction markers) never counts as caught up, so never goes idle;
// Discover (schema sampling), SASL OAUTHBEARER and GSSAPI,
// Avro/Protobuf and schema registries, reading only committed messages of
// transactions (isolation level), partitions added to a topic while the
// source runs without a group, and cooperative (incremental) rebalancing.
package kafka
