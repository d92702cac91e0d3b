package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	kdatypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// awsCLI runs the AWS CLI against a server and decodes its JSON output;
// it needs aws on the PATH (.ci/setup-awscli.sh), and skips the test
// without it, unless CI=true.
type awsCLI struct {
	path, url, home string
}

func newAWSCLI(t *testing.T, url string) *awsCLI {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err == nil {
		err = exec.Command(path, "--version").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is missing (.ci/setup-awscli.sh installs it): %v", err)
		}
		t.Skipf("the AWS CLI is missing (run .ci/setup-awscli.sh): %v", err)
	}
	return &awsCLI{path: path, url: url, home: t.TempDir()}
}

// run runs aws kinesisanalytics OP ARGS… and returns its decoded output;
// a failure is returned as its stderr.
func (c *awsCLI) run(t *testing.T, op string, args ...string) (map[string]any, error) {
	t.Helper()
	cmd := exec.Command(c.path, append([]string{"kinesisanalytics", op, "--endpoint-url", c.url}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+c.home, "AWS_ACCESS_KEY_ID=AKIDCLI", "AWS_SECRET_ACCESS_KEY=cli-secret",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+c.home+"/none", "AWS_SHARED_CREDENTIALS_FILE="+c.home+"/none",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1", "AWS_DEFAULT_OUTPUT=json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("aws kinesisanalytics %s: %v: %s", op, err, stderr.String())
	}
	m := map[string]any{}
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("aws %s printed %q: %v", op, out, err)
		}
	}
	return m, nil
}

func (c *awsCLI) must(t *testing.T, op string, args ...string) map[string]any {
	t.Helper()
	m, err := c.run(t, op, args...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// detail returns describe-application's ApplicationDetail.
func (c *awsCLI) detail(t *testing.T, name string) map[string]any {
	t.Helper()
	return c.must(t, "describe-application", "--application-name", name)["ApplicationDetail"].(map[string]any)
}

// waitStatus waits for the status with the SDK (each CLI call starts
// Python, a second), then describes the application with the CLI.
func (c *awsCLI) waitStatus(t *testing.T, name, want string) map[string]any {
	t.Helper()
	waitStatus(t, kdaClient(c.url, "AKIDCLI"), name, kdatypes.ApplicationStatus(want))
	d := c.detail(t, name)
	if d["ApplicationStatus"] != want {
		t.Fatalf("%s is %v, not %s", name, d["ApplicationStatus"], want)
	}
	return d
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestServeAWSCLILifecycle is the lifecycle of TestServeKDALifecycle
// driven by the real AWS CLI.
func TestServeAWSCLILifecycle(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	for _, s := range []string{"cli_in", "cli_out"} {
		if err := srv.CreateStream(t.Context(), s, 1); err != nil {
			t.Fatal(err)
		}
	}
	putJSON(t, srv.Client, "cli_in", ticks(0, 20))
	dir := tempDir(t)
	s := startTestServer(t, "--data", dir, "--config", serveConfig(t, dir, srv), "--checkpoint-interval", "200ms")
	aws := newAWSCLI(t, s.url)
	const in, out, role = "arn:aws:kinesis:us-east-1:123456789012:stream/cli_in", "arn:aws:kinesis:us-east-1:123456789012:stream/cli_out", "arn:aws:iam::123456789012:role/r"

	disc := aws.must(t, "discover-input-schema", "--resource-arn", in, "--role-arn", role,
		"--input-starting-position-configuration", "InputStartingPosition=TRIM_HORIZON")
	schema := disc["InputSchema"].(map[string]any)
	for _, col := range schema["RecordColumns"].([]any) {
		c := col.(map[string]any)
		switch c["Name"] { // keys as written; renamed for the code's unquoted names
		case "ticker":
			c["Name"], c["SqlType"] = "TICKER", "VARCHAR(8)"
		case "price":
			c["Name"], c["SqlType"] = "PRICE", "DOUBLE"
		default:
			t.Fatalf("discovered column %v", c)
		}
	}
	inputs := []any{map[string]any{"NamePrefix": "SOURCE_SQL_STREAM", "InputSchema": schema,
		"KinesisStreamsInput": map[string]any{"ResourceARN": in, "RoleARN": role}}}
	created := aws.must(t, "create-application", "--application-name", "cli", "--application-code", fmt.Sprintf(tickerCode, 15), "--inputs", jsonText(inputs))
	if created["ApplicationSummary"].(map[string]any)["ApplicationStatus"] != "READY" {
		t.Fatalf("create: %v", created)
	}
	if _, err := aws.run(t, "create-application", "--application-name", "cli"); err == nil || !strings.Contains(err.Error(), "ResourceInUseException") {
		t.Fatalf("second create: %v", err)
	}
	output := map[string]any{"Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": map[string]any{"ResourceARN": out, "RoleARN": role},
		"DestinationSchema": map[string]any{"RecordFormatType": "JSON"}}
	// --output is the CLI's own option: the output goes in --cli-input-json.
	aws.must(t, "add-application-output", "--cli-input-json", jsonText(map[string]any{"ApplicationName": "cli", "CurrentApplicationVersionId": 1, "Output": output}))
	aws.must(t, "start-application", "--application-name", "cli", "--input-configurations",
		`[{"Id":"1.1","InputStartingPositionConfiguration":{"InputStartingPosition":"TRIM_HORIZON"}}]`)
	d := aws.waitStatus(t, "cli", "RUNNING")
	if d["ApplicationVersionId"] != float64(2) {
		t.Fatalf("version %v", d["ApplicationVersionId"])
	}
	reader := newStreamReader(srv.Client, "cli_out")
	if got := field(t, reader.readUntil(t, 5), "TICKER"); !reflect.DeepEqual(got, tickerNames(15, 19)) {
		t.Fatalf("output %q", got)
	}
	if _, err := aws.run(t, "update-application", "--application-name", "cli", "--current-application-version-id", "2",
		"--application-update", jsonText(map[string]any{"ApplicationCodeUpdate": "SELECT STREAM * FROM"})); err == nil || !strings.Contains(err.Error(), "CodeValidationException") {
		t.Fatalf("bad code: %v", err)
	}
	aws.must(t, "update-application", "--application-name", "cli", "--current-application-version-id", "2",
		"--application-update", jsonText(map[string]any{"ApplicationCodeUpdate": fmt.Sprintf(tickerCode, 22)}))
	aws.waitStatus(t, "cli", "RUNNING")
	putJSON(t, srv.Client, "cli_in", ticks(20, 5))
	if got := field(t, reader.readUntil(t, 3), "TICKER"); !reflect.DeepEqual(got, tickerNames(22, 24)) {
		t.Fatalf("output after the update %q", got)
	}
	aws.must(t, "stop-application", "--application-name", "cli")
	d = aws.waitStatus(t, "cli", "READY")
	aws.must(t, "delete-application", "--application-name", "cli", "--create-timestamp", fmt.Sprint(d["CreateTimestamp"]))
	list := aws.must(t, "list-applications")
	if apps := list["ApplicationSummaries"].([]any); len(apps) != 0 {
		t.Fatalf("after delete: %v", apps)
	}
}
