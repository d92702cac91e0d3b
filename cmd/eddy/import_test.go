package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	kdatypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// describeJSON builds the output of aws kinesisanalytics
// describe-application for an application reading Kinesis stream input
// (TICKER, PRICE as JSON) and writing DESTINATION_SQL_STREAM to Kinesis
// stream output; change edits the ApplicationDetail before it is written.
func describeJSON(code, input, output string, change func(d map[string]any)) string {
	d := map[string]any{
		"ApplicationName":   "tickers",
		"ApplicationARN":    "arn:aws:kinesisanalytics:us-east-1:123456789012:application/tickers",
		"ApplicationStatus": "RUNNING",
		"CreateTimestamp":   1714557600.0,
		"InputDescriptions": []any{map[string]any{
			"InputId":                        "1.1",
			"NamePrefix":                     "SOURCE_SQL_STREAM",
			"InAppStreamNames":               []string{"SOURCE_SQL_STREAM_001"},
			"KinesisStreamsInputDescription": map[string]string{"ResourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/" + input, "RoleARN": "arn:aws:iam::123456789012:role/kda"},
			"InputSchema": map[string]any{
				"RecordFormat":   map[string]any{"RecordFormatType": "JSON", "MappingParameters": map[string]any{"JSONMappingParameters": map[string]string{"RecordRowPath": "$"}}},
				"RecordEncoding": "UTF-8",
				"RecordColumns": []map[string]string{
					{"Name": "TICKER", "SqlType": "VARCHAR(4)", "Mapping": "$.ticker"},
					{"Name": "PRICE", "SqlType": "REAL", "Mapping": "$.price"},
				},
			},
			"InputParallelism":                   map[string]int{"Count": 1},
			"InputStartingPositionConfiguration": map[string]string{"InputStartingPosition": "NOW"},
		}},
		"OutputDescriptions": []any{map[string]any{
			"OutputId":                        "2.1",
			"Name":                            "DESTINATION_SQL_STREAM",
			"KinesisStreamsOutputDescription": map[string]string{"ResourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/" + output, "RoleARN": "arn:aws:iam::123456789012:role/kda"},
			"DestinationSchema":               map[string]string{"RecordFormatType": "JSON"},
		}},
		"ReferenceDataSourceDescriptions":     []any{},
		"CloudWatchLoggingOptionDescriptions": []any{},
		"ApplicationCode":                     code,
		"ApplicationVersionId":                3,
	}
	if change != nil {
		change(d)
	}
	data, _ := json.MarshalIndent(map[string]any{"ApplicationDetail": d}, "", "    ")
	return string(data)
}

// importConfig writes a --config for kinesalite whose inputs end when
// they are caught up (so that a local run ends).
func importConfig(t *testing.T, dir string, srv *kinesalite.Server) string {
	t.Helper()
	cfg := map[string]any{"region": kinesalite.Region, "kinesis": map[string]string{
		"endpoint": srv.Endpoint, "access_key_id": kinesalite.AccessKeyID, "secret_access_key": kinesalite.SecretAccessKey,
		"poll_interval": "20ms", "stop_at_end": "true",
	}}
	data, _ := json.Marshal(cfg)
	return writeFile(t, dir, "config.json", string(data))
}

// tumblingExampleCode reads the DG's tumbling-window example (ROWTIME,
// MIN and MAX of PRICE per TICKER) at test time.
func tumblingExampleCode(t *testing.T) string {
	t.Helper()
	dir, err := kdaExamplesDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("KDA examples: %v", err)
		}
		t.Skipf("KDA examples not available: %v", err)
	}
	data, err := os.ReadFile(kdaExample(t, dir, "14"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestImportPrint pins what --print shows: the bindings from the ARNs and
// --config (secrets as ***), the declarations from the schemas, the code.
func TestImportPrint(t *testing.T) {
	t.Parallel()
	code := "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (TICKER VARCHAR(4), PRICE REAL);\n" +
		"CREATE OR REPLACE PUMP \"P\" AS INSERT INTO \"DESTINATION_SQL_STREAM\"\n" +
		"  SELECT STREAM TICKER, PRICE FROM \"SOURCE_SQL_STREAM_001\" WHERE PRICE > 10;\n"
	cases := []struct {
		name, golden string
		change       func(map[string]any)
	}{
		{name: "kinesis in and out", golden: "import_print.txt"},
		{name: "csv input, reference table, firehose and lambda outputs", golden: "import_print_reference.txt", change: func(d map[string]any) {
			in := d["InputDescriptions"].([]any)[0].(map[string]any)
			in["InputSchema"] = map[string]any{
				"RecordFormat":  map[string]any{"RecordFormatType": "CSV", "MappingParameters": map[string]any{"CSVMappingParameters": map[string]string{"RecordRowDelimiter": "\n", "RecordColumnDelimiter": ";"}}},
				"RecordColumns": []map[string]string{{"Name": "TICKER", "SqlType": "VARCHAR(4)"}, {"Name": "PRICE", "SqlType": "REAL"}},
			}
			d["OutputDescriptions"] = []any{
				map[string]any{"OutputId": "2.1", "Name": "DESTINATION_SQL_STREAM", "KinesisFirehoseOutputDescription": map[string]string{"ResourceARN": "arn:aws:firehose:us-east-1:123456789012:deliverystream/archive"}, "DestinationSchema": map[string]string{"RecordFormatType": "CSV"}},
				map[string]any{"OutputId": "3.1", "Name": "ALERTS", "LambdaOutputDescription": map[string]string{"ResourceARN": "arn:aws:lambda:us-east-1:123456789012:function:notify"}, "DestinationSchema": map[string]string{"RecordFormatType": "JSON"}},
			}
			d["ReferenceDataSourceDescriptions"] = []any{map[string]any{
				"ReferenceId": "4.1", "TableName": "COMPANIES",
				"S3ReferenceDataSourceDescription": map[string]string{"BucketARN": "arn:aws:s3:::refdata", "FileKey": "companies.json", "ReferenceRoleARN": "arn:aws:iam::123456789012:role/kda"},
				"ReferenceSchema": map[string]any{
					"RecordFormat":  map[string]any{"RecordFormatType": "JSON", "MappingParameters": map[string]any{"JSONMappingParameters": map[string]string{"RecordRowPath": "$"}}},
					"RecordColumns": []map[string]string{{"Name": "TICKER", "SqlType": "VARCHAR(4)", "Mapping": "$.ticker"}, {"Name": "NAME", "SqlType": "VARCHAR(64)", "Mapping": "$.name"}},
				},
			}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := writeFile(t, dir, "tickers.json", describeJSON(code, "ticks", "alerts", tc.change))
			cfg := writeFile(t, dir, "config.json", `{"region": "eu-west-1", "kinesis": {"endpoint": "http://127.0.0.1:4567", "access_key_id": "AKIDX", "secret_access_key": "very-secret"},
  "firehose": {"endpoint": "http://127.0.0.1:4573"}, "lambda": {"endpoint": "http://127.0.0.1:9001"}, "s3": {"endpoint": "http://127.0.0.1:9000", "secret_access_key": "s3-secret"}}`)
			var stdout, stderr bytes.Buffer
			if code := run([]string{"import", file, "--config", cfg, "--print", "--start", "TRIM_HORIZON"}, nil, &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if strings.Contains(stdout.String(), "very-secret") || strings.Contains(stdout.String(), "s3-secret") {
				t.Errorf("--print shows a secret:\n%s", stdout.String())
			}
			checkGolden(t, tc.golden, stdout.String())
		})
	}
}

// TestImportUnsupported checks that what Eddy cannot run is refused
// before anything starts, placed at its key in the file.
func TestImportUnsupported(t *testing.T) {
	t.Parallel()
	input := func(key string, v any) func(map[string]any) {
		return func(d map[string]any) { d["InputDescriptions"].([]any)[0].(map[string]any)[key] = v }
	}
	cases := []struct {
		name   string
		change func(map[string]any)
		text   string // the whole file when set
		want   string // a regexp of stderr
	}{
		{name: "firehose input", change: func(d map[string]any) {
			in := d["InputDescriptions"].([]any)[0].(map[string]any)
			delete(in, "KinesisStreamsInputDescription")
			in["KinesisFirehoseInputDescription"] = map[string]string{"ResourceARN": "arn:aws:firehose:us-east-1:123456789012:deliverystream/in"}
		}, want: `app\.json:\d+:\d+: input SOURCE_SQL_STREAM: a Kinesis Data Firehose input \(arn:aws:firehose:\S+\) is not supported`},
		{name: "parallelism", change: input("InputParallelism", map[string]int{"Count": 2}), want: `app\.json:\d+:\d+: input SOURCE_SQL_STREAM: InputParallelism Count 2 is not supported`},
		{name: "bad ARN", change: input("KinesisStreamsInputDescription", map[string]string{"ResourceARN": "arn:aws:s3:::bucket"}), want: `app\.json: input 1\.1: ARN arn:…:s3:…:bucket is not a kinesis stream/…`},
		{name: "kinesisanalyticsv2", text: `{"ApplicationDetail": {"ApplicationName": "x", "RuntimeEnvironment": "FLINK-1_15",
  "ApplicationConfigurationDescription": {}}}`, want: `app\.json:2:3: this is a kinesisanalyticsv2`},
		{name: "not a description", text: `{"Applications": []}`, want: `app\.json: no ApplicationName and ApplicationCode`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := tc.text
			if text == "" {
				text = describeJSON("SELECT 1;", "ticks", "out", tc.change)
			}
			file := writeFile(t, t.TempDir(), "app.json", text)
			var stdout, stderr bytes.Buffer
			code := run([]string{"import", file}, nil, &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitUsage, stderr.String())
			}
			if !regexp.MustCompile(tc.want).MatchString(stderr.String()) {
				t.Errorf("stderr %q does not match %q", stderr.String(), tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
		})
	}
}

// TestImportMapsPreprocessor checks that an input's Lambda preprocessor
// becomes the kinesis source's preprocess option, reaching the function
// through the config's lambda endpoint.
func TestImportMapsPreprocessor(t *testing.T) {
	t.Parallel()
	text := "{\"ApplicationDetail\": {\"ApplicationName\": \"a\", \"ApplicationCode\": \"CREATE STREAM \\\"D\\\" (A INT);\",\n  \"InputDescriptions\": [{\"InputId\": \"1.1\", \"NamePrefix\": \"S\",\n" +
		"    \"KinesisStreamsInputDescription\": {\"ResourceARN\": \"arn:aws:kinesis:us-east-1:1:stream/in\"},\n" +
		"    \"InputSchema\": {\"RecordFormat\": {\"RecordFormatType\": \"JSON\"}, \"RecordColumns\": [{\"Name\": \"A\", \"SqlType\": \"INTEGER\", \"Mapping\": \"$.a\"}]},\n" +
		"    \"InputProcessingConfigurationDescription\": {\"InputLambdaProcessorDescription\": {\"ResourceARN\": \"arn:aws:lambda:us-east-1:1:function:clean\"}}}]}}"
	dir := t.TempDir()
	file := writeFile(t, dir, "app.json", text)
	cfg := writeFile(t, dir, "config.json", `{"region": "eu-west-1", "lambda": {"endpoint": "http://127.0.0.1:9001"}}`)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"import", file, "--config", cfg, "--print"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"preprocess=lambda:clean", "preprocess_endpoint=http://127.0.0.1:9001", "preprocess_region=eu-west-1"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--print does not show %s:\n%s", want, stdout.String())
		}
	}
}

// TestImportLocalKinesis imports the DG's tumbling-window example reading
// one kinesalite stream and writing another, runs it here, and checks the
// minimum and maximum price of every ticker.
func TestImportLocalKinesis(t *testing.T) {
	t.Parallel()
	code := tumblingExampleCode(t)
	srv := kinesalite.Start(t)
	ctx := context.Background()
	for _, s := range []string{"ticks", "minmax"} {
		if err := srv.CreateStream(ctx, s, 2); err != nil {
			t.Fatal(err)
		}
	}
	tickers := []string{"AAA", "BBB", "CCC"}
	type minMax struct{ min, max float64 }
	want := map[string]minMax{}
	var values []map[string]any
	for i := 0; i < 90; i++ {
		tk, price := tickers[i%3], float64((i*37)%101)/4
		values = append(values, map[string]any{"ticker": tk, "price": price})
		m, ok := want[tk]
		if !ok {
			m = minMax{math.Inf(1), math.Inf(-1)}
		}
		want[tk] = minMax{math.Min(m.min, price), math.Max(m.max, price)}
	}
	putJSON(t, srv.Client, "ticks", values)
	dir := t.TempDir()
	file := writeFile(t, dir, "tickers.json", describeJSON(code, "ticks", "minmax", nil))
	var stdout, stderr bytes.Buffer
	if code := run([]string{"import", file, "--config", importConfig(t, dir, srv), "--start", "TRIM_HORIZON"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got := map[string]minMax{}
	rows := 0
	for _, data := range readStream(t, srv.Client, "minmax") {
		var row struct {
			TICKER               string
			MIN_PRICE, MAX_PRICE float64
		}
		if err := json.Unmarshal(data, &row); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		rows++
		m, ok := got[row.TICKER]
		if !ok {
			m = minMax{math.Inf(1), math.Inf(-1)}
		}
		// Arrival times may straddle a minute: two windows of a ticker.
		got[row.TICKER] = minMax{math.Min(m.min, row.MIN_PRICE), math.Max(m.max, row.MAX_PRICE)}
	}
	if rows < len(tickers) || rows > 2*len(tickers) {
		t.Errorf("%d rows, want one or two windows of %d tickers", rows, len(tickers))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("min and max per ticker: got %v, want %v\nstderr: %s", got, want, stderr.String())
	}
}

// TestImportLocalCodeError checks that an error in the application code
// is placed in FILE.json#ApplicationCode, never in a temporary file.
func TestImportLocalCodeError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code := "CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (TICKER VARCHAR(4));\n" +
		"CREATE OR REPLACE PUMP \"P\" AS INSERT INTO \"DESTINATION_SQL_STREAM\"\n" +
		"  SELECT STREAM NO_SUCH_COLUMN FROM \"SOURCE_SQL_STREAM_001\";\n"
	file := writeFile(t, dir, "tickers.json", describeJSON(code, "ticks", "out", nil))
	cfg := writeFile(t, dir, "config.json", `{"region": "us-east-1", "kinesis": {"endpoint": "http://127.0.0.1:9"}}`)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"import", file, "--config", cfg}, nil, &stdout, &stderr); code != exitUsage {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := file + "#ApplicationCode:3:"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want it to contain %q", stderr.String(), want)
	}
	if strings.Contains(stderr.String(), "eddy-import-") {
		t.Errorf("stderr shows the temporary directory: %q", stderr.String())
	}
}

// TestImportServer imports onto an in-process eddy serve through its KDA
// API: the application is created with the file's configuration and
// RUNNING; a second import needs --replace.
func TestImportServer(t *testing.T) {
	t.Parallel()
	code := tumblingExampleCode(t)
	srv := kinesalite.Start(t)
	ctx := context.Background()
	for _, s := range []string{"ticks", "minmax"} {
		if err := srv.CreateStream(ctx, s, 1); err != nil {
			t.Fatal(err)
		}
	}
	putJSON(t, srv.Client, "ticks", []map[string]any{{"ticker": "AAA", "price": 3.5}, {"ticker": "AAA", "price": 1.25}})
	dir := tempDir(t)
	s := startTestServer(t, "--data", filepath.Join(dir, "data"), "--config", serveConfig(t, dir, srv))
	file := writeFile(t, dir, "tickers.json", describeJSON(code, "ticks", "minmax", nil))
	var stdout, stderr bytes.Buffer
	if code := run([]string{"import", file, "--server", s.url, "--start", "TRIM_HORIZON"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "tickers: RUNNING on " + s.url; !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("stdout %q, want %q…", stdout.String(), want)
	}
	c := kdaClient(s.url, "AKIDANY")
	d := waitStatus(t, c, "tickers", kdatypes.ApplicationStatusRunning)
	if aws.ToString(d.ApplicationCode) != code {
		t.Errorf("ApplicationCode differs from the file's")
	}
	if len(d.InputDescriptions) != 1 || len(d.InputDescriptions[0].InputSchema.RecordColumns) != 2 ||
		aws.ToString(d.InputDescriptions[0].InputSchema.RecordColumns[1].Mapping) != "$.price" ||
		aws.ToString(d.InputDescriptions[0].KinesisStreamsInputDescription.ResourceARN) != "arn:aws:kinesis:us-east-1:123456789012:stream/ticks" {
		t.Errorf("input: %+v", d.InputDescriptions)
	}
	if len(d.OutputDescriptions) != 1 || aws.ToString(d.OutputDescriptions[0].Name) != "DESTINATION_SQL_STREAM" {
		t.Errorf("outputs: %+v", d.OutputDescriptions)
	}

	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"import", file, "--server", s.url}, nil, &stdout, &stderr); code != exitFailure || !strings.Contains(stderr.String(), "--replace") {
		t.Errorf("second import without --replace: exit %d, stderr %q", code, stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	code2 := code + "\n-- the second version\n"
	file2 := writeFile(t, dir, "tickers2.json", describeJSON(code2, "ticks", "minmax", nil))
	if code := run([]string{"import", file2, "--server", s.url, "--replace", "--start", "NOW"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("import --replace: exit %d: %s", code, stderr.String())
	}
	if d := waitStatus(t, c, "tickers", kdatypes.ApplicationStatusRunning); aws.ToString(d.ApplicationCode) != code2 || aws.ToInt64(d.ApplicationVersionId) != 1 {
		t.Errorf("after --replace: version %d, code replaced %v; want a new application (version 1) with the second file's code", aws.ToInt64(d.ApplicationVersionId), aws.ToString(d.ApplicationCode) == code2)
	}

	// An error in the code is placed in the file's ApplicationCode.
	bad := writeFile(t, dir, "bad.json", describeJSON("CREATE OR REPLACE STREAM \"DESTINATION_SQL_STREAM\" (TICKER VARCHAR(4));\n"+
		"CREATE OR REPLACE PUMP \"P\" AS INSERT INTO \"DESTINATION_SQL_STREAM\"\n  SELECT STREAM NO_SUCH_COLUMN FROM \"SOURCE_SQL_STREAM_001\";\n", "ticks", "minmax", nil))
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"import", bad, "--server", s.url, "--name", "bad"}, nil, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), bad+"#ApplicationCode:3:") {
		t.Errorf("import of bad code: exit %d, stderr %q", code, stderr.String())
	}
	if _, err := c.DeleteApplication(ctx, &kinesisanalytics.DeleteApplicationInput{ApplicationName: aws.String("bad"), CreateTimestamp: waitStatus(t, c, "bad", kdatypes.ApplicationStatusReady).CreateTimestamp}); err != nil {
		t.Fatal(err)
	}

	out, err := c.ListApplications(ctx, &kinesisanalytics.ListApplicationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ApplicationSummaries) != 1 || out.ApplicationSummaries[0].ApplicationStatus != kdatypes.ApplicationStatusRunning {
		t.Errorf("applications after --replace: %+v", out.ApplicationSummaries)
	}
}
