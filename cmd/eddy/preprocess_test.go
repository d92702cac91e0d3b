package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// upperLambda serves Lambda's Invoke on loopback under KDA's input
// preprocessing contract: a record whose JSON has "drop" is Dropped, one
// with "fail" ProcessingFailed, one with "lose" is left out of the reply,
// and the others come back upper-cased (keys and values). It counts its
// invocations.
func upperLambda(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var ev struct {
			StreamARN string `json:"streamArn"`
			Records   []struct {
				RecordID string `json:"recordId"`
				Meta     struct {
					ShardID string `json:"shardId"`
				} `json:"kinesisStreamRecordMetadata"`
				Data []byte `json:"data"`
			} `json:"records"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type rec struct {
			RecordID string `json:"recordId"`
			Result   string `json:"result"`
			Data     []byte `json:"data,omitempty"`
		}
		var out struct {
			Records []rec `json:"records"`
		}
		for _, x := range ev.Records {
			s := string(x.Data)
			switch {
			case strings.Contains(s, "drop"):
				out.Records = append(out.Records, rec{x.RecordID, "Dropped", nil})
			case strings.Contains(s, "fail"):
				out.Records = append(out.Records, rec{x.RecordID, "ProcessingFailed", nil})
			case strings.Contains(s, "lose"):
			default:
				out.Records = append(out.Records, rec{x.RecordID, "Ok", []byte(strings.ToUpper(s))})
			}
		}
		json.NewEncoder(w).Encode(out)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, &calls
}

// TestRunKinesisWithLambdaPreprocessor reads a Kinesis stream through a
// Lambda preprocessor (option preprocess): Ok records are decoded from
// the function's data, Dropped ones vanish, and ProcessingFailed ones and
// those missing from the reply reach the error stream with the shard and
// the sequence number.
func TestRunKinesisWithLambdaPreprocessor(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	if err := srv.CreateStream(ctx, "raw", 1); err != nil {
		t.Fatal(err)
	}
	var entries []types.PutRecordsRequestEntry
	for _, s := range []string{
		`{"sym":"aaa","note":"keep"}`, `{"sym":"bbb","note":"drop"}`, `{"sym":"ccc","note":"fail"}`,
		`{"sym":"ddd","note":"lose"}`, `{"sym":"eee","note":"keep"}`,
	} {
		entries = append(entries, types.PutRecordsRequestEntry{Data: []byte(s), PartitionKey: aws.String("k")})
	}
	put, err := srv.Client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("raw"), Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	lambdaURL, calls := upperLambda(t)
	dir := t.TempDir()
	errs := filepath.Join(dir, "errors.jsonl")
	out := filepath.Join(dir, "out.jsonl")
	in := url.Values{
		"endpoint": {srv.Endpoint}, "region": {kinesalite.Region},
		"access_key_id": {kinesalite.AccessKeyID}, "secret_access_key": {kinesalite.SecretAccessKey},
		"start": {"trim_horizon"}, "stop_at_end": {"true"}, "poll_interval": {"20ms"},
		"preprocess": {"lambda:upper"}, "preprocess_endpoint": {lambdaURL}, "preprocess_region": {"us-east-1"},
	}
	app := writeFile(t, dir, "app.sql", `
CREATE STREAM "SRC" (SYM VARCHAR(8), NOTE VARCHAR(8));
CREATE OR REPLACE STREAM "DEST" (SYM VARCHAR(8), NOTE VARCHAR(8));
CREATE OR REPLACE PUMP p AS INSERT INTO "DEST" SELECT STREAM SYM, NOTE FROM "SRC";`)
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", app,
		"--input", "SRC=kinesis:raw?" + in.Encode(),
		"--output", "DEST=file:" + out + "?format=json",
		"--output", "error_stream=file:" + errs + "?format=json",
	}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(data)), "\n")
	sort.Strings(rows)
	if want := []string{`{"SYM":"AAA","NOTE":"KEEP"}`, `{"SYM":"EEE","NOTE":"KEEP"}`}; strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if calls.Load() == 0 {
		t.Error("the preprocessor was never invoked")
	}
	data, err = os.ReadFile(errs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{} // data row → position
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e struct {
			Name      string `json:"ERROR_NAME"`
			Row       string `json:"DATA_ROW"`
			Partition string `json:"SOURCE_PARTITION"`
			Position  string `json:"SOURCE_POSITION"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if e.Name != "PREPROCESS" || e.Partition != aws.ToString(put.Records[0].ShardId) {
			t.Errorf("error row %s", line)
		}
		got[e.Row] = e.Position
	}
	want := map[string]string{
		`{"sym":"ccc","note":"fail"}`: aws.ToString(put.Records[2].SequenceNumber),
		`{"sym":"ddd","note":"lose"}`: aws.ToString(put.Records[3].SequenceNumber),
	}
	if len(got) != len(want) {
		t.Errorf("error rows %v, want %v", got, want)
	}
	for row, pos := range want {
		if got[row] != pos {
			t.Errorf("error row %s at %q, want %q", row, got[row], pos)
		}
	}
}

// TestPreprocessorOption checks how option preprocess builds the hook.
func TestPreprocessorOption(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		opts    map[string]string
		hook    bool
		wantErr bool
	}{
		{name: "unset: no hook", opts: map[string]string{}},
		{name: "a lambda function", opts: map[string]string{"preprocess": "lambda:f", "preprocess_endpoint": "http://127.0.0.1:1", "region": "eu-west-1"}, hook: true},
		{name: "a URL", opts: map[string]string{"preprocess": "http://127.0.0.1:1/f"}, hook: true},
		{name: "a leading space, which would hide command: from eddy serve", opts: map[string]string{"preprocess": " command:true"}, wantErr: true},
		{name: "not a function", opts: map[string]string{"preprocess": "ftp://x"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := map[string]string{"connector": "kinesis", "stream": "s"}
			for k, v := range tc.opts {
				opts[k] = v
			}
			_, valid, err := sourceFactory(opts)
			if err != nil {
				t.Fatal(err)
			}
			hook, err := preprocessor(context.Background(), valid)
			if (err != nil) != tc.wantErr || (hook != nil) != tc.hook {
				t.Fatalf("hook %v, err %v; want hook %v, error %v", hook != nil, err, tc.hook, tc.wantErr)
			}
		})
	}
}
