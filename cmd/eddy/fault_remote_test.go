package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// faultServer serves a handler on a fixed loopback port and can fail:
// answer every request with a 500, or go away (connection refused) and
// come back on the same port.
type faultServer struct {
	t       *testing.T
	handler http.Handler
	addr    string
	mu      sync.Mutex
	fail    bool
	failed  int // requests answered with an injected 500
	srv     *http.Server
}

func newFaultServer(t *testing.T, h http.Handler) *faultServer {
	t.Helper()
	f := &faultServer{t: t, handler: h}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	f.serve(l)
	t.Cleanup(f.down)
	return f
}

// URL is the server's base URL.
func (f *faultServer) URL() string { return "http://" + f.addr }

func (f *faultServer) serve(l net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fail := f.fail
		if fail {
			f.failed++
		}
		f.mu.Unlock()
		if fail {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected failure</Message></Error>`)
			return
		}
		f.handler.ServeHTTP(w, r)
	})}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go srv.Serve(l)
}

// failing makes every request fail with a 500, or not.
func (f *faultServer) failing(on bool) {
	f.mu.Lock()
	f.fail = on
	f.mu.Unlock()
}

// down closes the listener and every connection: connection refused.
func (f *faultServer) down() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// up listens again on the same port.
func (f *faultServer) up() {
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if l, err = net.Listen("tcp", f.addr); err == nil {
			f.serve(l)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatalf("listening again on %s: %v", f.addr, err)
}

// outage runs the faults of every case while a run goes on: 500s, then
// connection refused, each for about d, then recovery.
func (f *faultServer) outage(d time.Duration) {
	f.failing(true)
	time.Sleep(d)
	f.failing(false)
	f.down()
	time.Sleep(d)
	f.up()
}

// firehoseEndpoint is an HTTP endpoint under Firehose's HTTP delivery
// contract that records the data of every record.
type firehoseEndpoint struct {
	mu   sync.Mutex
	rows []string
}

func (e *firehoseEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RequestID string `json:"requestId"`
		Records   []struct {
			Data string `json:"data"`
		} `json:"records"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	for _, rec := range req.Records {
		data, _ := base64.StdEncoding.DecodeString(rec.Data)
		e.rows = append(e.rows, splitLines(data)...)
	}
	e.mu.Unlock()
	fmt.Fprintf(w, `{"requestId":%q,"timestamp":%d}`, req.RequestID, time.Now().UnixMilli())
}

func (e *firehoseEndpoint) received() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.rows...)
}

// TestFaultRemoteDestinationOutage runs with --state while a remote
// destination first answers 500s, then refuses connections, then recovers:
// every row is delivered, exactly once for a firehose to S3 (gofakes3
// behind the failing server) and at least once, without a gap, for a
// firehose to an HTTP endpoint and for an HTTP function.
func TestFaultRemoteDestinationOutage(t *testing.T) {
	t.Parallel()
	const count = 16000
	s3Env := []string{"AWS_ACCESS_KEY_ID=AKIDEDDYTEST", "AWS_SECRET_ACCESS_KEY=eddy-test-secret", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
	tests := []struct {
		name string
		// start returns the server to fail, the output binding and how to
		// read what was delivered.
		start       func(t *testing.T) (*faultServer, string, func() []string)
		exactlyOnce bool
	}{
		{name: "firehose to S3", exactlyOnce: true, start: func(t *testing.T) (*faultServer, string, func() []string) {
			backend := s3mem.New()
			if err := backend.CreateBucket("b"); err != nil {
				t.Fatal(err)
			}
			srv := newFaultServer(t, gofakes3.New(backend).Server())
			client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), UsePathStyle: true,
				Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
			read := func() []string {
				var rows []string
				ctx := context.Background()
				p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String("b")})
				for p.HasMorePages() {
					page, err := p.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					for _, o := range page.Contents {
						if strings.Contains(aws.ToString(o.Key), ".eddy-staging/") {
							continue
						}
						obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: o.Key})
						if err != nil {
							t.Fatal(err)
						}
						data, _ := io.ReadAll(obj.Body)
						obj.Body.Close()
						rows = append(rows, splitLines(data)...)
					}
				}
				return rows
			}
			return srv, "firehose:?destination=s3://b/out&endpoint=" + url.QueryEscape(srv.URL()) +
				"&region=us-east-1&buffer_interval=50ms&retry_backoff=50ms", read
		}},
		{name: "firehose to an HTTP endpoint", start: func(t *testing.T) (*faultServer, string, func() []string) {
			ep := &firehoseEndpoint{}
			srv := newFaultServer(t, ep)
			return srv, "firehose:?destination=" + url.QueryEscape(srv.URL()+"/ingest") + "&buffer_interval=50ms&retry_backoff=50ms", ep.received
		}},
		{name: "HTTP function", start: func(t *testing.T) (*faultServer, string, func() []string) {
			fn := &functionServer{}
			srv := newFaultServer(t, http.HandlerFunc(fn.serve))
			return srv, "function:?url=" + url.QueryEscape(srv.URL()+"/fn") + "&batch_interval=50ms&max_retries=100&retry_backoff=50ms", fn.received
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := bidsReference(t, count)
			srv, binding, read := tc.start(t)
			dir := t.TempDir()
			app := writeFile(t, dir, "app.sql", fmt.Sprintf(faultBidsApp, count, 8000))
			c := startEddy(t, s3Env, "run", app, "--state", dir+"/state", "--set", "checkpoint_interval=100ms",
				"--output", "TO_FILE=discard", "--output", "TO_OBJECTS="+binding)
			if !waitFor(10*time.Second, func() bool { return len(read()) > 0 || c.exited() }) || c.exited() {
				t.Fatalf("nothing delivered before the outage; stderr:\n%s", c.stderr.String())
			}
			srv.outage(500 * time.Millisecond)
			if code := c.wait(60 * time.Second); code != 0 {
				t.Fatalf("exit %d after the destination recovered; stderr:\n%s", code, c.stderr.String())
			}
			got := read()
			srv.mu.Lock()
			failed := srv.failed
			srv.mu.Unlock()
			if failed == 0 {
				t.Errorf("no request reached the destination while it failed: the outage tested nothing")
			}
			if tc.exactlyOnce {
				compareExactlyOnce(t, tc.name, got, want)
				return
			}
			if dups := compareAtLeastOnce(t, tc.name, got, want); dups > 0 {
				t.Logf("%d rows delivered more than once (at-least-once)", dups)
			}
		})
	}
}
