package firehose

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
)

// PutRecordBatch limits.
const (
	maxBatchRecords = 500
	maxBatchBytes   = 4 << 20
	maxRecordBytes  = 1000 << 10
)

// streamDest puts records into an AWS Firehose delivery stream.
type streamDest struct {
	client *firehose.Client
	name   string
}

func newStreamDest(ctx context.Context, name, region, endpoint string, cfg *aws.Config) (*streamDest, error) {
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
	client := firehose.NewFromConfig(c, func(o *firehose.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.RetryMaxAttempts = 1
	})
	return &streamDest{client: client, name: name}, nil
}

func (s *streamDest) String() string { return "firehose://" + s.name }

// Send calls PutRecordBatch in slices of at most 500 records and 4 MiB and
// returns the records it refused; a record over 1000 KiB fails alone.
func (s *streamDest) Send(ctx context.Context, recs [][]byte) ([]int, error) {
	var failed []int
	var lastErr error
	start := 0
	for start < len(recs) {
		end, size := start, 0
		var batch []types.Record
		var idx []int
		for end < len(recs) && len(batch) < maxBatchRecords && size+len(recs[end]) <= maxBatchBytes {
			if len(recs[end]) > maxRecordBytes {
				failed = append(failed, end)
				lastErr = fmt.Errorf("%w: record of %d bytes exceeds Firehose's %d", ErrDelivery, len(recs[end]), maxRecordBytes)
			} else {
				batch = append(batch, types.Record{Data: recs[end]})
				idx = append(idx, end)
				size += len(recs[end])
			}
			end++
		}
		start = end
		if len(batch) == 0 {
			continue
		}
		out, err := s.client.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(s.name), Records: batch})
		if err != nil {
			failed = append(failed, idx...)
			lastErr = fmt.Errorf("%w: %s: %w", ErrDelivery, s, err)
			continue
		}
		for i, r := range out.RequestResponses {
			if r.ErrorCode != nil && i < len(idx) {
				failed = append(failed, idx[i])
				lastErr = fmt.Errorf("%w: %s: %s: %s", ErrDelivery, s, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
			}
		}
	}
	if len(failed) > 0 {
		return failed, lastErr
	}
	return nil, nil
}
