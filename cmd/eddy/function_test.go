package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	_ "github.com/eddy-sql/eddy/sinks/function"
)

// TestRunWindowedAppToHTTPFunction runs a windowed KDA app delivering to
// an HTTP function under KDA's Lambda output contract.
func TestRunWindowedAppToHTTPFunction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		want   []string
	}{
		{name: "json rows", format: "json", want: []string{
			`{"SYM":"A","N":1}`, `{"SYM":"A","N":2}`, `{"SYM":"B","N":1}`}},
		{name: "csv rows", format: "csv", want: []string{"A,1", "A,2", "B,1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var got []string
			events_ := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var ev events.KinesisAnalyticsOutputDeliveryEvent
				if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.InvocationID == "" || ev.ApplicationARN == "" {
					http.Error(w, "bad event", http.StatusBadRequest)
					return
				}
				resp := events.KinesisAnalyticsOutputDeliveryResponse{Records: []events.KinesisAnalyticsOutputDeliveryResponseRecord{}}
				mu.Lock()
				events_++
				for _, rec := range ev.Records {
					got = append(got, string(rec.Data))
					resp.Records = append(resp.Records, events.KinesisAnalyticsOutputDeliveryResponseRecord{RecordID: rec.RecordID, Result: events.KinesisAnalyticsOutputDeliveryOK})
				}
				mu.Unlock()
				json.NewEncoder(w).Encode(resp)
			}))
			defer srv.Close()
			dir := t.TempDir()
			in := writeFile(t, dir, "ticks.jsonl", `{"sym":"A","ts":"2024-05-01T10:00:00Z"}
{"sym":"B","ts":"2024-05-01T10:00:03Z"}
{"sym":"A","ts":"2024-05-01T10:00:11Z"}
{"sym":"A","ts":"2024-05-01T10:00:12Z"}
`)
			app := writeFile(t, dir, "app.sql", `
CREATE STREAM "SRC" (sym VARCHAR(4), ts TIMESTAMP);
CREATE OR REPLACE STREAM "DEST" (sym VARCHAR(4), n BIGINT);
CREATE OR REPLACE PUMP p AS INSERT INTO "DEST"
  SELECT STREAM sym, COUNT(*) FROM "SRC" GROUP BY sym, STEP("SRC".ROWTIME BY INTERVAL '10' SECOND);`)
			var out, errb bytes.Buffer
			code := run([]string{"run", app,
				"--input", "SRC=file:" + in + "?rowtime=ts",
				"--output", "DEST=function:?url=" + srv.URL + "/fn&format=" + tc.format}, nil, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			mu.Lock()
			defer mu.Unlock()
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("function received %q, want %q", got, tc.want)
			}
			if events_ == 0 {
				t.Fatal("no invocation")
			}
		})
	}
}
