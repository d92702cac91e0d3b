// Package stdin is the "stdin" source connector: JSON-lines or CSV records
// from standard input (or, through New, any io.Reader), bounded at end of
// input. A partial batch is emitted once its oldest row is linger old, so
// rows typed interactively show up promptly. Records that do not decode go
// to Env.Reject with origin "stdin" and their line number; a stray CSV
// quote costs only its own line (see codec.Ingest). Schema discovery
// samples standard input through a Replay, and the source then delivers
// the sampled records and the rest.
//
// Not yet: a Read blocked on the process's standard input cannot be
// interrupted, so Close does not wait for the reading goroutine in that one
// case; it exits when its Read returns.
package stdin
