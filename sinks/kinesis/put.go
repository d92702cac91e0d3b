package kinesis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// sendCall sends the first pending entries that fit one PutRecords call
// and removes them once all are acknowledged.
func (s *sink) sendCall(ctx context.Context) error {
	n, size := 0, 0
	for n < len(s.pending) && n < MaxRecordsPerCall {
		e := s.pending[n]
		sz := len(e.Data) + len(aws.ToString(e.PartitionKey))
		if n > 0 && size+sz > MaxBytesPerCall {
			break
		}
		size += sz
		n++
	}
	if err := s.put(ctx, s.pending[:n]); err != nil {
		return err
	}
	s.pending = append(s.pending[:0], s.pending[n:]...)
	s.bytes -= size
	return nil
}

// put sends entries with PutRecords until every one is acknowledged:
// after a partial failure only the failed entries go again, after a
// backoff; a throttled call is retried whole. It gives up after
// max_attempts (when set) or when ctx is done.
func (s *sink) put(ctx context.Context, entries []types.PutRecordsRequestEntry) error {
	wait := s.backoff
	for attempt := 1; ; attempt++ {
		out, err := s.client.PutRecords(ctx, &kinesis.PutRecordsInput{
			StreamName: s.stream.NamePtr(), StreamARN: s.stream.ARNPtr(), Records: entries,
		})
		var codes map[string]int
		switch {
		case err == nil && aws.ToInt32(out.FailedRecordCount) == 0:
			return nil
		case err == nil:
			if len(out.Records) != len(entries) {
				return fmt.Errorf("kinesis: put records to %s: %d results for %d records", s.stream, len(out.Records), len(entries))
			}
			codes = map[string]int{}
			failed := entries[:0:0]
			for i, r := range out.Records {
				if r.ErrorCode != nil {
					failed = append(failed, entries[i])
					codes[aws.ToString(r.ErrorCode)]++
				}
			}
			entries = failed
		case ctx.Err() != nil:
			return fmt.Errorf("kinesis: put records to %s: %w", s.stream, ctx.Err())
		case !retryable(err):
			return fmt.Errorf("kinesis: put records to %s: %w", s.stream, err)
		}
		if s.attempts > 0 && attempt >= s.attempts {
			if err == nil {
				err = fmt.Errorf("error codes %s", codeText(codes))
			}
			return fmt.Errorf("%w: %d records to %s after %d attempts: %w", ErrDelivery, len(entries), s.stream, attempt, err)
		}
		d := wait/2 + rand.N(wait/2+1)
		wait = min(2*wait, 5*time.Second)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("kinesis: put records to %s: %d records not acknowledged: %w", s.stream, len(entries), ctx.Err())
		case <-t.C:
		}
	}
}

// retryable tells whether a failed call may be sent again: throttling
// and the service's internal failures.
func retryable(err error) bool {
	var pt *types.ProvisionedThroughputExceededException
	var kt *types.KMSThrottlingException
	var le *types.LimitExceededException
	var ie *types.InternalFailureException
	return errors.As(err, &pt) || errors.As(err, &kt) || errors.As(err, &le) || errors.As(err, &ie)
}

// codeText renders error codes and counts, sorted.
func codeText(codes map[string]int) string {
	parts := make([]string, 0, len(codes))
	for c, n := range codes {
		parts = append(parts, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
