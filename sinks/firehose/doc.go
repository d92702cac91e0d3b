// Package firehose is the "firehose" destination connector: a delivery
// stream in the manner of Amazon Data Firehose.
//
// Rows are buffered until buffer_size bytes or buffer_interval (the age
// of the oldest buffered row, on the injected clock), whichever comes
// first, then delivered as one unit: optionally through a transform
// function (Firehose's data-transformation contract, Ok / Dropped /
// ProcessingFailed, run by sinks/function's Caller over Lambda, HTTP or a
// local command), then to the destination:
//   - file:///dir or s3://bucket/prefix (aws-sdk-go-v2, endpoint override
//     with path-style addressing): one object per buffer named prefix +
//     YYYY/MM/DD/HH/ (or the prefix's !{timestamp:…} expressions) +
//     NAME-YYYY-MM-DD-HH-MM-SS-<uuid>[.gz|.snappy|.zst], JSON lines or CSV
//     (sinks/encode) optionally compressed, or Parquet (pqarrow, the
//     stream's schema, compressed pages). Objects appear whole (a temp
//     file renamed, or one PutObject).
//   - an http(s) URL: Firehose's HTTP endpoint delivery contract, a POST of
//     {requestId, timestamp, records:[{data}]} (optionally gzip), with the
//     X-Amz-Firehose-Access-Key header; success is a 200 echoing requestId.
//   - firehose://NAME: PutRecordBatch (at most 500 records and 4 MiB a
//     call), retrying only the refused records.
//
// Failed deliveries are retried with exponential backoff for
// retry_duration; then the records, like ProcessingFailed ones, are written
// as Firehose error records under error_output_prefix (to
// error_destination, or the destination's own store), else sent to the
// error stream through sinks.Env.Reject. Nothing is dropped silently.
//
// Flush (sinks.Flusher) delivers the buffer before it returns; Close does
// the same (the SIGTERM path). With exactly_once (file and S3), objects are
// staged under .eddy-staging/NAME/ and sinks.Committer publishes them:
// Prepare records a manifest per checkpoint, Commit moves the staged
// objects into place (idempotent, also from a restarted process), Abort
// deletes them. Metrics() reports records, bytes, objects, failures and
// transform results.
//
// Not yet: a transform feeding Parquet output (record format conversion
// of transformed JSON), dynamic partitioning, Redshift, OpenSearch and
// Splunk destinations as such, S3 multipart uploads for very large
// buffers, and cleanup of objects staged but never prepared after a crash.
package firehose
