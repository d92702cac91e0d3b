package sinks

import (
	"context"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/eddy-sql/eddy/sources"
)

// Sink delivers the batches of one output stream to a destination.
//
// Write takes ownership of batch and releases it (at once, or when it has
// delivered it). Write may block to push back on the pipeline when the
// destination is slow; it returns when ctx is done. Close flushes what is
// buffered before ctx's deadline, then returns ctx.Err() if it could not.
// A Sink is used by one goroutine at a time.
type Sink interface {
	Write(ctx context.Context, batch arrow.RecordBatch) error
	Close(ctx context.Context) error
}

// Env is what the engine hands a connector when it opens a sink.
type Env struct {
	// Stream is the in-application stream the sink delivers.
	Stream string
	// Schema is the schema of every batch Write receives: the stream's
	// columns (ROWTIME only when the stream declares or selects it).
	Schema *arrow.Schema
	Alloc  memory.Allocator
	Clock  func() time.Time
	// Stdout is where the stdout connector writes (os.Stdout in the CLI).
	Stdout io.Writer
	// Terminal tells whether Stdout is a terminal.
	Terminal bool
	// Reject sends a row the destination gave up on (after its retries) to
	// the error stream with the reason, so nothing is lost silently. row is
	// the row's text (JSON). It is safe for concurrent use; nil in tests
	// that do not care.
	Reject func(row string, reason error)
	// Checkpointing tells that the engine takes checkpoints and will call
	// Prepare and Commit on a sinks.Committer: output becomes visible only
	// when its checkpoint completes (exactly-once).
	Checkpointing bool
	// Parallelism is how many goroutines a sink may encode one batch on
	// (encode.NewParallel); 0 or 1: the calling goroutine only.
	Parallelism int
}

// Factory describes a destination connector and opens sinks for it.
type Factory struct {
	Name    string
	Doc     string
	Target  string
	Options []sources.OptionSpec
	Open    func(ctx context.Context, env Env, opts sources.Options) (Sink, error)
	// AliasOf, when set, names the connector this registration is another
	// name for (see Alias).
	AliasOf string
}

// Alias returns f registered under another name, such as Flink's name for
// the same connector: the same options and Open, with AliasOf set and a
// Doc that says so.
func (f Factory) Alias(name string) Factory {
	f.Doc = "alias of " + f.Name + " (Flink's name)"
	f.Name, f.AliasOf = name, f.Name
	return f
}
