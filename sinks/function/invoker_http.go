package function

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// httpInvoker POSTs the event to a URL.
type httpInvoker struct {
	url     string
	client  *http.Client
	timeout time.Duration
}

func newHTTPInvoker(u string, timeout time.Duration) (Invoker, error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return nil, fmt.Errorf("function: url %q: want http:// or https:// with a host", u)
	}
	return &httpInvoker{url: u, client: &http.Client{}, timeout: timeout}, nil
}

// Invoke POSTs payload as JSON; any status but 2xx fails the invocation.
func (h *httpInvoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvoke, h.url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvoke, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: read response: %w", ErrInvoke, h.url, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%w: %s: status %s: %s", ErrInvoke, h.url, resp.Status, snippet(body))
	}
	return body, nil
}
