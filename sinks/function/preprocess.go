package function

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/eddy-sql/eddy/sources"
)

// The results of KDA's input preprocessing contract.
const (
	ResultDropped          = "Dropped"
	ResultProcessingFailed = "ProcessingFailed"
)

// ErrPreprocessReply is wrapped by the error of a record whose
// preprocessing reply was missing, malformed or had an unknown result.
var ErrPreprocessReply = errors.New("function: preprocess reply")

// PreprocessConfig configures a Preprocessor.
type PreprocessConfig struct {
	// ApplicationARN fills the events' applicationArn; default
	// DefaultApplicationARN.
	ApplicationARN string
	// MaxPayload bounds one event; bigger calls are split. Default 6 MiB,
	// Lambda's synchronous payload limit.
	MaxPayload int
	// MaxRetries bounds the retries of a failed invocation; default 3,
	// negative means none.
	MaxRetries int
	// Backoff is the first wait before a retry, doubled each time;
	// default 100ms.
	Backoff time.Duration
}

// Preprocessor runs KDA's input preprocessing contract (Lambda
// preprocessing of input records before decoding) through an Invoker: the
// event {invocationId, applicationArn, streamArn, records:[{recordId,
// kinesisStreamRecordMetadata:{sequenceNumber, partitionKey, shardId,
// approximateArrivalTimestamp}, data}]} with data base64, and the reply
// {records:[{recordId, result, data}]}, result Ok, Dropped or
// ProcessingFailed. Its Preprocess method is a sources.Env.Preprocess.
// It is safe for concurrent use.
type Preprocessor struct {
	inv     Invoker
	cfg     PreprocessConfig
	calls   atomic.Int64
	dropped atomic.Int64
}

// NewPreprocessor returns a preprocessor that calls inv.
func NewPreprocessor(inv Invoker, cfg PreprocessConfig) *Preprocessor {
	if cfg.ApplicationARN == "" {
		cfg.ApplicationARN = DefaultApplicationARN
	}
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = 6 << 20
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	return &Preprocessor{inv: inv, cfg: cfg}
}

// Dropped returns how many records the function dropped so far.
func (p *Preprocessor) Dropped() int64 { return p.dropped.Load() }

// Preprocess sends recs, read from shard partition of stream origin, to
// the function, in as many invocations as MaxPayload requires, and
// returns one result per record in order. A record the reply lacks, or
// every record of a reply that does not parse, fails with
// ErrPreprocessReply. An invocation that still fails after the retries is
// the error, wrapping ErrInvoke.
func (p *Preprocessor) Preprocess(ctx context.Context, origin, partition string, recs []sources.RawRecord) ([]sources.Preprocessed, error) {
	out := make([]sources.Preprocessed, 0, len(recs))
	for start := 0; start < len(recs); {
		size, end := 256+len(origin)+len(p.cfg.ApplicationARN), start
		for end < len(recs) {
			n := recordSize(partition, recs[end])
			if end > start && size+n > p.cfg.MaxPayload {
				break
			}
			size += n
			end++
		}
		res, err := p.call(ctx, origin, partition, recs[start:end])
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
		start = end
	}
	return out, nil
}

// recordSize bounds the bytes one record adds to the event.
func recordSize(partition string, r sources.RawRecord) int {
	return 256 + 2*(len(r.ID)+len(r.Position)+len(r.Key)+len(partition)) + base64.StdEncoding.EncodedLen(len(r.Data))
}

// call makes one invocation, retried, and reads its reply.
func (p *Preprocessor) call(ctx context.Context, origin, partition string, recs []sources.RawRecord) ([]sources.Preprocessed, error) {
	event := p.event(origin, partition, recs)
	var body []byte
	var err error
	backoff := p.cfg.Backoff
	for attempt := 0; ; attempt++ {
		if body, err = p.inv.Invoke(ctx, event); err == nil {
			break
		}
		if attempt >= p.cfg.MaxRetries || ctx.Err() != nil {
			return nil, fmt.Errorf("function: preprocess %s %s after %d attempts: %w", origin, partition, attempt+1, err)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		backoff *= 2
	}
	return p.replies(body, recs), nil
}

// event builds the preprocessing event of recs.
func (p *Preprocessor) event(origin, partition string, recs []sources.RawRecord) []byte {
	dst := []byte(`{"invocationId":`)
	dst = appendJSONString(dst, "eddy-preprocess-"+strconv.FormatInt(p.calls.Add(1), 10))
	dst = append(dst, `,"applicationArn":`...)
	dst = appendJSONString(dst, p.cfg.ApplicationARN)
	dst = append(dst, `,"streamArn":`...)
	dst = appendJSONString(dst, origin)
	dst = append(dst, `,"records":[`...)
	for i, r := range recs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"recordId":`...)
		dst = appendJSONString(dst, r.ID)
		dst = append(dst, `,"kinesisStreamRecordMetadata":{"sequenceNumber":`...)
		dst = appendJSONString(dst, r.Position)
		dst = append(dst, `,"partitionKey":`...)
		dst = appendJSONString(dst, r.Key)
		dst = append(dst, `,"shardId":`...)
		dst = appendJSONString(dst, partition)
		dst = append(dst, `,"approximateArrivalTimestamp":`...)
		dst = strconv.AppendInt(dst, r.Arrival.UnixMilli(), 10)
		dst = append(dst, `},"data":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Data)
		dst = append(dst, `"}`...)
	}
	return append(dst, "]}"...)
}

// replies matches the reply body to recs.
func (p *Preprocessor) replies(body []byte, recs []sources.RawRecord) []sources.Preprocessed {
	out := make([]sources.Preprocessed, len(recs))
	var resp struct {
		Records []struct {
			RecordID string `json:"recordId"`
			Result   string `json:"result"`
			Data     []byte `json:"data"` // base64
		} `json:"records"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		for i := range out {
			out[i] = sources.Preprocessed{Result: sources.PreprocessFailed, Err: fmt.Errorf("%w: does not parse: %w: %s", ErrPreprocessReply, err, snippet(body))}
		}
		return out
	}
	at := make(map[string]int, len(recs))
	for i, r := range recs {
		at[r.ID] = i
	}
	seen := make([]bool, len(recs))
	for _, r := range resp.Records {
		i, ok := at[r.RecordID]
		if !ok || seen[i] {
			continue
		}
		seen[i] = true
		switch r.Result {
		case ResultOk:
			out[i] = sources.Preprocessed{Result: sources.PreprocessOK, Data: r.Data}
		case ResultDropped:
			out[i] = sources.Preprocessed{Result: sources.PreprocessDropped}
			p.dropped.Add(1)
		case ResultProcessingFailed:
			out[i] = sources.Preprocessed{Result: sources.PreprocessFailed, Err: fmt.Errorf("function: preprocess: the function returned %s", ResultProcessingFailed)}
		default:
			out[i] = sources.Preprocessed{Result: sources.PreprocessFailed, Err: fmt.Errorf("%w: record %s: unknown result %q", ErrPreprocessReply, r.RecordID, r.Result)}
		}
	}
	for i := range out {
		if !seen[i] {
			out[i] = sources.Preprocessed{Result: sources.PreprocessFailed, Err: fmt.Errorf("%w: record %s is missing from the reply", ErrPreprocessReply, recs[i].ID)}
		}
	}
	return out
}
