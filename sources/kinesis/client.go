package kinesis

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/eddy-sql/eddy/sources"
)

// ClientOptions lists the options that say how to reach the service; both
// the source and sinks/kinesis accept them.
func ClientOptions() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "stream", Required: true, Doc: "the Kinesis stream: its name or its ARN"},
		{Name: "region", Doc: "the AWS region; default: from the standard AWS configuration (AWS_REGION, ~/.aws/config)"},
		{Name: "endpoint", Doc: "the service URL, to reach a local server such as kinesalite (http://127.0.0.1:4567)"},
		{Name: "access_key_id", Doc: "a static access key; default: the standard AWS credential chain (environment, profile, SSO, instance role)"},
		{Name: "secret_access_key", Doc: "the secret of access_key_id"},
		{Name: "session_token", Doc: "the session token of temporary access_key_id credentials"},
		{Name: "profile", Doc: "the shared-configuration profile to load credentials and region from"},
	}
}

// NewClient returns an SDK client configured by opts (see ClientOptions):
// the standard AWS configuration chain, overridden by the options that are
// set. Throttling is retried by the callers with their own backoff, so the
// SDK's client-side retry quota is off.
func NewClient(ctx context.Context, opts sources.Options) (*kinesis.Client, error) {
	var load []func(*config.LoadOptions) error
	if r := opts.String("region"); r != "" {
		load = append(load, config.WithRegion(r))
	}
	if p := opts.String("profile"); p != "" {
		load = append(load, config.WithSharedConfigProfile(p))
	}
	key, secret := opts.String("access_key_id"), opts.String("secret_access_key")
	if (key == "") != (secret == "") {
		return nil, fmt.Errorf("kinesis: %w: access_key_id and secret_access_key go together", sources.ErrOption)
	}
	if key != "" {
		load = append(load, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, secret, opts.String("session_token"))))
	}
	load = append(load, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
	}))
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("kinesis: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("kinesis: %w: no region: set option region or AWS_REGION", sources.ErrOption)
	}
	endpoint := opts.String("endpoint")
	return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// StreamRef names a stream by name or ARN, as the SDK's inputs take it.
type StreamRef struct {
	Name string // set when the option was a name
	ARN  string // set when the option was an ARN
}

// ParseStream reads option stream: an ARN (arn:aws:kinesis:…:stream/NAME)
// or a name.
func ParseStream(s string) (StreamRef, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return StreamRef{}, fmt.Errorf("kinesis: %w: stream is empty", sources.ErrOption)
	case strings.HasPrefix(s, "arn:"):
		if i := strings.LastIndex(s, ":stream/"); i < 0 || i+len(":stream/") == len(s) {
			return StreamRef{}, fmt.Errorf("kinesis: %w: %q is not a Kinesis stream ARN", sources.ErrOption, s)
		}
		return StreamRef{ARN: s}, nil
	}
	return StreamRef{Name: s}, nil
}

// String returns the name, or the ARN.
func (r StreamRef) String() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ARN
}

// name returns the ARN's last part or the name, for file names.
func (r StreamRef) name() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ARN[strings.LastIndex(r.ARN, "/")+1:]
}

// NamePtr returns the value of an SDK input's StreamName: nil for an ARN.
func (r StreamRef) NamePtr() *string { return optional(r.Name) }

// ARNPtr returns the value of an SDK input's StreamARN: nil for a name.
func (r StreamRef) ARNPtr() *string { return optional(r.ARN) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
