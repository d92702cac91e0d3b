package sources

import "context"

// The optional abilities below let the engine give delivery guarantees. A
// connector implements the ones its input supports; the engine finds them
// by type assertion on the Source. They are never called concurrently with
// Next: the engine pauses the source around them.

// Positioner is implemented by sources that can say where they are.
type Positioner interface {
	// Position returns the position just after the last row Next returned:
	// an opaque token (JSON is recommended) that Seek accepts and Commit is
	// given back. It must cover every partition, shard or file the source
	// reads.
	Position() ([]byte, error)
}

// Seeker is implemented by replayable sources: Seek makes the next Next
// resume just after pos, a token Position returned earlier (perhaps in an
// earlier process). It is called at most once, before the first Next.
type Seeker interface {
	Seek(ctx context.Context, pos []byte) error
}

// Committer is implemented by sources that acknowledge input upstream
// (Kafka consumer-group offsets, Kinesis checkpoints). Commit is called
// with a token from Position once every result that depends on the rows
// before it has been delivered by every destination: committing it then
// gives at-least-once delivery. Commit must be idempotent.
type Committer interface {
	Commit(ctx context.Context, pos []byte) error
}
