package kinesis

import (
	"github.com/eddy-sql/eddy/sources"
	source "github.com/eddy-sql/eddy/sources/kinesis"
)

// The service's limits.
const (
	// MaxRecordsPerCall is the most records one PutRecords call takes.
	MaxRecordsPerCall = 500
	// MaxBytesPerCall is the most data and partition keys one call takes.
	MaxBytesPerCall = 5 << 20
	// MaxRecordBytes is the most data and partition key one record holds.
	MaxRecordBytes = 1 << 20
	// MaxPartitionKey is the longest partition key, in characters.
	MaxPartitionKey = 256
)

// Options returns the options of the kinesis destination.
func Options() []sources.OptionSpec {
	return append(source.ClientOptions(),
		sources.OptionSpec{Name: "format", Default: "json", Doc: "record format: json or csv (one row per record)"},
		sources.OptionSpec{Name: "delimiter", Default: ",", Doc: "CSV field delimiter"},
		sources.OptionSpec{Name: "partition_key", Doc: "the column whose value is the partition key; default: a random key per record"},
		sources.OptionSpec{Name: "aggregate", Kind: sources.KindBool, Default: "false", Doc: "pack rows into KPL aggregated records"},
		sources.OptionSpec{Name: "aggregate_size", Kind: sources.KindSize, Default: "50KiB", Doc: "with aggregate, the largest aggregated record (at most 1MiB)"},
		sources.OptionSpec{Name: "max_attempts", Kind: sources.KindInt, Default: "0", Doc: "attempts per record before Write or Flush fails; 0 retries until the context is done"},
		sources.OptionSpec{Name: "retry_backoff", Kind: sources.KindDuration, Default: "100ms", Doc: "the first wait before retrying failed records; it doubles up to 5s"},
	)
}
