package function

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "ID", Type: arrow.PrimitiveTypes.Int64},
	{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func testBatch(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// fnprogPath is the command function built by TestMain.
var fnprogPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fnprog")
	if err == nil {
		p := filepath.Join(dir, "fnprog")
		out, berr := exec.Command("go", "build", "-o", p, "./testdata/fnprog").CombinedOutput()
		if berr == nil {
			fnprogPath = p
		} else {
			fmt.Fprintf(os.Stderr, "building fnprog: %v\n%s", berr, out)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needFnprog skips (fails under CI) when the command function is missing.
func needFnprog(t *testing.T) {
	t.Helper()
	if fnprogPath != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("the command function could not be built")
	}
	t.Skip("the command function could not be built (go build failed)")
}

// answer is the scenario logic shared by the Lambda and HTTP servers (and
// mirrored by testdata/fnprog): it answers one event per mode. ok false
// means the invocation fails.
func answer(ctx context.Context, mode string, raw []byte) (resp events.KinesisAnalyticsOutputDeliveryResponse, ok bool) {
	var ev events.KinesisAnalyticsOutputDeliveryEvent
	var hints struct {
		Records []struct {
			Meta struct {
				RetryHint int `json:"retryHint"`
			} `json:"lambdaDeliveryRecordMetadata"`
		} `json:"records"`
	}
	if json.Unmarshal(raw, &ev) != nil || json.Unmarshal(raw, &hints) != nil {
		return resp, false
	}
	resp.Records = []events.KinesisAnalyticsOutputDeliveryResponseRecord{}
	for i, r := range ev.Records {
		res := events.KinesisAnalyticsOutputDeliveryOK
		id, _ := strconv.Atoi(r.RecordID)
		switch mode {
		case "error":
			return resp, false
		case "slow":
			select {
			case <-time.After(3 * time.Second):
			case <-ctx.Done():
				return resp, false
			}
		case "fail-odd-once":
			if id%2 == 1 && hints.Records[i].Meta.RetryHint == 0 {
				res = events.KinesisAnalyticsOutputDeliveryFailed
			}
		case "fail-two":
			if id == 2 {
				res = events.KinesisAnalyticsOutputDeliveryFailed
			}
		case "drop-three":
			if id == 3 {
				continue
			}
		}
		resp.Records = append(resp.Records, events.KinesisAnalyticsOutputDeliveryResponseRecord{RecordID: r.RecordID, Result: res})
	}
	return resp, true
}

// eventLog keeps the raw events a function received.
type eventLog struct {
	mu     sync.Mutex
	events [][]byte
}

func (l *eventLog) add(raw []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, append([]byte(nil), raw...))
}

func (l *eventLog) all() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.events...)
}

// lambdaServer implements Lambda's Invoke REST call on loopback; the
// function name is the scenario mode.
func lambdaServer(t testing.TB, log *eventLog) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		raw := readAll(r)
		log.add(raw)
		resp, ok := answer(r.Context(), r.PathValue("name"), raw)
		if !ok {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Write([]byte(`{"errorMessage":"boom","errorType":"Error"}`))
			return
		}
		json.NewEncoder(w).Encode(resp)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// httpFunction is a plain HTTP function on loopback; the path is the mode.
func httpFunction(t testing.TB, log *eventLog) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := readAll(r)
		log.add(raw)
		resp, ok := answer(r.Context(), strings.TrimPrefix(r.URL.Path, "/"), raw)
		if !ok {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func readAll(r *http.Request) []byte {
	var b strings.Builder
	sc := bufio.NewReader(r.Body)
	_, _ = sc.WriteTo(&b)
	return []byte(b.String())
}

// transport builds an invoker of one of the three kinds for mode, and a
// way to read the events it received.
type transport struct {
	name string
	make func(t *testing.T, mode string, timeout time.Duration) (Invoker, func() [][]byte)
}

var transports = []transport{
	{name: "lambda", make: func(t *testing.T, mode string, timeout time.Duration) (Invoker, func() [][]byte) {
		log := &eventLog{}
		srv := lambdaServer(t, log)
		cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
		return NewLambdaInvoker(cfg, mode, srv.URL, timeout), log.all
	}},
	{name: "http", make: func(t *testing.T, mode string, timeout time.Duration) (Invoker, func() [][]byte) {
		log := &eventLog{}
		srv := httpFunction(t, log)
		inv, err := NewInvoker(context.Background(), Target{URL: srv.URL + "/" + mode, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return inv, log.all
	}},
	{name: "command", make: func(t *testing.T, mode string, timeout time.Duration) (Invoker, func() [][]byte) {
		needFnprog(t)
		logPath := filepath.Join(t.TempDir(), "events.log")
		inv, err := NewInvoker(context.Background(), Target{Command: fnprogPath + " " + mode + " " + logPath, Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return inv, func() [][]byte {
			data, _ := os.ReadFile(logPath)
			var out [][]byte
			for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if l != "" {
					out = append(out, []byte(l))
				}
			}
			return out
		}
	}},
}

// rejects collects what a sink sends to the error stream.
type rejects struct {
	mu   sync.Mutex
	rows []string
	errs []error
}

func (r *rejects) reject(row string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, row)
	r.errs = append(r.errs, err)
}

func (r *rejects) get() ([]string, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.rows...), append([]error(nil), r.errs...)
}

// sentEvent is an event as the tests read it back.
type sentEvent struct {
	InvocationID   string `json:"invocationId"`
	ApplicationARN string `json:"applicationArn"`
	Records        []struct {
		RecordID string `json:"recordId"`
		Meta     struct {
			RetryHint int `json:"retryHint"`
		} `json:"lambdaDeliveryRecordMetadata"`
		Data []byte `json:"data"`
	} `json:"records"`
}

func decodeEvents(t *testing.T, raw [][]byte) []sentEvent {
	t.Helper()
	out := make([]sentEvent, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("event %d %q: %v", i, r, err)
		}
	}
	return out
}

// fakeClock is a Clock the test moves by hand.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
}

// Waiters counts the pending timers.
func (c *fakeClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}
