package function

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sources"
)

// TestContractJSON pins the event's exact JSON for JSON and CSV rows.
func TestContractJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		want   string
	}{
		{name: "json rows", format: "json",
			// {"ID":1,"NAME":"a,\"b\""} and {"ID":2,"NAME":null}
			want: `{"invocationId":"ID","applicationArn":"arn:test","records":[` +
				`{"recordId":"1","lambdaDeliveryRecordMetadata":{"retryHint":0},"data":"eyJJRCI6MSwiTkFNRSI6ImEsXCJiXCIifQ=="},` +
				`{"recordId":"2","lambdaDeliveryRecordMetadata":{"retryHint":0},"data":"eyJJRCI6MiwiTkFNRSI6bnVsbH0="}]}`},
		{name: "csv rows", format: "csv",
			// 1,"a,""b""" and 2,
			want: `{"invocationId":"ID","applicationArn":"arn:test","records":[` +
				`{"recordId":"1","lambdaDeliveryRecordMetadata":{"retryHint":0},"data":"MSwiYSwiImIiIiI="},` +
				`{"recordId":"2","lambdaDeliveryRecordMetadata":{"retryHint":0},"data":"Miw="}]}`},
	}
	uuid := regexp.MustCompile(`"invocationId":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			log := &eventLog{}
			srv := httpFunction(t, log)
			opts, err := sources.Validate(map[string]string{"url": srv.URL + "/ok", "format": tc.format, "application_arn": "arn:test"}, optionSpecs(), false)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			s, err := Open(ctx, sinks.Env{Stream: "OUT", Schema: testSchema}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Write(ctx, testBatch(t, mem, testSchema, `[{"ID":1,"NAME":"a,\"b\""},{"ID":2}]`)); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			evs := log.all()
			if len(evs) != 1 {
				t.Fatalf("%d events", len(evs))
			}
			if !uuid.Match(evs[0]) {
				t.Fatalf("invocationId is not a UUID: %s", evs[0])
			}
			got := uuid.ReplaceAllString(string(evs[0]), `"invocationId":"ID"`)
			if got != tc.want {
				t.Fatalf("event\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestSplitAtPayloadLimit sends 1 MiB rows: no event exceeds 6 MiB and
// every row arrives once.
func TestSplitAtPayloadLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rows  int
		size  int
		limit int
	}{
		{name: "13 rows of 1 MiB under the 6 MiB limit", rows: 13, size: 1 << 20, limit: MaxPayload},
		{name: "a row larger than the limit is rejected", rows: 1, size: 7 << 20, limit: MaxPayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var sizes []int
			seen := map[string]int{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw := readAll(r)
				var ev sentEvent
				if err := json.Unmarshal(raw, &ev); err != nil {
					http.Error(w, err.Error(), 400)
					return
				}
				mu.Lock()
				sizes = append(sizes, len(raw))
				resp := map[string]any{}
				var recs []map[string]string
				for _, rec := range ev.Records {
					seen[rec.RecordID]++
					recs = append(recs, map[string]string{"recordId": rec.RecordID, "result": "Ok"})
				}
				mu.Unlock()
				resp["records"] = recs
				json.NewEncoder(w).Encode(resp)
			}))
			defer srv.Close()
			inv, _ := NewInvoker(context.Background(), Target{URL: srv.URL})
			c := NewCaller(inv, KDAOutput{}, CallerConfig{MaxPayload: tc.limit, Concurrency: 2})
			recs := make([]Record, tc.rows)
			for i := range recs {
				recs[i] = Record{ID: string(rune('a' + i)), Data: make([]byte, tc.size)}
			}
			outs, err := c.Call(context.Background(), recs)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range sizes {
				if n > tc.limit {
					t.Errorf("event of %d bytes exceeds %d", n, tc.limit)
				}
			}
			for i, o := range outs {
				if tc.size > tc.limit {
					if !errors.Is(o.Err, ErrTooLarge) {
						t.Errorf("record %d: %v, want ErrTooLarge", i, o.Err)
					}
					continue
				}
				if o.Err != nil || seen[recs[i].ID] != 1 {
					t.Errorf("record %d: err %v, seen %d times", i, o.Err, seen[recs[i].ID])
				}
			}
			if tc.size <= tc.limit && len(sizes) < 3 {
				t.Errorf("%d events, want at least 3", len(sizes))
			}
		})
	}
}

// slowCounter is an invoker that answers Ok after a delay, counting the
// invocations in flight and logging the records in arrival order.
type slowCounter struct {
	delay   func(ev sentEvent) time.Duration
	now     atomic.Int64
	max     atomic.Int64
	mu      sync.Mutex
	arrived []string // record data in the order the function took them
}

func (s *slowCounter) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	n := s.now.Add(1)
	defer s.now.Add(-1)
	for {
		m := s.max.Load()
		if n <= m || s.max.CompareAndSwap(m, n) {
			break
		}
	}
	var ev sentEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	s.mu.Lock()
	for _, r := range ev.Records {
		s.arrived = append(s.arrived, string(r.Data))
	}
	s.mu.Unlock()
	select {
	case <-time.After(s.delay(ev)):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var resp struct {
		Records []Reply `json:"records"`
	}
	out := []map[string]string{}
	for _, r := range ev.Records {
		out = append(out, map[string]string{"recordId": r.RecordID, "result": "Ok"})
	}
	_ = resp
	return json.Marshal(map[string]any{"records": out})
}

// TestConcurrencyBound checks that no more than Concurrency invocations
// run at once, and that they do overlap up to it.
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, conc := range []int{1, 3} {
		t.Run("concurrency "+string(rune('0'+conc)), func(t *testing.T) {
			t.Parallel()
			inv := &slowCounter{delay: func(sentEvent) time.Duration { return 20 * time.Millisecond }}
			c := NewCaller(inv, KDAOutput{}, CallerConfig{MaxPayload: 2048, Concurrency: conc})
			recs := make([]Record, 40)
			for i := range recs {
				recs[i] = Record{ID: string(rune('A' + i)), Data: make([]byte, 500)}
			}
			if _, err := c.Call(context.Background(), recs); err != nil {
				t.Fatal(err)
			}
			if got := inv.max.Load(); got != int64(conc) {
				t.Fatalf("max in flight %d, want %d", got, conc)
			}
		})
	}
}

// TestOrderPerKey checks that a key's rows reach the function in the
// order written, across invocations and with uneven delays.
func TestOrderPerKey(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "K", Type: arrow.BinaryTypes.String}, {Name: "SEQ", Type: arrow.PrimitiveTypes.Int64}}, nil)
	inv := &slowCounter{delay: func(ev sentEvent) time.Duration { return time.Duration(len(ev.Records)%5) * time.Millisecond }}
	ctx := context.Background()
	s, err := New(ctx, sinks.Env{Stream: "OUT", Schema: schema}, Config{
		Invoker: inv, Key: []string{"k"}, BatchInterval: time.Nanosecond,
		Caller: CallerConfig{Concurrency: 4, MaxPayload: 1024},
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"a", "b", "c", "d", "e", "f", "g"}
	for w := range 20 {
		rows := "["
		for i := range 30 {
			if i > 0 {
				rows += ","
			}
			seq := w*30 + i
			rows += `{"K":"` + keys[(seq*7+w)%len(keys)] + `","SEQ":` + itoa(seq) + `}`
		}
		if err := s.Write(ctx, testBatch(t, mem, schema, rows+"]")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	last := map[string]int{}
	n := 0
	for _, d := range inv.arrived {
		var row struct {
			K   string
			SEQ int
		}
		if err := json.Unmarshal([]byte(d), &row); err != nil {
			t.Fatal(err)
		}
		if prev, ok := last[row.K]; ok && row.SEQ <= prev {
			t.Fatalf("key %s: %d arrived after %d", row.K, row.SEQ, prev)
		}
		last[row.K] = row.SEQ
		n++
	}
	if n != 600 {
		t.Fatalf("%d rows arrived, want 600", n)
	}
	if inv.max.Load() < 2 {
		t.Errorf("keys were never delivered in parallel (max in flight %d)", inv.max.Load())
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestBatchInterval: rows written within the interval go in one
// invocation when the clock passes it; rows after a quiet interval (a
// window emission) go at once.
func TestBatchInterval(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	clock := newFakeClock()
	inv := &slowCounter{delay: func(sentEvent) time.Duration { return 0 }}
	ctx := context.Background()
	s, err := New(ctx, sinks.Env{Stream: "OUT", Schema: testSchema}, Config{Invoker: inv, Clock: clock, BatchInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	arrived := func() int {
		inv.mu.Lock()
		defer inv.mu.Unlock()
		return len(inv.arrived)
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	write := func(rows string) {
		t.Helper()
		if err := s.Write(ctx, testBatch(t, mem, testSchema, rows)); err != nil {
			t.Fatal(err)
		}
	}
	write(`[{"ID":1}]`) // the first emission goes at once
	waitFor("first invocation", func() bool { return arrived() == 1 })
	write(`[{"ID":2}]`)
	write(`[{"ID":3}]`)
	waitFor("the interval timer", func() bool { return clock.Waiters() == 1 })
	time.Sleep(20 * time.Millisecond)
	if arrived() != 1 {
		t.Fatalf("rows sent before the interval passed")
	}
	clock.Advance(time.Second)
	waitFor("second invocation", func() bool { return arrived() == 3 })
	clock.Advance(5 * time.Second)
	write(`[{"ID":4}]`) // after a quiet interval: at once
	waitFor("third invocation", func() bool { return arrived() == 4 })
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.(StatsReporter).Stats(); got.Invocations != 3 || got.Records != 4 {
		t.Fatalf("stats %+v, want 3 invocations of 4 records", got)
	}
}

// TestNoRejectIsAnError: without Env.Reject, undelivered records make
// Flush fail with ErrUndelivered instead of vanishing.
func TestNoRejectIsAnError(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	log := &eventLog{}
	srv := httpFunction(t, log)
	ctx := context.Background()
	s, err := New(ctx, sinks.Env{Stream: "OUT", Schema: testSchema}, Config{
		Target: Target{URL: srv.URL + "/error"}, Format: encode.CSV, Caller: CallerConfig{MaxRetries: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, testBatch(t, mem, testSchema, `[{"ID":1}]`)); err != nil {
		t.Fatal(err)
	}
	if err := s.(sinks.Flusher).Flush(ctx); !errors.Is(err, ErrUndelivered) || !errors.Is(err, ErrInvoke) {
		t.Fatalf("flush: %v, want ErrUndelivered wrapping ErrInvoke", err)
	}
	if err := s.Close(ctx); !errors.Is(err, ErrUndelivered) {
		t.Fatalf("close: %v", err)
	}
	if err := s.Write(ctx, testBatch(t, mem, testSchema, `[{"ID":1}]`)); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}
