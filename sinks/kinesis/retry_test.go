package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
)

// putServer is a loopback HTTP server speaking PutRecords: it fails the
// records whose data holds a marker (all of them until failTimes calls
// have failed them) and records what each call carried.
type putServer struct {
	mu        sync.Mutex
	calls     [][]string // per call: the records' data
	failTimes int        // calls that fail the marked records
	failed    int
	stored    []string
}

func (p *putServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "Kinesis_20131202.PutRecords" {
		http.Error(w, "unexpected operation", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in struct {
		StreamName string
		Records    []struct {
			Data         []byte
			PartitionKey string
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var call []string
	type result struct {
		SequenceNumber string `json:",omitempty"`
		ShardId        string `json:",omitempty"`
		ErrorCode      string `json:",omitempty"`
		ErrorMessage   string `json:",omitempty"`
	}
	var out struct {
		FailedRecordCount int
		Records           []result
	}
	failNow := p.failed < p.failTimes
	for i, rec := range in.Records {
		call = append(call, string(rec.Data))
		if failNow && strings.Contains(string(rec.Data), "fail") {
			out.FailedRecordCount++
			out.Records = append(out.Records, result{ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "slow down"})
			continue
		}
		p.stored = append(p.stored, string(rec.Data))
		out.Records = append(out.Records, result{SequenceNumber: fmt.Sprint(len(p.stored) + i), ShardId: "shardId-000000000000"})
	}
	if failNow && out.FailedRecordCount > 0 {
		p.failed++
	}
	p.calls = append(p.calls, call)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

func startPutServer(t *testing.T, p *putServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func TestSinkRetriesOnlyFailedRecords(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		failTimes int
		attempts  string
		wantErr   error
		wantCalls int
	}{
		{"partial failure retried until delivered", 2, "0", nil, 3},
		{"gives up after max_attempts", 5, "2", ErrDelivery, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ps := &putServer{failTimes: tc.failTimes}
			endpoint := startPutServer(t, ps)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			snk, err := New(ctx, sinks.Env{Stream: "OUT", Schema: outSchema(), Alloc: mem}, map[string]string{
				"stream": "s", "endpoint": endpoint, "region": "us-east-1", "access_key_id": "a", "secret_access_key": "b",
				"max_attempts": tc.attempts, "retry_backoff": "10ms",
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := snk.Write(ctx, batchOf(t, mem, 0, 4, "ok")); err != nil {
				t.Fatal(err)
			}
			if err := snk.Write(ctx, batchOf(t, mem, 4, 2, "fail")); err != nil {
				t.Fatal(err)
			}
			err = snk.(sinks.Flusher).Flush(ctx)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Flush = %v, want %v", err, tc.wantErr)
			}
			ps.mu.Lock()
			defer ps.mu.Unlock()
			if len(ps.calls) != tc.wantCalls {
				t.Fatalf("%d calls, want %d: %q", len(ps.calls), tc.wantCalls, ps.calls)
			}
			if len(ps.calls[0]) != 6 {
				t.Errorf("first call carried %d records, want 6", len(ps.calls[0]))
			}
			for _, call := range ps.calls[1:] {
				if len(call) != 2 || !strings.Contains(call[0], `"N":4`) || !strings.Contains(call[1], `"N":5`) {
					t.Errorf("retry carried %q, want only rows 4 and 5 in order", call)
				}
			}
			if want := 6; tc.wantErr == nil && len(ps.stored) != want {
				t.Errorf("%d records stored, want %d", len(ps.stored), want)
			}
		})
	}
}
