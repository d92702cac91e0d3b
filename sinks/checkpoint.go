package sinks

import "context"

// The optional abilities below let the engine give delivery guarantees; it
// finds them by type assertion on the Sink. They are never called
// concurrently with Write: the engine calls them while the pipeline is
// paused for a checkpoint.

// Flusher is implemented by sinks that buffer. When Flush returns nil,
// every batch written before the call has been delivered to the
// destination (acknowledged by it), so the engine may commit source
// positions up to that point (at-least-once).
type Flusher interface {
	Flush(ctx context.Context) error
}

// Committer is implemented by sinks that can publish output atomically
// with a checkpoint (exactly-once): Prepare makes everything written so far
// durable but invisible (e.g. a staged file) under the checkpoint id;
// Commit publishes what was prepared for that id (e.g. renames the file
// into place) and must be idempotent, since after a crash the engine calls
// it again for the last complete checkpoint; Abort discards everything
// prepared under ids at or above checkpoint, which will never complete
// (the engine calls it at start, after a crash). A Committer stages output
// only when Env.Checkpointing is set; otherwise it writes directly.
type Committer interface {
	Prepare(ctx context.Context, checkpoint int64) error
	Commit(ctx context.Context, checkpoint int64) error
	Abort(ctx context.Context, checkpoint int64) error
}
