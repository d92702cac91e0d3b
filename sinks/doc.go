// Package sinks defines how Eddy delivers output: the Sink contract and the
// connector registry. Each destination connector lives in its own
// subpackage and registers itself from init:
//
//   - sinks/stdout ("stdout"): standard output as a table, JSON lines or CSV
//   - sinks/file ("file"): a local file as JSON lines or CSV
//   - sinks/discard ("discard"): counts and drops rows, for benchmarks
//
// sinks/encode holds the batch encoders those connectors share.
package sinks
