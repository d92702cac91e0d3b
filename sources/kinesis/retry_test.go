package kinesis

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// flakyServer is a loopback HTTP server speaking the Kinesis API for one
// shard holding two records: it throttles GetRecords several times, then
// lets the first iterator expire, and checks that the source asks for a
// new iterator after the record it already has.
type flakyServer struct {
	mu        sync.Mutex
	throttles int
	expired   bool
	iterators []string // iterator types and sequence numbers asked for
}

func (f *flakyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	var in map[string]any
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &in)
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(typ string) {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": "test"})
	}
	record := func(seq, data string) map[string]any {
		return map[string]any{"SequenceNumber": seq, "PartitionKey": "AAA", "Data": []byte(data), "ApproximateArrivalTimestamp": 1714557600.5}
	}
	switch op {
	case "ListShards":
		json.NewEncoder(w).Encode(map[string]any{"Shards": []map[string]any{{
			"ShardId": "shardId-000000000000", "HashKeyRange": map[string]string{"StartingHashKey": "0", "EndingHashKey": "1"},
			"SequenceNumberRange": map[string]string{"StartingSequenceNumber": "1", "EndingSequenceNumber": "9"},
		}}})
	case "GetShardIterator":
		typ, _ := in["ShardIteratorType"].(string)
		seq, _ := in["StartingSequenceNumber"].(string)
		f.iterators = append(f.iterators, strings.TrimSpace(typ+" "+seq))
		it := "first"
		if seq != "" {
			it = "after-" + seq
		}
		json.NewEncoder(w).Encode(map[string]string{"ShardIterator": it})
	case "GetRecords":
		it, _ := in["ShardIterator"].(string)
		switch {
		case f.throttles < 5:
			f.throttles++
			fail("ProvisionedThroughputExceededException")
		case it == "first":
			json.NewEncoder(w).Encode(map[string]any{"Records": []any{record("1", `{"TICKER_SYMBOL":"AAA","SEQ":0}`)}, "NextShardIterator": "second", "MillisBehindLatest": 0})
		case it == "second" && !f.expired:
			f.expired = true
			fail("ExpiredIteratorException")
		case it == "after-1":
			json.NewEncoder(w).Encode(map[string]any{"Records": []any{record("2", `{"TICKER_SYMBOL":"AAA","SEQ":1}`)}, "MillisBehindLatest": 0})
		default:
			fail("InvalidArgumentException")
		}
	default:
		fail("UnknownOperationException")
	}
}

func TestSourceRetriesThrottlingAndExpiredIterators(t *testing.T) {
	t.Parallel()
	fs := &flakyServer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: fs}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	f := newFixture(t, nil)
	env := f.envFor()
	src, err := New(t.Context(), env, map[string]string{
		"stream": "flaky", "endpoint": "http://" + ln.Addr().String(), "region": "us-east-1",
		"access_key_id": "a", "secret_access_key": "b", "start": "trim_horizon", "stop_at_end": "true", "poll_interval": "10ms",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rows := readUntil(t, src, toEOF)
	if len(rows) != 2 || rows[0].Seq != 0 || rows[1].Seq != 1 {
		t.Fatalf("rows %+v, want SEQ 0 and 1", rows)
	}
	if want := time.Date(2024, 5, 1, 10, 0, 0, 500e6, time.UTC).UnixMilli(); rows[0].Arrival != want {
		t.Errorf("arrival %d, want the record's %d", rows[0].Arrival, want)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if want := []string{"TRIM_HORIZON", "AFTER_SEQUENCE_NUMBER 1"}; strings.Join(fs.iterators, ",") != strings.Join(want, ",") {
		t.Errorf("iterators asked for %q, want %q", fs.iterators, want)
	}
	if fs.throttles != 5 {
		t.Errorf("%d throttled calls, want 5", fs.throttles)
	}
}
