package firehose

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/function"
)

var testAWS = aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}

// s3Server starts gofakes3 in-process on loopback with bucket "b".
func s3Server(t *testing.T) (*httptest.Server, *s3.Client) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	client := s3.NewFromConfig(testAWS, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
	})
	return srv, client
}

func s3Keys(t *testing.T, c *s3.Client) []string {
	t.Helper()
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("b")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func s3Get(t *testing.T, c *s3.Client, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return b
}

// TestS3 delivers to gofakes3: naming with default and custom prefixes,
// gzip, and exactly-once staging.
func TestS3(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		raw     map[string]string
		key     string
		gz      bool
		exactly bool
	}{
		{name: "default time prefix", raw: map[string]string{"destination": "s3://b/out"},
			key: `^out/2024/05/01/10/OUT-2024-05-01-10-00-00-[0-9a-f-]{36}$`},
		{name: "custom timestamp prefix and gzip", raw: map[string]string{"destination": "s3://b", "prefix": "dt=!{timestamp:yyyy-MM-dd}/h=!{timestamp:HH}/", "compression": "gzip", "name": "ds"},
			key: `^dt=2024-05-01/h=10/ds-2024-05-01-10-00-00-[0-9a-f-]{36}\.gz$`, gz: true},
		{name: "exactly once", raw: map[string]string{"destination": "s3://b/x", "exactly_once": "true"},
			key: `^x/2024/05/01/10/OUT-2024-05-01-10-00-00-[0-9a-f-]{36}$`, exactly: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			srv, client := s3Server(t)
			tc.raw["endpoint"] = srv.URL
			clock := newFakeClock()
			s := open(t, sinks.Env{}, tc.raw, func(c *Config) { c.Clock, c.AWS = clock, &testAWS })
			ctx := context.Background()
			if err := s.Write(ctx, testBatch(t, mem, first)); err != nil {
				t.Fatal(err)
			}
			if err := s.Write(ctx, testBatch(t, mem, second)); err != nil {
				t.Fatal(err)
			}
			if tc.exactly {
				if err := s.(sinks.Committer).Prepare(ctx, 1); err != nil {
					t.Fatal(err)
				}
				for _, k := range s3Keys(t, client) {
					if !strings.Contains(k, ".eddy-staging/") {
						t.Fatalf("visible before commit: %s", k)
					}
				}
				if err := s.(sinks.Committer).Commit(ctx, 1); err != nil {
					t.Fatal(err)
				}
			} else if err := s.(sinks.Flusher).Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			keys := s3Keys(t, client)
			if len(keys) != 1 || !regexp.MustCompile(tc.key).MatchString(keys[0]) {
				t.Fatalf("keys %v, want one matching %s", keys, tc.key)
			}
			data := s3Get(t, client, keys[0])
			if tc.gz {
				data = gunzip(t, data)
			}
			if got := strings.TrimSuffix(string(data), "\n"); got != strings.Join(wantRows, "\n") {
				t.Fatalf("object %q", got)
			}
		})
	}
}

// receiver is an HTTP endpoint speaking Firehose's delivery contract; it
// fails the first failN requests with a 500.
type receiver struct {
	mu      sync.Mutex
	failN   int
	calls   int
	records []string
	keys    []string
	gzipped bool
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.keys = append(r.keys, req.Header.Get("X-Amz-Firehose-Access-Key"))
	if r.calls <= r.failN {
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		r.gzipped = true
		raw, _ := io.ReadAll(req.Body)
		body = strings.NewReader(string(gunzipBytes(raw)))
	}
	var in struct {
		RequestID string `json:"requestId"`
		Timestamp int64  `json:"timestamp"`
		Records   []struct {
			Data []byte `json:"data"`
		} `json:"records"`
	}
	if err := json.NewDecoder(body).Decode(&in); err != nil || in.RequestID != req.Header.Get("X-Amz-Firehose-Request-Id") || in.Timestamp == 0 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	for _, rec := range in.Records {
		r.records = append(r.records, string(rec.Data))
	}
	json.NewEncoder(w).Encode(map[string]any{"requestId": in.RequestID, "timestamp": time.Now().UnixMilli()})
}

func gunzipBytes(b []byte) []byte {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(r)
	return out
}

// TestHTTPEndpoint: retries after the receiver fails twice; error output
// (a directory, or the error stream) on permanent failure.
func TestHTTPEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		failN       int
		errDir      bool
		comp        string
		delivered   int
		errorOutput int
		rejected    int
	}{
		{name: "delivered after two failures", failN: 2, delivered: 3},
		{name: "gzip body", failN: 0, comp: "gzip", delivered: 3},
		{name: "permanent failure goes to the error output", failN: 1 << 30, errDir: true, errorOutput: 3},
		{name: "permanent failure without error output goes to the error stream", failN: 1 << 30, rejected: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rcv := &receiver{failN: tc.failN}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			raw := map[string]string{"destination": srv.URL, "access_key": "k3y", "retry_backoff": "1ms", "retry_duration": "300ms"}
			if tc.comp != "" {
				raw["compression"] = tc.comp
			}
			dir := t.TempDir()
			if tc.errDir {
				raw["error_destination"] = "file://" + dir
			}
			rj := &rejects{}
			s := open(t, sinks.Env{Reject: rj.reject}, raw, nil)
			ctx := context.Background()
			for _, rows := range []string{first, second} {
				if err := s.Write(ctx, testBatch(t, mem, rows)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.(sinks.Flusher).Flush(ctx); err != nil {
				t.Fatal(err)
			}
			m := s.(MetricsReporter).Metrics()
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			if len(rcv.records) != tc.delivered || m.Records != int64(tc.delivered) {
				t.Fatalf("receiver got %d records, metrics %+v; want %d", len(rcv.records), m, tc.delivered)
			}
			for i, r := range rcv.records {
				if r != wantRows[i]+"\n" {
					t.Errorf("record %d = %q", i, r)
				}
			}
			if tc.failN == 2 && (m.Failures != 2 || rcv.calls != 3) {
				t.Errorf("failures %d, calls %d; want 2 and 3", m.Failures, rcv.calls)
			}
			if tc.comp == "gzip" && !rcv.gzipped {
				t.Error("body was not gzipped")
			}
			for _, k := range rcv.keys {
				if k != "k3y" {
					t.Errorf("access key header %q", k)
				}
			}
			if got := len(rj.get()); got != tc.rejected {
				t.Errorf("%d rows on the error stream, want %d", got, tc.rejected)
			}
			errFiles := files(t, dir)
			var lines []string
			for _, f := range errFiles {
				if !strings.HasPrefix(f, "delivery-failed/2") {
					t.Errorf("error object %s is not under delivery-failed/YYYY/", f)
				}
				data, _ := os.ReadFile(filepath.Join(dir, f))
				lines = append(lines, strings.Split(strings.TrimSpace(string(data)), "\n")...)
			}
			if len(lines) != tc.errorOutput {
				t.Fatalf("%d error records, want %d", len(lines), tc.errorOutput)
			}
			for i, l := range lines {
				var rec struct {
					AttemptsMade int    `json:"attemptsMade"`
					ErrorCode    string `json:"errorCode"`
					ErrorMessage string `json:"errorMessage"`
					RawData      []byte `json:"rawData"`
				}
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatal(err)
				}
				if rec.AttemptsMade < 2 || rec.ErrorCode != "DeliveryFailed" || !strings.Contains(rec.ErrorMessage, "500") || string(rec.RawData) != wantRows[i]+"\n" {
					t.Errorf("error record %d: %+v", i, rec)
				}
			}
		})
	}
}

// transformFunction is an HTTP transform function written with
// aws-lambda-go's Firehose types: rows with NAME "drop" are Dropped,
// "bad" ProcessingFailed, others upper-cased Ok.
func transformFunction(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev events.KinesisFirehoseEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.InvocationID == "" {
			http.Error(w, "bad event", 400)
			return
		}
		var resp events.KinesisFirehoseResponse
		for _, rec := range ev.Records {
			out := events.KinesisFirehoseResponseRecord{RecordID: rec.RecordID, Result: events.KinesisFirehoseTransformedStateOk}
			switch {
			case rec.ApproximateArrivalTimestamp.IsZero():
				out.Result = events.KinesisFirehoseTransformedStateProcessingFailed
			case strings.Contains(string(rec.Data), `"drop"`):
				out.Result = events.KinesisFirehoseTransformedStateDropped
			case strings.Contains(string(rec.Data), `"bad"`):
				out.Result = events.KinesisFirehoseTransformedStateProcessingFailed
			default:
				out.Data = []byte(strings.ToUpper(string(rec.Data)))
			}
			resp.Records = append(resp.Records, out)
		}
		json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestTransform: Ok records are delivered transformed, Dropped ones
// counted, ProcessingFailed ones written under processing-failed/.
func TestTransform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rows  string
		want  string
		ok    int64
		drop  int64
		fails int
	}{
		{name: "ok dropped and failed", rows: `[{"ID":1,"NAME":"x"},{"ID":2,"NAME":"drop"},{"ID":3,"NAME":"bad"},{"ID":4}]`,
			want: "{\"ID\":1,\"NAME\":\"X\",\"TS\":NULL}\n{\"ID\":4,\"NAME\":NULL,\"TS\":NULL}\n", ok: 2, drop: 1, fails: 1},
		{name: "all dropped writes no object", rows: `[{"ID":2,"NAME":"drop"}]`, drop: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			fn := transformFunction(t)
			dir := t.TempDir()
			s := open(t, sinks.Env{}, map[string]string{"destination": "file://" + dir}, func(c *Config) {
				c.Transform = &function.Target{URL: fn.URL}
			})
			ctx := context.Background()
			if err := s.Write(ctx, testBatch(t, mem, tc.rows)); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			m := s.(MetricsReporter).Metrics()
			if m.TransformOk != tc.ok || m.TransformDropped != tc.drop || m.TransformFailed != int64(tc.fails) {
				t.Fatalf("metrics %+v", m)
			}
			var objects, failed []string
			for _, f := range files(t, dir) {
				if strings.HasPrefix(f, ErrorTypeProcessing+"/") {
					failed = append(failed, f)
				} else {
					objects = append(objects, f)
				}
			}
			if tc.want == "" {
				if len(objects) != 0 {
					t.Fatalf("objects %v", objects)
				}
			} else {
				if len(objects) != 1 {
					t.Fatalf("objects %v", objects)
				}
				data, _ := os.ReadFile(filepath.Join(dir, objects[0]))
				if string(data) != tc.want {
					t.Fatalf("object %q, want %q", data, tc.want)
				}
			}
			if len(failed) != min(tc.fails, 1) {
				t.Fatalf("error objects %v", failed)
			}
			if tc.fails > 0 {
				data, _ := os.ReadFile(filepath.Join(dir, failed[0]))
				var rec struct {
					ErrorCode string `json:"errorCode"`
					RawData   string `json:"rawData"`
				}
				json.Unmarshal(data, &rec)
				raw, _ := base64.StdEncoding.DecodeString(rec.RawData)
				if rec.ErrorCode != "Lambda.ProcessingFailed" || !strings.Contains(string(raw), `"bad"`) {
					t.Fatalf("error record %s", data)
				}
			}
		})
	}
}
