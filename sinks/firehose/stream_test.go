package firehose

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
)

// firehoseAPI implements PutRecordBatch (AWS JSON 1.1) on loopback; the
// first time it sees a record whose data holds "ID":2 it refuses it.
type firehoseAPI struct {
	mu      sync.Mutex
	calls   int
	sizes   []int
	stored  []string
	refused map[string]bool
}

func (f *firehoseAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "Firehose_20150804.PutRecordBatch" {
		http.Error(w, `{"__type":"UnknownOperationException"}`, 400)
		return
	}
	var in struct {
		DeliveryStreamName string
		Records            []struct{ Data []byte }
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.DeliveryStreamName != "ds" {
		http.Error(w, `{"__type":"ResourceNotFoundException"}`, 400)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.sizes = append(f.sizes, len(in.Records))
	type resp struct {
		RecordId     string `json:",omitempty"`
		ErrorCode    string `json:",omitempty"`
		ErrorMessage string `json:",omitempty"`
	}
	var out []resp
	failed := 0
	for i, rec := range in.Records {
		d := string(rec.Data)
		if json.Valid(rec.Data) && strings.Contains(d, `"ID":2,`) && !f.refused[d] {
			f.refused[d] = true
			out = append(out, resp{ErrorCode: "ServiceUnavailableException", ErrorMessage: "slow down"})
			failed++
			continue
		}
		f.stored = append(f.stored, d)
		out = append(out, resp{RecordId: fmt.Sprint(f.calls, "-", i)})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(map[string]any{"FailedPutCount": failed, "Encrypted": false, "RequestResponses": out})
}

// TestFirehoseStream: PutRecordBatch in slices of at most 500 records,
// retrying only the refused one.
func TestFirehoseStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rows  int
		calls []int // records per call
	}{
		{name: "one refused record is retried alone", rows: 3, calls: []int{3, 1}},
		{name: "more than 500 records are split", rows: 1200, calls: []int{500, 500, 200, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			api := &firehoseAPI{refused: map[string]bool{}}
			srv := httptest.NewServer(api)
			defer srv.Close()
			s := open(t, sinks.Env{}, map[string]string{"destination": "firehose://ds", "endpoint": srv.URL, "retry_backoff": "1ms"},
				func(c *Config) { c.AWS = &testAWS })
			rows := "["
			for i := 1; i <= tc.rows; i++ {
				if i > 1 {
					rows += ","
				}
				rows += fmt.Sprintf(`{"ID":%d}`, i)
			}
			ctx := context.Background()
			if err := s.Write(ctx, testBatch(t, mem, rows+"]")); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			if fmt.Sprint(api.sizes) != fmt.Sprint(tc.calls) || len(api.stored) != tc.rows {
				t.Fatalf("calls %v, stored %d; want %v, %d", api.sizes, len(api.stored), tc.calls, tc.rows)
			}
			if m := s.(MetricsReporter).Metrics(); m.Records != int64(tc.rows) || m.Failures != 1 {
				t.Fatalf("metrics %+v", m)
			}
		})
	}
}
