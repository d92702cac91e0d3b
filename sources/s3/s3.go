// Package s3 is the source connector of S3 objects (reference tables): it
// reads one object, JSON lines or CSV, to its end. Version reports the
// object's ETag, so a table with a refresh period reloads only when the
// object changed.
//
// Not yet: several objects under a prefix, compressed objects.
package s3

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

func init() {
	sources.Register(sources.Factory{
		Name:    "s3",
		Doc:     "one S3 object, JSON lines or CSV, read to its end (reference tables)",
		Target:  "url",
		Options: Options(),
		Open: func(ctx context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
			return Open(ctx, env, opts)
		},
		Version: Version,
	})
}

// Options returns the options of the s3 connector, beyond sources.Common.
func Options() []sources.OptionSpec {
	return append([]sources.OptionSpec{
		{Name: "url", Required: true, Doc: "the object: s3://bucket/key"},
		{Name: "region", Doc: "the bucket's region (default: from the AWS configuration)"},
		{Name: "endpoint", Doc: "overrides the S3 service URL (then path-style addressing)"},
		{Name: "anonymous", Kind: sources.KindBool, Default: "false", Doc: "send unsigned requests (public objects, local S3 servers)"},
		{Name: "batch_size", Kind: sources.KindInt, Default: "8192", Doc: "rows per batch at most"},
		{Name: "arrival", Doc: "a declared TIMESTAMP column whose value becomes APPROXIMATE_ARRIVAL_TIME"},
	}, codec.Options()...)
}

// object is where an object is and the client to reach it.
type object struct {
	client      *s3.Client
	bucket, key string
}

func locate(ctx context.Context, raw sources.Options) (*object, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	u, err := url.Parse(opts.String("url"))
	if err != nil || u.Scheme != "s3" || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("s3: url %q: want s3://bucket/key", opts.String("url"))
	}
	var lo []func(*config.LoadOptions) error
	if r := opts.String("region"); r != "" {
		lo = append(lo, config.WithRegion(r))
	}
	if opts.Bool("anonymous") {
		lo = append(lo, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	endpoint := opts.String("endpoint")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
	return &object{client: client, bucket: u.Host, key: strings.TrimPrefix(u.Path, "/")}, nil
}

// Open reads the object named by option url.
func Open(ctx context.Context, env sources.Env, raw sources.Options) (sources.Source, error) {
	obj, err := locate(ctx, raw)
	if err != nil {
		return nil, err
	}
	opts, _ := sources.Validate(raw, Options(), true)
	out, err := obj.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(obj.bucket), Key: aws.String(obj.key)})
	if err != nil {
		return nil, fmt.Errorf("s3: get s3://%s/%s: %w", obj.bucket, obj.key, err)
	}
	src, err := codec.NewReaderSource(env, opts, "s3://"+obj.bucket+"/"+obj.key, out.Body, int(opts.Int("batch_size")))
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	return src, nil
}

// Version returns the object's ETag.
func Version(ctx context.Context, raw sources.Options) (string, error) {
	obj, err := locate(ctx, raw)
	if err != nil {
		return "", err
	}
	out, err := obj.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(obj.bucket), Key: aws.String(obj.key)})
	if err != nil {
		return "", fmt.Errorf("s3: head s3://%s/%s: %w", obj.bucket, obj.key, err)
	}
	return aws.ToString(out.ETag), nil
}
