package serve

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultMaxBody is the largest request body the server reads.
const DefaultMaxBody = 1 << 20

// HandlerOptions configure the HTTP handler.
type HandlerOptions struct {
	// Token, when set, is required on every request: as a bearer token
	// (Authorization: Bearer TOKEN), or, for AWS clients, as the access key
	// id of a Signature Version 4 Authorization header.
	Token string
	// MaxBody is the largest request body (DefaultMaxBody when 0).
	MaxBody int64
	// Logger receives a line per request; nil discards them.
	Logger *slog.Logger
}

// Handler returns the server's HTTP handler: the KDA API at / (POST with
// X-Amz-Target), Eddy's API under /v1/applications (with /v1/discover and
// /v1/connectors), /metrics, /healthz and /readyz.
func Handler(m *Manager, opts HandlerOptions) http.Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(m), collectors.NewGoCollector())
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	a := &api{m: m}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if opts.Token != "" && !authorized(r, opts.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="eddy"`)
			http.Error(w, "unauthorized: a token is required (Authorization: Bearer TOKEN)", http.StatusUnauthorized)
			log.Info("request refused", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "status", http.StatusUnauthorized)
			return
		}
		switch {
		case r.URL.Path == "/healthz":
			io.WriteString(w, "ok\n")
			return
		case r.URL.Path == "/readyz":
			if !m.Ready() {
				http.Error(w, "resuming applications", http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "ready\n")
			return
		case r.URL.Path == "/metrics":
			metrics.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, opts.MaxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, fmt.Sprintf("request body larger than %d bytes", opts.MaxBody), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		switch {
		case strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix) && r.Method == http.MethodPost:
			a.serveKDA(w, r, body)
		case r.URL.Path == "/v1/applications" || strings.HasPrefix(r.URL.Path, "/v1/applications/"):
			a.serveEddy(w, r, body)
		case r.URL.Path == "/v1/discover" || r.URL.Path == "/v1/connectors":
			a.serveDiscover(w, r, body)
		default:
			http.NotFound(w, r)
		}
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "target", r.Header.Get("X-Amz-Target"), "took", time.Since(start))
	})
}

// authorized tells whether r carries token: as a bearer token, or as the
// access key id of an AWS Signature Version 4 header
// (Credential=TOKEN/DATE/REGION/SERVICE/aws4_request).
func authorized(r *http.Request, token string) bool {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(t)), []byte(token)) == 1
	}
	if rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 "); ok {
		for _, part := range strings.Split(rest, ",") {
			cred, ok := strings.CutPrefix(strings.TrimSpace(part), "Credential=")
			if !ok {
				continue
			}
			segs := strings.Split(cred, "/")
			if len(segs) < 5 {
				return false
			}
			key := strings.Join(segs[:len(segs)-4], "/")
			return subtle.ConstantTimeCompare([]byte(key), []byte(token)) == 1
		}
	}
	return false
}

// CheckListen refuses to listen on an address other than loopback without
// a token.
func CheckListen(addr string, haveToken bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("serve: --listen %q: %w", addr, err)
	}
	if haveToken || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("serve: --listen %s is not a loopback address: give --token-file so that every request is authenticated", addr)
}
