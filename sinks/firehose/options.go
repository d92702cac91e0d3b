package firehose

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/function"
	"github.com/eddy-sql/eddy/sources"
)

func init() {
	sinks.Register(sinks.Factory{
		Name:    "firehose",
		Doc:     "a delivery stream: buffers rows and delivers them to a directory, S3, an HTTP endpoint or AWS Firehose",
		Target:  "destination",
		Options: optionSpecs(),
		Open:    Open,
	})
}

// optionSpecs declares the connector's options.
func optionSpecs() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "destination", Required: true, Doc: "file:///dir, s3://bucket/prefix, an http(s) URL or firehose://NAME"},
		{Name: "name", Doc: "the delivery stream name in object names; default: the stream's name"},
		{Name: "buffer_size", Kind: sources.KindSize, Default: "5MiB", Doc: "deliver when the buffer holds this many bytes"},
		{Name: "buffer_interval", Kind: sources.KindDuration, Default: "300s", Doc: "deliver when the oldest buffered row is this old"},
		{Name: "format", Default: "json", Doc: "json, csv or parquet (one file per buffer; file and S3 only)"},
		{Name: "compression", Default: "none", Doc: "none, gzip, snappy or zstd (http: none or gzip; firehose://: none)"},
		{Name: "prefix", Doc: "object key prefix, with !{timestamp:yyyy/MM/dd} expressions; YYYY/MM/DD/HH/ is added when it has none"},
		{Name: "error_output_prefix", Default: "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/", Doc: "key prefix of records that failed"},
		{Name: "error_destination", Doc: "file:///dir or s3://bucket/prefix for failed records; default: the destination for file and S3, else the error stream"},
		{Name: "region", Doc: "AWS region for S3, Firehose and Lambda"},
		{Name: "endpoint", Doc: "overrides the S3 or Firehose service URL (S3 then uses path-style addressing)"},
		{Name: "access_key", Doc: "sent as X-Amz-Firehose-Access-Key to an HTTP endpoint"},
		{Name: "retry_duration", Kind: sources.KindDuration, Default: "300s", Doc: "retry a failed delivery this long, then write it to the error output"},
		{Name: "retry_backoff", Kind: sources.KindDuration, Default: "1s", Doc: "first wait before a retry, doubled each time"},
		{Name: "transform", Doc: "a function binding (lambda:NAME, an ARN, an http(s) URL or command:PROGRAM) run over each buffer"},
		{Name: "transform_concurrency", Kind: sources.KindInt, Default: "1", Doc: "transform invocations in flight at most"},
		{Name: "exactly_once", Kind: sources.KindBool, Default: "false", Doc: "file and S3: stage objects and publish them when a checkpoint commits"},
	}
}

// Config configures a firehose sink.
type Config struct {
	// Destination is file:///dir, s3://bucket/prefix, an http(s) URL or
	// firehose://NAME.
	Destination string
	// Name is the delivery stream name; default env.Stream.
	Name string
	// BufferSize and BufferInterval trigger a delivery, whichever comes
	// first; defaults 5 MiB and 300s.
	BufferSize     int64
	BufferInterval time.Duration
	// Format is json (default), csv or parquet.
	Format string
	// Compression of text objects and HTTP bodies, or of Parquet pages.
	Compression Compression
	// Prefix and ErrorOutputPrefix are key prefixes with expressions.
	Prefix, ErrorOutputPrefix string
	// ErrorDestination is where failed records go (see the option).
	ErrorDestination string
	// Region and Endpoint configure the AWS clients; AWS, when set, is
	// used instead of loading the standard configuration.
	Region, Endpoint string
	AWS              *aws.Config
	// AccessKey is sent to HTTP endpoints.
	AccessKey string
	// RetryDuration and RetryBackoff govern delivery retries; defaults
	// 300s and 1s.
	RetryDuration, RetryBackoff time.Duration
	// Transform, when set, is run over each buffer; TransformInvoker
	// replaces the invoker built from it.
	Transform        *function.Target
	TransformInvoker function.Invoker
	// TransformCaller sets the transform's limits and retries.
	TransformCaller function.CallerConfig
	// ExactlyOnce stages objects until a checkpoint commits.
	ExactlyOnce bool
	// Clock drives buffer intervals, names and retries; default
	// function.SystemClock(env.Clock).
	Clock function.Clock
}

// Open opens a firehose sink from validated options; it is the
// connector's sinks.Factory Open.
func Open(ctx context.Context, env sinks.Env, opts sources.Options) (sinks.Sink, error) {
	comp, err := parseCompression(opts.String("compression"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", sources.ErrOption, err)
	}
	cfg := Config{
		Destination: opts.String("destination"), Name: opts.String("name"),
		BufferSize: opts.Size("buffer_size"), BufferInterval: opts.Duration("buffer_interval"),
		Format: opts.String("format"), Compression: comp,
		Prefix: opts.String("prefix"), ErrorOutputPrefix: opts.String("error_output_prefix"),
		ErrorDestination: opts.String("error_destination"),
		Region:           opts.String("region"), Endpoint: opts.String("endpoint"), AccessKey: opts.String("access_key"),
		RetryDuration: opts.Duration("retry_duration"), RetryBackoff: opts.Duration("retry_backoff"),
		ExactlyOnce:     opts.Bool("exactly_once"),
		TransformCaller: function.CallerConfig{Concurrency: int(opts.Int("transform_concurrency"))},
	}
	if t := opts.String("transform"); t != "" {
		target, err := function.ParseTarget(t)
		if err != nil {
			return nil, fmt.Errorf("firehose: transform: %w", err)
		}
		if target.Lambda != "" && target.Region == "" {
			target.Region = cfg.Region
		}
		cfg.Transform = &target
	}
	return New(ctx, env, cfg)
}

// destination is what a Destination URL opened to: an object store or a
// record destination.
type destination struct {
	store   store
	records recordDest
}

// openDestination opens a destination URL.
func openDestination(ctx context.Context, raw string, cfg Config, now func() time.Time) (destination, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return destination{}, fmt.Errorf("firehose: %w: destination %q: %w", sources.ErrOption, raw, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		s, err := newDirStore(u)
		return destination{store: s}, err
	case "s3":
		s, err := newS3Store(ctx, u, cfg.Region, cfg.Endpoint, cfg.AWS)
		return destination{store: s}, err
	case "http", "https":
		return destination{records: &httpDest{url: raw, accessKey: cfg.AccessKey, gzip: cfg.Compression == Gzip,
			client: &http.Client{Timeout: 2 * time.Minute}, now: now}}, nil
	case "firehose":
		name := u.Host + u.Path
		if name == "" {
			name = u.Opaque
		}
		d, err := newStreamDest(ctx, name, cfg.Region, cfg.Endpoint, cfg.AWS)
		return destination{records: d}, err
	}
	return destination{}, fmt.Errorf("firehose: %w: destination %q: use file:///dir, s3://bucket/prefix, http(s)://… or firehose://NAME", sources.ErrOption, raw)
}
