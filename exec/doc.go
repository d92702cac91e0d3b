// Package exec holds Eddy's vectorized operators and expressions over Arrow
// record batches: scalar expressions and the function library, filter,
// project, union, the bounded in-application streams that connect pumps, and
// the error stream.
//
// Scalar expressions (Column, Literal, Cast, and Functions.Bind over
// DefaultFunctions) evaluate whole Arrow columns; a failure confined to one
// row is a row error that sends the row to the error stream. Aggregation
// (AggSpec, Accumulator, GroupTable, HashAggregator) keeps per-group state
// in typed column slices; the window package builds windows on it. Every
// accumulator and group table can export its state as Arrow arrays and load
// it back, which the window operators use for checkpoints (Snapshotter).
//
// Not yet: the KDA date/time conversions beyond TIMESTAMP_TO_CHAR and
// CHAR_TO_TIMESTAMP (CHAR_TO_DATE, DATE_TO_CHAR, …), and possessive
// quantifiers and POSIX classes in regular expressions (patterns RE2
// cannot run go to regexp2, which lacks those).
//
// It never imports sql or planner: the planner compiles SQL into the values
// this package exports.
package exec
