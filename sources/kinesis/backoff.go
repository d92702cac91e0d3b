package kinesis

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// backoff spaces out retries: exponential from min to max, with jitter.
type backoff struct {
	min, max time.Duration
	next     time.Duration
}

// wait sleeps for the next delay, or until ctx is done.
func (b *backoff) wait(ctx context.Context) error {
	if b.next < b.min {
		b.next = b.min
	}
	d := b.next/2 + rand.N(b.next/2+1)
	b.next = min(2*b.next, b.max)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// reset starts the delays over after a success.
func (b *backoff) reset() { b.next = 0 }

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// throttled tells whether err is the service asking to slow down, which
// is retried, never surfaced.
func throttled(err error) bool {
	var pt *types.ProvisionedThroughputExceededException
	var le *types.LimitExceededException
	var kt *types.KMSThrottlingException
	var ru *types.ResourceInUseException
	return errors.As(err, &pt) || errors.As(err, &le) || errors.As(err, &kt) || errors.As(err, &ru)
}

// expired tells whether err says a shard iterator has expired.
func expired(err error) bool {
	var ei *types.ExpiredIteratorException
	return errors.As(err, &ei)
}
