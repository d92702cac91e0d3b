package kinesis

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// Options returns the options of the kinesis source, beyond
// sources.Common.
func Options() []sources.OptionSpec {
	own := []sources.OptionSpec{
		{Name: "start", Default: "latest", Doc: "where to start without a checkpoint: trim_horizon (the oldest record), latest (new records only) or an ISO 8601 timestamp"},
		{Name: "batch_size", Kind: sources.KindInt, Default: "8192", Doc: "rows per batch at most (the user records of one aggregated record stay together)"},
		{Name: "max_records", Kind: sources.KindInt, Default: "10000", Doc: "records per GetRecords call at most (1 to 10000)"},
		{Name: "poll_interval", Kind: sources.KindDuration, Default: "200ms", Doc: "wait after a GetRecords call that returned nothing; also how often an idle source returns an empty batch"},
		{Name: "discover_interval", Kind: sources.KindDuration, Default: "10s", Doc: "how often to list the shards to find new ones"},
		{Name: "max_skew", Kind: sources.KindDuration, Default: "1m", Doc: "watermark alignment: a shard whose newest ROWTIME is more than this ahead of the slowest shard that is neither idle nor done waits for it (its records stay unread); 0 disables"},
		{Name: "checkpoint_dir", Doc: "a directory where Commit stores the position, resumed from when the source opens without an engine checkpoint"},
		{Name: "preprocess", Doc: "KDA's input preprocessing: a function run on each GetRecords call's records before decoding (lambda:NAME, a Lambda ARN, an http(s) URL or command:PROGRAM), under KDA's preprocessing contract; the engine runs it (eddy wires it through sinks/function)"},
		{Name: "preprocess_region", Doc: "the AWS region of the preprocess Lambda function"},
		{Name: "preprocess_endpoint", Doc: "overrides the Lambda service URL for preprocess"},
		{Name: "preprocess_timeout", Kind: sources.KindDuration, Default: "30s", Doc: "bounds one preprocess invocation"},
		{Name: "stop_at_end", Kind: sources.KindBool, Default: "false", Doc: "end (io.EOF) once every shard has been read up to its newest record"},
	}
	return append(append(ClientOptions(), own...), codec.Options()...)
}

// startKind is where a shard without a checkpoint starts.
type startKind int

const (
	startTrimHorizon startKind = iota
	startLatest
	startTimestamp
)

// startSpec is the value of option start.
type startSpec struct {
	kind startKind
	at   time.Time
}

// parseStart reads option start.
func parseStart(s string) (startSpec, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "latest":
		return startSpec{kind: startLatest}, nil
	case "trim_horizon":
		return startSpec{kind: startTrimHorizon}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return startSpec{kind: startTimestamp, at: t}, nil
		}
	}
	return startSpec{}, fmt.Errorf("kinesis: %w: start = %q: use trim_horizon, latest or an ISO 8601 timestamp", sources.ErrOption, s)
}

// iteratorType returns the SDK's shard iterator type for the spec.
func (s startSpec) iteratorType() types.ShardIteratorType {
	switch s.kind {
	case startLatest:
		return types.ShardIteratorTypeLatest
	case startTimestamp:
		return types.ShardIteratorTypeAtTimestamp
	}
	return types.ShardIteratorTypeTrimHorizon
}
