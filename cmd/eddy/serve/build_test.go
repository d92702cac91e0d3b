package serve

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	// The connectors whose option lists decide which service options apply.
	_ "github.com/eddy-sql/eddy/sinks/firehose"
	_ "github.com/eddy-sql/eddy/sinks/function"
	_ "github.com/eddy-sql/eddy/sources/kinesis"
)

func TestARNsMapToConnectors(t *testing.T) {
	t.Parallel()
	svc := ServiceConfig{Region: "eu-west-1", Kinesis: map[string]string{"endpoint": "http://k", "poll_interval": "20ms"}, Lambda: map[string]string{"endpoint": "http://l"}}
	schema := &SourceSchema{RecordFormat: &RecordFormat{RecordFormatType: "JSON"}, RecordColumns: []RecordColumn{{Name: "ticker", SqlType: "VARCHAR(4)", Mapping: "$.t"}, {Name: "P", SqlType: "DOUBLE"}}}
	cases := []struct {
		name string
		cfg  AppConfig
		want map[string]map[string]string
		err  string
	}{
		{"kinesis input and lambda output", AppConfig{
			Inputs:  []Input{{InputId: "1.1", NamePrefix: "SRC", InputSchema: schema, KinesisStreamsInput: &ResourceRole{ResourceARN: "arn:aws:kinesis:eu-west-1:1:stream/ticks"}}},
			Outputs: []Output{{OutputId: "2.1", Name: "DEST", DestinationSchema: &DestinationSchema{RecordFormatType: "CSV"}, LambdaOutput: &ResourceRole{ResourceARN: "arn:aws:lambda:eu-west-1:1:function:f"}}},
		}, map[string]map[string]string{
			"SRC_001": {"connector": "kinesis", "stream": "ticks", "format": "json", "mapping": "ticker=$.t", "start": "trim_horizon", "endpoint": "http://k", "region": "eu-west-1", "poll_interval": "20ms"},
			"DEST":    {"connector": "function", "lambda": "f", "format": "csv", "endpoint": "http://l", "region": "eu-west-1"},
		}, ""},
		{"firehose output", AppConfig{Outputs: []Output{{OutputId: "1.1", Name: "D", DestinationSchema: &DestinationSchema{RecordFormatType: "JSON"}, KinesisFirehoseOutput: &ResourceRole{ResourceARN: "arn:aws:firehose:eu-west-1:1:deliverystream/fh"}}}},
			map[string]map[string]string{"D": {"connector": "firehose", "destination": "firehose://fh", "format": "json", "buffer_interval": "1s", "region": "eu-west-1"}}, ""},
		{"a firehose input", AppConfig{Inputs: []Input{{NamePrefix: "S", InputSchema: schema, KinesisFirehoseInput: &ResourceRole{ResourceARN: "arn:aws:firehose:x:1:deliverystream/a"}}}}, nil, "Firehose inputs are not supported"},
		{"a stream ARN of another service", AppConfig{Inputs: []Input{{NamePrefix: "S", InputSchema: schema, KinesisStreamsInput: &ResourceRole{ResourceARN: "arn:aws:sqs:x:1:stream/a"}}}}, nil, "is not a kinesis stream/"},
		{"a lambda preprocessor", AppConfig{Inputs: []Input{{
			InputId: "1.1", NamePrefix: "SRC", InputSchema: schema, KinesisStreamsInput: &ResourceRole{ResourceARN: "arn:aws:kinesis:eu-west-1:1:stream/ticks"},
			InputProcessingConfiguration: &InputProcessingConfiguration{InputLambdaProcessor: &InputLambdaProcessor{ResourceARN: "arn:aws:lambda:eu-west-1:1:function:pre"}},
		}}}, map[string]map[string]string{
			"SRC_001": {"connector": "kinesis", "stream": "ticks", "format": "json", "mapping": "ticker=$.t", "start": "trim_horizon", "endpoint": "http://k", "region": "eu-west-1", "poll_interval": "20ms",
				"preprocess": "lambda:pre", "preprocess_endpoint": "http://l", "preprocess_region": "eu-west-1"},
		}, ""},
		{"a preprocessor without a lambda", AppConfig{Inputs: []Input{{NamePrefix: "S", InputSchema: schema, KinesisStreamsInput: &ResourceRole{ResourceARN: "arn:aws:kinesis:x:1:stream/a"},
			InputProcessingConfiguration: &InputProcessingConfiguration{}}}}, nil, "needs an InputLambdaProcessor"},
		{"a preprocessor that is not a lambda function", AppConfig{Inputs: []Input{{NamePrefix: "S", InputSchema: schema, KinesisStreamsInput: &ResourceRole{ResourceARN: "arn:aws:kinesis:x:1:stream/a"},
			InputProcessingConfiguration: &InputProcessingConfiguration{InputLambdaProcessor: &InputLambdaProcessor{ResourceARN: "arn:aws:kinesis:x:1:stream/b"}}}}}, nil, "InputLambdaProcessor"},
		{"an encoding", AppConfig{Inputs: []Input{{NamePrefix: "S", InputSchema: &SourceSchema{RecordFormat: &RecordFormat{RecordFormatType: "JSON"}, RecordEncoding: "UTF-16", RecordColumns: schema.RecordColumns}, KinesisStreamsInput: &ResourceRole{ResourceARN: "arn:aws:kinesis:x:1:stream/a"}}}}, nil, "only UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := planOf(&tc.cfg, svc, PositionTrimHorizon)
			if tc.err != "" {
				var ae *apiError
				if !errors.As(err, &ae) || ae.Type != errInvalidArgument || !strings.Contains(ae.Message, tc.err) {
					t.Fatalf("error %v, want InvalidArgumentException with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]map[string]string{}
			for k, v := range p.inputs {
				got[k] = v
			}
			for k, v := range p.outputs {
				got[k] = v
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("bindings\n got %v\nwant %v", got, tc.want)
			}
		})
	}
	p, _ := planOf(&AppConfig{Inputs: []Input{{InputId: "1.1", NamePrefix: "SRC", InputSchema: schema, KinesisStreamsInput: &ResourceRole{ResourceARN: "arn:aws:kinesis:x:1:stream/a"}}}}, svc, PositionNow)
	if want := "CREATE STREAM SRC_001 (\"ticker\" VARCHAR(4), P DOUBLE);\n"; p.prelude != want || p.inputs["SRC_001"]["start"] != "latest" {
		t.Fatalf("prelude %q, start %q", p.prelude, p.inputs["SRC_001"]["start"])
	}
}

func TestConfinement(t *testing.T) {
	t.Parallel()
	dir, _ := filepath.EvalSymlinks(t.TempDir())
	allowed := filepath.Join(dir, "ok")
	os.MkdirAll(allowed, 0o700)
	os.Symlink("/etc", filepath.Join(allowed, "etc"))
	c, err := newConfinement([]string{allowed})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts map[string]string
		ok   bool
	}{
		{"a file inside", map[string]string{"connector": "file", "path": allowed + "/a/b.jsonl"}, true},
		{"a glob inside", map[string]string{"connector": "file", "path": allowed + "/*.jsonl"}, true},
		{"outside", map[string]string{"connector": "file", "path": "/etc/passwd"}, false},
		{"dot-dot", map[string]string{"connector": "file", "path": allowed + "/../x"}, false},
		{"a symbolic link out", map[string]string{"connector": "file", "path": allowed + "/etc/passwd"}, false},
		{"a prefix that is not the directory", map[string]string{"connector": "file", "path": allowed + "x/a"}, false},
		{"a checkpoint directory", map[string]string{"connector": "kinesis", "checkpoint_dir": "/tmp/x"}, false},
		{"a file URL", map[string]string{"connector": "firehose", "destination": "file:///var/tmp/x"}, false},
		{"a file URL inside", map[string]string{"connector": "firehose", "destination": "file://" + allowed + "/fh"}, true},
		{"a command", map[string]string{"connector": "function", "command": "sh"}, false},
		{"a command transform", map[string]string{"connector": "firehose", "transform": "command:sh"}, false},
		{"stdin", map[string]string{"connector": "stdin"}, false},
		{"kafka", map[string]string{"connector": "kafka", "topic": "t"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := c.check(tc.opts)
			if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrConfined) {
				t.Fatalf("check(%v) = %v, allowed want %v", tc.opts, err, tc.ok)
			}
		})
	}
}

func TestEpochTimeRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, json string
		want       time.Time
	}{
		{"whole seconds", "1714557600", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{"milliseconds", "1714557600.125", time.Date(2024, 5, 1, 10, 0, 0, 125e6, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var e epochTime
			if err := json.Unmarshal([]byte(tc.json), &e); err != nil || !e.Equal(tc.want) {
				t.Fatalf("read %s: %v %v", tc.json, e.Time, err)
			}
			b, _ := json.Marshal(e)
			if string(b) != tc.json {
				t.Fatalf("wrote %s, want %s", b, tc.json)
			}
		})
	}
}

func TestAuthorized(t *testing.T) {
	t.Parallel()
	const token = "tok/with-slash-0123"
	cases := []struct {
		name, header string
		ok           bool
	}{
		{"bearer", "Bearer " + token, true},
		{"wrong bearer", "Bearer nope", false},
		{"none", "", false},
		{"sigv4 with the token as key", "AWS4-HMAC-SHA256 Credential=" + token + "/20240501/us-east-1/kinesisanalytics/aws4_request, SignedHeaders=host, Signature=ab", true},
		{"sigv4 with another key", "AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/kinesisanalytics/aws4_request, SignedHeaders=host, Signature=ab", false},
		{"basic", "Basic " + token, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			if got := authorized(r, token); got != tc.ok {
				t.Fatalf("authorized = %v, want %v", got, tc.ok)
			}
		})
	}
}

func TestStoreSavesAtomicallyOwnerOnly(t *testing.T) {
	t.Parallel()
	s := store{dir: t.TempDir()}
	c := &AppConfig{Name: "a", Code: "x", Version: 3, InputBindings: map[string]map[string]string{"IN": {"connector": "kafka", "sasl_password": "p"}}}
	if err := s.save(c); err != nil {
		t.Fatal(err)
	}
	c.Version = 4
	if err := s.save(c); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.configPath("a"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(s.appDir("a"))
	if len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
	got, err := s.load()
	if err != nil || len(got) != 1 || got[0].Version != 4 || got[0].InputBindings["IN"]["sasl_password"] != "p" {
		t.Fatalf("load: %+v, %v", got, err)
	}
	if err := s.remove("a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.load(); len(got) != 0 {
		t.Fatalf("after remove: %+v", got)
	}
}
