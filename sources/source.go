package sources

import (
	"context"
	"errors"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Source produces the record batches of one input stream.
//
// Next returns the next batch, which the caller owns and must Release, or
// io.EOF when a bounded source is exhausted. An unbounded source blocks in
// Next until data arrives or ctx is done; it may return an empty batch to
// let time advance while it is idle. Close stops the source and releases
// what it holds; it may be called twice and before any Next. A Source is used
// by one goroutine at a time.
//
// Every batch has exactly the schema of Env.Schema: the stream's declared
// columns, then APPROXIMATE_ARRIVAL_TIME, then ROWTIME (see Env).
type Source interface {
	Schema() *arrow.Schema
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
}

// Env is what the engine hands a connector when it opens a source.
type Env struct {
	// Stream is the in-application stream the source feeds, for messages
	// and for the positions of bad records.
	Stream string
	// Schema is the output schema: the declared columns in order, then
	// APPROXIMATE_ARRIVAL_TIME and ROWTIME, both millisecond timestamps.
	Schema *arrow.Schema
	// Alloc allocates every batch.
	Alloc memory.Allocator
	// Clock is the wall clock; tests inject their own.
	Clock func() time.Time
	// Reject receives each record that could not be decoded. It must not
	// block for long; the source goes on with the next record.
	Reject func(BadRecord)
	// Truncated, when set, is called with a declared column's name for
	// each string value cut to the column's VARCHAR(n)/CHAR(n) length. It
	// may be called from several goroutines at once and must not block.
	Truncated func(column string)
	// Preprocess, when set, transforms the records of one read (one
	// Kinesis GetRecords call) before they are decoded, as KDA's input
	// Lambda preprocessor did. origin and partition name the input and
	// its shard. It returns one Preprocessed per record, in order; an
	// error stops the source. Only connectors that accept the preprocess
	// option (kinesis) call it.
	Preprocess func(ctx context.Context, origin, partition string, recs []RawRecord) ([]Preprocessed, error)
}

// RawRecord is an input record before decoding, as Env.Preprocess sees it.
type RawRecord struct {
	ID       string // unique within one call
	Position string // the sequence number
	Key      string // the partition key
	Arrival  time.Time
	Data     []byte
}

// PreprocessResult is what a preprocessor did with a record.
type PreprocessResult int

// The results of a preprocessed record, as KDA's preprocessing contract
// names them ("Ok", "Dropped", "ProcessingFailed").
const (
	PreprocessOK      PreprocessResult = iota // decode Data
	PreprocessDropped                         // skip the record
	PreprocessFailed                          // reject the record with Err
)

// ErrPreprocess is wrapped by the error of every bad record that the
// input preprocessor failed (PreprocessFailed), so that the error stream
// can name it apart from records that did not decode.
var ErrPreprocess = errors.New("preprocessing failed")

// Preprocessed is a record after Env.Preprocess: with PreprocessOK, Data
// replaces the record's data; with PreprocessFailed, Err says why (the
// function's verdict, a record missing from its reply, a reply that did
// not parse).
type Preprocessed struct {
	Result PreprocessResult
	Data   []byte
	Err    error
}

// BadRecord is an input record that did not decode, with where it came from.
type BadRecord struct {
	Stream string // in-application stream
	// Origin names the physical input: a file path, "stdin", a topic, a
	// Kinesis stream.
	Origin string
	// Partition is the file line number's file, a Kafka partition or a
	// Kinesis shard id; empty when the input has none.
	Partition string
	// Offset is the line number (1-based) for files and stdin, the Kafka
	// offset, or the record's index; Position can carry a sequence number.
	Offset   int64
	Position string
	Data     []byte
	Err      error
}

// Factory describes a connector and opens sources for it.
type Factory struct {
	// Name is the connector name used in WITH (connector = '…') and bindings.
	Name string
	// Doc is one line for `eddy help connectors`.
	Doc string
	// Target is the option a binding's TARGET fills: in 'file:ticks.jsonl'
	// the target 'ticks.jsonl' is the value of option "path".
	Target string
	// Options lists every option the connector accepts, beyond Common.
	Options []OptionSpec
	// Open opens a source. opts has been validated against Options and
	// Common, with defaults filled in.
	Open func(ctx context.Context, env Env, opts Options) (Source, error)
	// Discover, when set, returns the declared columns of the stream this
	// connector would read with opts (sampling records if it must), for
	// inputs bound without a CREATE STREAM. It excludes the system columns.
	Discover func(ctx context.Context, opts Options) (*arrow.Schema, error)
	// Version, when set, returns the version of the object the source
	// would read with opts (an ETag, a modification time and size) without
	// reading it; reference tables reload on a refresh only when it
	// changes.
	Version func(ctx context.Context, opts Options) (string, error)
	// AliasOf, when set, names the connector this registration is another
	// name for (see Alias).
	AliasOf string
}

// Alias returns f registered under another name, such as Flink's name for
// the same connector: the same options and functions, with AliasOf set
// and a Doc that says so.
func (f Factory) Alias(name string) Factory {
	f.Doc = "alias of " + f.Name + " (Flink's name)"
	f.Name, f.AliasOf = name, f.Name
	return f
}
