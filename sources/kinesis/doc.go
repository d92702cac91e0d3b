// Package kinesis is the "kinesis" source connector: it reads an Amazon
// Kinesis Data Streams stream (or a server speaking its API, such as
// kinesalite) with the AWS SDK for Go v2, the way the Kinesis Client
// Library does.
//
// Every shard is read in sequence-number order by a goroutine of its own;
// new shards are discovered while running (option discover_interval), and
// after a split or merge a child shard is read only once its parents have
// been read to their end, so the order of the records of each partition
// key holds across resharding. Records aggregated by the Kinesis Producer
// Library are de-aggregated (magic prefix, protobuf body, MD5 check) into
// their user records. Each record's ApproximateArrivalTimestamp becomes
// APPROXIMATE_ARRIVAL_TIME. A stream may declare the metadata columns
// KINESIS_PARTITION_KEY, KINESIS_SEQUENCE_NUMBER and KINESIS_SHARD_ID
// (VARCHAR), which the source fills instead of the decoder. Throttling and
// expired shard iterators are retried with backoff. Records that do not
// decode go to Env.Reject with the stream, the shard and the sequence
// number.
//
// The source implements sources.Positioner, sources.Seeker and
// sources.Committer: a position holds the last sequence number delivered
// per shard and the shards read to their end; Commit also writes it to a
// file in option checkpoint_dir, which a source opened later without Seek
// resumes from. Positions fall on Kinesis record boundaries: all user
// records of an aggregated record go out in one batch.
//
// Event time: the source computes no watermark. It implements
// sources.Partitioned: every batch holds the rows of one shard, whose Origin
// is the FNV-1a hash of the shard id, and Partitions reports after each
// Next every shard known from the listings (from the first Next on): open
// shards, closed ones being read or read to their end (Done), and children
// waiting for their parents, which hold like any shard not read yet. A
// shard is idle only when its last GetRecords found the tip
// (MillisBehindLatest 0, fewer than max_records), nothing of it waits to
// be returned, no child of it is unread, and it returned no row for
// idle_timeout. Shards take turns, and with max_skew (watermark
// alignment) a shard more than max_skew ahead of the slowest one that
// holds waits, its records buffered (two GetRecords results at most, then
// its reader blocks).
//
// Option stop_at_end makes the source bounded: it ends with io.EOF once
// every shard has been read up to the newest record (a replay).
//
// Option preprocess is KDA's input preprocessing with a Lambda function:
// the engine sets sources.Env.Preprocess (cmd/eddy builds it with
// sinks/function's Preprocessor), and the source hands it the records of
// each GetRecords call, whole Kinesis records as stored (an aggregated
// record is de-aggregated after), before decoding. Ok records are decoded
// from the data it returns, dropped ones vanish, failed ones are rejected
// (sources.ErrPreprocess) with the shard and the sequence number, and its
// error stops the source. Without Env.Preprocess the option fails at open.
//
// The package also holds the KPL aggregation format (Aggregate,
// Deaggregate), which sinks/kinesis uses to write aggregated records, and
// NewClient, which both connectors use to reach the service.
//
// Not yet: enhanced fan-out (SubscribeToShard), leases shared between
// several processes (each source reads every shard), Discover (schema sampling), and pruning of long-finished shards from
// positions.
package kinesis
