package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// functionServer is a loopback HTTP function under KDA's Lambda output
// contract that records the data of every record it accepts. Each
// request sleeps delay first; fail, when it returns a status, fails the
// request with it.
type functionServer struct {
	*httptest.Server
	mu       sync.Mutex
	records  []string
	requests int
	delay    time.Duration
	fail     func() int
}

func newFunctionServer(t *testing.T, delay time.Duration, fail func() int) *functionServer {
	t.Helper()
	f := &functionServer{delay: delay, fail: fail}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *functionServer) serve(w http.ResponseWriter, r *http.Request) {
	time.Sleep(f.delay)
	if f.fail != nil {
		if code := f.fail(); code != 0 {
			http.Error(w, "injected failure", code)
			return
		}
	}
	var ev events.KinesisAnalyticsOutputDeliveryEvent
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	resp := events.KinesisAnalyticsOutputDeliveryResponse{Records: []events.KinesisAnalyticsOutputDeliveryResponseRecord{}}
	f.mu.Lock()
	f.requests++
	for _, rec := range ev.Records {
		f.records = append(f.records, string(rec.Data))
		resp.Records = append(resp.Records, events.KinesisAnalyticsOutputDeliveryResponseRecord{RecordID: rec.RecordID, Result: events.KinesisAnalyticsOutputDeliveryOK})
	}
	f.mu.Unlock()
	json.NewEncoder(w).Encode(resp)
}

// received returns the records accepted so far.
func (f *functionServer) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.records...)
}

// TestFaultSlowDestination feeds an unpaced, unbounded generator (millions
// of rows a second) into a function destination that takes 30ms a
// request: the bounded queues hold the source back, so resident memory
// stays under a bound; SIGTERM stops the run within a few seconds with
// exit 0; and the rows delivered are the source's rows without a gap (the
// Nexmark person ids are consecutive).
func TestFaultSlowDestination(t *testing.T) {
	t.Parallel()
	// The function sink holds 4 payloads (24 MiB) of records pending and
	// one such batch in flight; this run stays near 310 MiB resident, and
	// went past 500 MiB before the sink counted each record's own memory.
	const rssBound = faultRSSLimit
	fn := newFunctionServer(t, 30*time.Millisecond, nil)
	app := writeFile(t, t.TempDir(), "app.sql", `
CREATE STREAM person (id BIGINT, name VARCHAR(32))
  WITH (connector = 'generator', kind = 'nexmark', table = 'person', rate = '0', batch_size = '100');
CREATE STREAM ids (id BIGINT);
CREATE PUMP p AS INSERT INTO ids SELECT STREAM id FROM person;
`)
	c := startEddy(t, nil, "run", app, "--output", "IDS=function:?url="+fn.URL+"&batch_interval=10ms&format=csv")
	time.Sleep(3 * time.Second)
	if c.exited() {
		t.Fatalf("the run ended by itself: %s", c.stderr.String())
	}
	c.term()
	start := time.Now()
	if code := c.wait(8 * time.Second); code != 143 {
		t.Fatalf("exit %d after SIGTERM: %s", code, c.stderr.String())
	}
	took := time.Since(start)
	if took > 5*time.Second {
		t.Errorf("SIGTERM took %s to stop the run, want a few seconds at most", took)
	}
	c.checkRSS(rssBound)
	got := fn.received()
	ids := make([]int, 0, len(got))
	for _, r := range got {
		n, err := strconv.Atoi(strings.TrimSpace(r))
		if err != nil {
			t.Fatalf("record %q is not an id", r)
		}
		ids = append(ids, n)
	}
	sort.Ints(ids)
	if len(ids) < 100 {
		t.Fatalf("only %d rows delivered in 3s", len(ids))
	}
	dups := 0
	for i := 1; i < len(ids); i++ {
		switch d := ids[i] - ids[i-1]; {
		case d == 0:
			dups++
		case d > 1:
			t.Fatalf("rows lost: ids %d to %d are missing (%d delivered)", ids[i-1]+1, ids[i]-1, len(ids))
		}
	}
	if ids[0] != 1000 {
		t.Errorf("the first delivered id is %d, want 1000 (the first person)", ids[0])
	}
	t.Logf("%d rows in %d requests (%d duplicates), at most %d MiB resident, stopped %s after SIGTERM",
		len(ids), fn.requests, dups, c.rss()>>20, took.Round(time.Millisecond))
}
