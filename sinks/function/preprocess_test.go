package function

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/eddy-sql/eddy/sources"
)

// preEvent is KDA's input preprocessing event, as the developer guide
// documents it, written here apart from the code under test.
type preEvent struct {
	InvocationID   string `json:"invocationId"`
	ApplicationARN string `json:"applicationArn"`
	StreamARN      string `json:"streamArn"`
	Records        []struct {
		RecordID string `json:"recordId"`
		Meta     struct {
			SequenceNumber string `json:"sequenceNumber"`
			PartitionKey   string `json:"partitionKey"`
			ShardID        string `json:"shardId"`
			Arrival        int64  `json:"approximateArrivalTimestamp"`
		} `json:"kinesisStreamRecordMetadata"`
		Data []byte `json:"data"`
	} `json:"records"`
}

type preReply struct {
	Records []preReplyRecord `json:"records"`
}

type preReplyRecord struct {
	RecordID string `json:"recordId"`
	Result   string `json:"result"`
	Data     []byte `json:"data,omitempty"`
}

// preprocessLambda serves Lambda's Invoke on loopback with KDA's
// preprocessing contract. Function "verdicts" answers by the record's
// data (a decimal n): n%4 == 0 Ok with data "<n>!", 1 Dropped, 2
// ProcessingFailed, 3 left out of the reply. Function "garbage" answers
// with text that is not JSON, "broken" with a function error. Every event
// is checked against the contract and counted.
func preprocessLambda(t *testing.T) (url string, events func() []preEvent) {
	t.Helper()
	var mu sync.Mutex
	var got []preEvent
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		var ev preEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			t.Errorf("event: %v", err)
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		switch r.PathValue("name") {
		case "garbage":
			w.Write([]byte("not json"))
			return
		case "broken":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Write([]byte(`{"errorMessage":"boom"}`))
			return
		}
		var rep preReply
		for _, rec := range ev.Records {
			n, err := strconv.Atoi(string(rec.Data))
			if err != nil {
				t.Errorf("record data %q", rec.Data)
			}
			switch n % 4 {
			case 0:
				rep.Records = append(rep.Records, preReplyRecord{RecordID: rec.RecordID, Result: "Ok", Data: []byte(fmt.Sprint(n, "!"))})
			case 1:
				rep.Records = append(rep.Records, preReplyRecord{RecordID: rec.RecordID, Result: "Dropped"})
			case 2:
				rep.Records = append(rep.Records, preReplyRecord{RecordID: rec.RecordID, Result: "ProcessingFailed"})
			}
		}
		json.NewEncoder(w).Encode(rep)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, func() []preEvent {
		mu.Lock()
		defer mu.Unlock()
		return append([]preEvent(nil), got...)
	}
}

func rawRecords(n int, size int) []sources.RawRecord {
	out := make([]sources.RawRecord, n)
	at := time.UnixMilli(1_700_000_000_000)
	for i := range out {
		data := []byte(strconv.Itoa(i))
		if size > 0 { // pad with leading zeros: still the same number
			data = append(bytes.Repeat([]byte("0"), size), data...)
		}
		out[i] = sources.RawRecord{ID: strconv.Itoa(i), Position: fmt.Sprintf("4960%04d", i), Key: "k" + strconv.Itoa(i%3), Arrival: at.Add(time.Duration(i) * time.Millisecond), Data: data}
	}
	return out
}

func TestPreprocessorFollowsKDAContract(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		function   string
		n, pad     int
		maxPayload int
		wantCalls  int // at least
		wantErr    error
	}{
		{name: "verdicts in one invocation", function: "verdicts", n: 20, wantCalls: 1},
		{name: "a large call is split under max payload", function: "verdicts", n: 40, pad: 1000, maxPayload: 8000, wantCalls: 5},
		{name: "a reply that does not parse fails every record", function: "garbage", n: 5, wantCalls: 1},
		{name: "a failing invocation is an error after the retries", function: "broken", n: 3, wantCalls: 3, wantErr: ErrInvoke},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, events := preprocessLambda(t)
			cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
			p := NewPreprocessor(NewLambdaInvoker(cfg, tc.function, url, 5*time.Second), PreprocessConfig{
				ApplicationARN: "arn:app", MaxPayload: tc.maxPayload, MaxRetries: 2, Backoff: time.Millisecond,
			})
			recs := rawRecords(tc.n, tc.pad)
			out, err := p.Preprocess(context.Background(), "arn:stream", "shardId-000000000001", recs)
			evs := events()
			if len(evs) < tc.wantCalls {
				t.Fatalf("%d invocations, want at least %d", len(evs), tc.wantCalls)
			}
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || len(evs) != tc.wantCalls {
					t.Fatalf("err = %v after %d calls, want %v after %d", err, len(evs), tc.wantErr, tc.wantCalls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sent := 0
			for _, ev := range evs {
				if ev.ApplicationARN != "arn:app" || ev.StreamARN != "arn:stream" || ev.InvocationID == "" {
					t.Errorf("event header %+v", ev)
				}
				for _, r := range ev.Records {
					i, _ := strconv.Atoi(r.RecordID)
					want := recs[i]
					if r.Meta.ShardID != "shardId-000000000001" || r.Meta.SequenceNumber != want.Position || r.Meta.PartitionKey != want.Key || r.Meta.Arrival != want.Arrival.UnixMilli() || !bytes.Equal(r.Data, want.Data) {
						t.Errorf("record %+v, want %+v", r, want)
					}
					sent++
				}
			}
			if sent != tc.n {
				t.Errorf("%d records sent, want %d", sent, tc.n)
			}
			if len(out) != tc.n {
				t.Fatalf("%d results for %d records", len(out), tc.n)
			}
			dropped := 0
			for i, o := range out {
				if tc.function == "garbage" {
					if o.Result != sources.PreprocessFailed || !errors.Is(o.Err, ErrPreprocessReply) {
						t.Errorf("record %d: %+v", i, o)
					}
					continue
				}
				switch i % 4 {
				case 0:
					if o.Result != sources.PreprocessOK || string(o.Data) != fmt.Sprint(i, "!") {
						t.Errorf("record %d: %+v, want Ok %d!", i, o, i)
					}
				case 1:
					dropped++
					if o.Result != sources.PreprocessDropped {
						t.Errorf("record %d: %+v, want dropped", i, o)
					}
				case 2:
					if o.Result != sources.PreprocessFailed || o.Err == nil || errors.Is(o.Err, ErrPreprocessReply) {
						t.Errorf("record %d: %+v, want failed by the function", i, o)
					}
				case 3:
					if o.Result != sources.PreprocessFailed || !errors.Is(o.Err, ErrPreprocessReply) {
						t.Errorf("record %d: %+v, want failed as missing", i, o)
					}
				}
			}
			if p.Dropped() != int64(dropped) {
				t.Errorf("Dropped() = %d, want %d", p.Dropped(), dropped)
			}
		})
	}
}
