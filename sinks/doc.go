// Package sinks defines how Eddy delivers output: the Sink contract, the
// optional abilities the engine uses for delivery guarantees (Flusher for
// at-least-once, Committer for exactly-once with checkpoints), and the
// connector registry. Each destination connector lives in its own
// subpackage and registers itself from init:
//
//   - sinks/stdout ("stdout"): standard output as a table, JSON lines or CSV
//   - sinks/file ("file"): a local file as JSON lines or CSV
//   - sinks/kafka ("kafka") and sinks/kinesis ("kinesis"): stream destinations
//   - sinks/firehose ("firehose"): buffered delivery to files, S3, HTTP or
//     Firehose, with transform functions
//   - sinks/function ("function"): AWS Lambda, HTTP and local commands
//   - sinks/history ("history"): a stream's retained history, for reports
//   - sinks/discard ("discard"): counts and drops rows, for benchmarks
//
// sinks/encode holds the batch encoders those connectors share.
//
// Not yet: a destination cannot report per-row delivery status back to the
// engine beyond Env.Reject, and there is no schema registry or Avro output.
package sinks
