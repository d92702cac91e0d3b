package function

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sources"
)

func init() {
	sinks.Register(sinks.Factory{
		Name:    "function",
		Doc:     "delivers rows to a function (AWS Lambda, an HTTP endpoint or a local command) under KDA's Lambda output contract",
		Target:  "url",
		Options: optionSpecs(),
		Open:    Open,
	})
}

// optionSpecs declares the connector's options.
func optionSpecs() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "lambda", Doc: "an AWS Lambda function name or ARN (one of lambda, url, command)"},
		{Name: "url", Doc: "an http(s) URL that receives the event as a JSON POST"},
		{Name: "command", Doc: "a local program and its arguments: event on stdin, response on stdout"},
		{Name: "region", Doc: "the AWS region of the Lambda function; default: the AWS configuration's"},
		{Name: "endpoint", Doc: "overrides the Lambda service URL"},
		{Name: "timeout", Kind: sources.KindDuration, Default: "30s", Doc: "bounds one invocation"},
		{Name: "format", Default: "json", Doc: "how a row is encoded in a record's data: json or csv"},
		{Name: "batch_interval", Kind: sources.KindDuration, Default: "1s", Doc: "at most one invocation per interval; rows written after a quiet interval (a window emission) go at once"},
		{Name: "concurrency", Kind: sources.KindInt, Default: "1", Doc: "invocations in flight at most"},
		{Name: "key", Doc: "comma-separated columns whose rows stay in order (one invocation at a time per key)"},
		{Name: "max_retries", Kind: sources.KindInt, Default: "3", Doc: "retries of a failed record before it goes to the error stream"},
		{Name: "retry_duration", Kind: sources.KindDuration, Default: "60s", Doc: "time spent retrying a record before it goes to the error stream"},
		{Name: "retry_backoff", Kind: sources.KindDuration, Default: "100ms", Doc: "first wait before a retry, doubled each time"},
		{Name: "max_payload", Kind: sources.KindSize, Default: "6MiB", Doc: "largest event; bigger batches are split"},
		{Name: "application_arn", Doc: "the applicationArn in events; default arn:aws:kinesisanalytics:local:000000000000:application/eddy"},
	}
}

// Config configures a function sink.
type Config struct {
	// Target is the function.
	Target Target
	// Invoker, when set, is used instead of one built from Target.
	Invoker Invoker
	// Format is encode.JSON (default) or encode.CSV.
	Format encode.Format
	// BatchInterval is the least time between invocations; default 1s.
	BatchInterval time.Duration
	// Key names the columns whose rows keep their order.
	Key []string
	// Caller sets limits, concurrency and retries.
	Caller CallerConfig
	// ApplicationARN fills the events' applicationArn.
	ApplicationARN string
	// Clock drives batching and backoff; default SystemClock(env.Clock).
	Clock Clock
}

// DefaultApplicationARN fills applicationArn when none is configured.
const DefaultApplicationARN = "arn:aws:kinesisanalytics:local:000000000000:application/eddy"

// Open opens a function sink from validated options; it is the
// connector's sinks.Factory Open.
func Open(ctx context.Context, env sinks.Env, opts sources.Options) (sinks.Sink, error) {
	format, err := encode.ParseFormat(opts.String("format"))
	if err != nil || format == encode.Table {
		return nil, fmt.Errorf("function: %w: format %q (use json or csv)", sources.ErrOption, opts.String("format"))
	}
	cfg := Config{
		Target: Target{
			Lambda: opts.String("lambda"), URL: opts.String("url"), Command: opts.String("command"),
			Region: opts.String("region"), Endpoint: opts.String("endpoint"), Timeout: opts.Duration("timeout"),
		},
		Format:        format,
		BatchInterval: opts.Duration("batch_interval"),
		Caller: CallerConfig{
			MaxPayload:    int(opts.Size("max_payload")),
			Concurrency:   int(opts.Int("concurrency")),
			MaxRetries:    int(opts.Int("max_retries")),
			RetryDuration: opts.Duration("retry_duration"),
			Backoff:       opts.Duration("retry_backoff"),
		},
		ApplicationARN: opts.String("application_arn"),
	}
	if cfg.Caller.MaxRetries == 0 {
		cfg.Caller.MaxRetries = -1 // max_retries = 0 means no retry
	}
	if k := opts.String("key"); k != "" {
		for _, c := range strings.Split(k, ",") {
			cfg.Key = append(cfg.Key, strings.TrimSpace(c))
		}
	}
	return New(ctx, env, cfg)
}
