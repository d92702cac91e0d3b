package firehose

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"
)

// ErrDelivery is wrapped by every failed delivery attempt.
var ErrDelivery = fmt.Errorf("firehose: delivery")

// recordDest delivers records to a record-oriented destination. Send
// returns the indexes of the records that failed (to retry only those),
// or an error when the whole request failed.
type recordDest interface {
	Send(ctx context.Context, recs [][]byte) (failed []int, err error)
	String() string
}

// httpDest implements Firehose's HTTP endpoint delivery contract: a POST
// of {requestId, timestamp, records:[{data}]}, success only on a 200 whose
// body echoes the requestId.
type httpDest struct {
	url       string
	accessKey string
	gzip      bool
	client    *http.Client
	now       func() time.Time
}

func (h *httpDest) String() string { return h.url }

// Send posts every record in one request; any failure fails them all.
func (h *httpDest) Send(ctx context.Context, recs [][]byte) ([]int, error) {
	id := uuid()
	var body bytes.Buffer
	body.WriteString(`{"requestId":"` + id + `","timestamp":`)
	body.WriteString(strconv.FormatInt(h.now().UnixMilli(), 10))
	body.WriteString(`,"records":[`)
	for i, r := range recs {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(`{"data":"`)
		enc := base64.NewEncoder(base64.StdEncoding, &body)
		enc.Write(r)
		enc.Close()
		body.WriteString(`"}`)
	}
	body.WriteString("]}")
	payload := body.Bytes()
	if h.gzip {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(payload)
		w.Close()
		payload = z.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDelivery, h.url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Firehose-Request-Id", id)
	if h.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if h.accessKey != "" {
		req.Header.Set("X-Amz-Firehose-Access-Key", h.accessKey)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDelivery, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: status %s: %.200s", ErrDelivery, h.url, resp.Status, raw)
	}
	var ack struct {
		RequestID string `json:"requestId"`
	}
	if err := json.Unmarshal(raw, &ack); err != nil || ack.RequestID != id {
		return nil, fmt.Errorf("%w: %s: the response does not echo requestId %s: %.200s", ErrDelivery, h.url, id, raw)
	}
	return nil, nil
}
