package firehose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Store keeps objects in an S3 bucket under a prefix.
type s3Store struct {
	client *s3.Client
	bucket string
	prefix string
}

// newS3Store reads s3://bucket/prefix; endpoint, when set, overrides the
// service URL and turns on path-style addressing.
func newS3Store(ctx context.Context, u *url.URL, region, endpoint string, cfg *aws.Config) (*s3Store, error) {
	if u.Host == "" {
		return nil, fmt.Errorf("firehose: destination %s names no bucket", u)
	}
	var c aws.Config
	if cfg != nil {
		c = *cfg
	} else {
		var opts []func(*config.LoadOptions) error
		if region != "" {
			opts = append(opts, config.WithRegion(region))
		}
		var err error
		if c, err = config.LoadDefaultConfig(ctx, opts...); err != nil {
			return nil, fmt.Errorf("firehose: load aws config: %w", err)
		}
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	client := s3.NewFromConfig(c, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
		o.RetryMaxAttempts = 1
	})
	return &s3Store{client: client, bucket: u.Host, prefix: strings.Trim(u.Path, "/")}, nil
}

func (s *s3Store) String() string { return "s3://" + joinKey(s.bucket, s.prefix) }

func (s *s3Store) key(k string) string { return joinKey(s.prefix, k) }

// Put uploads the object in one PutObject: it appears whole.
func (s *s3Store) Put(ctx context.Context, key string, data []byte) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(s.key(key)), Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return fmt.Errorf("firehose: s3 put %s: %w", s.key(key), err)
	}
	return nil
}

func (s *s3Store) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, fmt.Errorf("%w: %s: %w", ErrNotFound, key, err)
		}
		return nil, fmt.Errorf("firehose: s3 get %s: %w", s.key(key), err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("firehose: s3 get %s: %w", s.key(key), err)
	}
	return b, nil
}

// Move uploads src again under dst (whole, like Put) and deletes src.
func (s *s3Store) Move(ctx context.Context, src, dst string) error {
	data, err := s.Get(ctx, src)
	if err != nil {
		return err
	}
	if err := s.Put(ctx, dst, data); err != nil {
		return err
	}
	return s.Delete(ctx, src)
}

func (s *s3Store) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	if err != nil {
		return fmt.Errorf("firehose: s3 delete %s: %w", s.key(key), err)
	}
	return nil
}

// List pages through ListObjectsV2 under prefix.
func (s *s3Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.key(prefix))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("firehose: s3 list %s: %w", s.key(prefix), err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if s.prefix != "" {
				k = strings.TrimPrefix(k, strings.TrimSuffix(s.prefix, "/")+"/")
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}
