package function

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"
)

// Record is one record handed to a function.
type Record struct {
	// ID is the record's recordId, unique within one Call.
	ID string
	// Key orders records: records with the same non-empty key reach the
	// function in order, one invocation at a time.
	Key string
	// Data is the record's bytes (sent base64-encoded).
	Data []byte
	// Arrival is when the record arrived, for contracts that carry it.
	Arrival time.Time
}

// Reply is a function's answer for one record.
type Reply struct {
	ID     string
	Result string // Ok, DeliveryFailed, Dropped, ProcessingFailed…
	Data   []byte // the transformed data, for contracts that return it
}

// Protocol is an event/response contract (KDA's output delivery, Firehose's
// data transformation). Implementations are safe for concurrent use.
type Protocol interface {
	// Event appends to dst the event carrying recs; attempt is 0 on the
	// first try and grows with each retry of a record.
	Event(dst []byte, invocationID string, recs []Record, attempt int) []byte
	// RecordSize is an upper bound of the bytes rec adds to an event.
	RecordSize(rec Record) int
	// Replies reads a response body.
	Replies(body []byte) ([]Reply, error)
	// Retry tells whether a record answered with result is sent again.
	Retry(result string) bool
}

// Outcome is what became of one record of a Call.
type Outcome struct {
	// Reply is the function's last answer for the record (Result "" when
	// it never answered for it).
	Reply Reply
	// Attempts counts the invocations that carried the record.
	Attempts int
	// Err is nil when the function accepted the record (gave a final
	// answer); else it wraps ErrGaveUp or ErrTooLarge with the reason.
	Err error
}

// Errors of records a Call could not hand over.
var (
	// ErrGaveUp: the retries ran out (max_retries or retry_duration).
	ErrGaveUp = errors.New("function: gave up after retries")
	// ErrTooLarge: the record alone exceeds the payload limit.
	ErrTooLarge = errors.New("function: record exceeds the payload limit")
)

// MaxPayload is Lambda's limit of a synchronous invocation's payload.
const MaxPayload = 6 << 20

// CallerConfig sets a Caller's limits. Zero fields take the defaults.
type CallerConfig struct {
	// MaxPayload bounds one event's size; default MaxPayload (6 MiB).
	MaxPayload int
	// Concurrency bounds the invocations in flight; default 1.
	Concurrency int
	// MaxRetries bounds the retries of a record; default 3. Negative means
	// no retry.
	MaxRetries int
	// RetryDuration bounds the time spent retrying a record; default 60s.
	RetryDuration time.Duration
	// Backoff is the first wait before a retry, doubled each time up to
	// MaxBackoff; defaults 100ms and 10s.
	Backoff, MaxBackoff time.Duration
	// Clock drives the backoff; default the system clock.
	Clock Clock
}

// Caller invokes a function with records under a Protocol: it splits the
// records into events under the payload limit, bounds the invocations in
// flight, keeps order per key, and retries failed invocations and records
// with exponential backoff. It is safe for concurrent use.
type Caller struct {
	inv   Invoker
	proto Protocol
	cfg   CallerConfig
	sem   chan struct{}
}

// NewCaller returns a Caller of inv speaking proto.
func NewCaller(inv Invoker, proto Protocol, cfg CallerConfig) *Caller {
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = MaxPayload
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryDuration <= 0 {
		cfg.RetryDuration = time.Minute
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock(nil)
	}
	return &Caller{inv: inv, proto: proto, cfg: cfg, sem: make(chan struct{}, cfg.Concurrency)}
}

// eventOverhead bounds the bytes of an event beyond its records.
const eventOverhead = 512

// Call hands recs to the function and returns one Outcome per record, in
// the order of recs. Records without a key are split into events sent in
// parallel; records with keys go to Concurrency lanes by key hash, each
// lane sending its events one after the other. Call returns an error only
// when ctx ends (the outcomes are then incomplete).
func (c *Caller) Call(ctx context.Context, recs []Record) ([]Outcome, error) {
	out := make([]Outcome, len(recs))
	var lanes [][]int
	keyed := false
	for i := range recs {
		if recs[i].Key != "" {
			keyed = true
			break
		}
	}
	if keyed {
		lanes = make([][]int, c.cfg.Concurrency)
		for i := range recs {
			h := fnv.New32a()
			h.Write([]byte(recs[i].Key))
			l := int(h.Sum32() % uint32(len(lanes)))
			lanes[l] = append(lanes[l], i)
		}
	} else {
		all := make([]int, len(recs))
		for i := range all {
			all[i] = i
		}
		for _, ch := range c.chunks(recs, all, out) {
			lanes = append(lanes, ch)
		}
	}
	var wg sync.WaitGroup
	for _, lane := range lanes {
		if len(lane) == 0 {
			continue
		}
		wg.Go(func() {
			for _, ch := range c.chunks(recs, lane, out) {
				if ctx.Err() != nil {
					return
				}
				c.deliver(ctx, recs, ch, out)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("function: call: %w", err)
	}
	return out, nil
}

// chunks splits idx into runs whose events fit the payload limit; a record
// that cannot fit alone gets ErrTooLarge in out and is left out.
func (c *Caller) chunks(recs []Record, idx []int, out []Outcome) [][]int {
	var res [][]int
	var cur []int
	size := eventOverhead
	for _, i := range idx {
		n := c.proto.RecordSize(recs[i])
		if n+eventOverhead > c.cfg.MaxPayload {
			out[i].Err = fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, n+eventOverhead, c.cfg.MaxPayload)
			continue
		}
		if size+n > c.cfg.MaxPayload && len(cur) > 0 {
			res = append(res, cur)
			cur, size = nil, eventOverhead
		}
		cur = append(cur, i)
		size += n
	}
	if len(cur) > 0 {
		res = append(res, cur)
	}
	return res
}

// deliver sends the records idx (which fit one event) and retries the
// invocation or the records it did not accept until the limits.
func (c *Caller) deliver(ctx context.Context, recs []Record, idx []int, out []Outcome) {
	start := c.cfg.Clock.Now()
	backoff := c.cfg.Backoff
	pending := idx
	batch := make([]Record, 0, len(idx))
	for attempt := 0; ; attempt++ {
		batch = batch[:0]
		for _, i := range pending {
			batch = append(batch, recs[i])
			out[i].Attempts++
		}
		replies, err := c.invoke(ctx, batch, attempt)
		if ctx.Err() != nil {
			return
		}
		var retry []int
		var reason error
		if err != nil {
			retry, reason = pending, err
		} else {
			byID := make(map[string]Reply, len(replies))
			for _, r := range replies {
				byID[r.ID] = r
			}
			for _, i := range pending {
				r, ok := byID[recs[i].ID]
				switch {
				case !ok:
					retry = append(retry, i)
					reason = fmt.Errorf("record %s missing from the response", recs[i].ID)
				case c.proto.Retry(r.Result):
					out[i].Reply = r
					retry = append(retry, i)
					reason = fmt.Errorf("function answered %s", r.Result)
				default:
					out[i].Reply = r
				}
			}
		}
		if len(retry) == 0 {
			return
		}
		if attempt >= c.cfg.MaxRetries || c.cfg.Clock.Now().Sub(start) >= c.cfg.RetryDuration {
			for _, i := range retry {
				out[i].Err = fmt.Errorf("%w (%d attempts): %w", ErrGaveUp, out[i].Attempts, reason)
			}
			return
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return
		case <-c.cfg.Clock.After(wait):
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
		pending = retry
	}
}

// invoke makes one invocation within the concurrency bound.
func (c *Caller) invoke(ctx context.Context, batch []Record, attempt int) ([]Reply, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	payload := c.proto.Event(make([]byte, 0, eventOverhead+len(batch)*64), newInvocationID(), batch, attempt)
	body, err := c.inv.Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	replies, err := c.proto.Replies(body)
	if err != nil {
		return nil, fmt.Errorf("%w: bad response: %w", ErrInvoke, err)
	}
	return replies, nil
}

// newInvocationID returns a random UUID (version 4) text.
func newInvocationID() string {
	var b [16]byte
	cryptoRead(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func cryptoRead(b []byte) { _, _ = crand.Read(b) }
