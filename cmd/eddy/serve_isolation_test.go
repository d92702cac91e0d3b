package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	kdatypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// appInfo reads an application through Eddy's API.
func appInfo(t *testing.T, base, name, token string) serve.AppInfo {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/applications/"+name, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info serve.AppInfo
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", name, resp.StatusCode, err)
	}
	return info
}

// TestServeFailingApplicationIsIsolated runs two applications on one
// input: one whose destination stream does not exist fails, with its
// status and error visible; the other keeps delivering.
func TestServeFailingApplicationIsIsolated(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	for _, s := range []string{"in", "good_out"} {
		if err := srv.CreateStream(ctx, s, 1); err != nil {
			t.Fatal(err)
		}
	}
	dir := tempDir(t)
	s := startTestServer(t, "--data", dir, "--config", serveConfig(t, dir, srv), "--checkpoint-interval", "100ms")
	c := kdaClient(s.url, "AKIDANY")
	schema := &kdatypes.SourceSchema{
		RecordFormat: &kdatypes.RecordFormat{RecordFormatType: kdatypes.RecordFormatTypeJson},
		RecordColumns: []kdatypes.RecordColumn{
			{Name: aws.String("TICKER"), SqlType: aws.String("VARCHAR(8)"), Mapping: aws.String("$.ticker")},
			{Name: aws.String("PRICE"), SqlType: aws.String("DOUBLE"), Mapping: aws.String("$.price")},
		},
	}
	for name, dest := range map[string]string{"good": "good_out", "bad": "no_such_stream"} {
		_, err := c.CreateApplication(ctx, &kinesisanalytics.CreateApplicationInput{
			ApplicationName: aws.String(name), ApplicationCode: aws.String(fmt.Sprintf(tickerCode, 0)),
			Inputs: []kdatypes.Input{{NamePrefix: aws.String("SOURCE_SQL_STREAM"), InputSchema: schema,
				KinesisStreamsInput: &kdatypes.KinesisStreamsInput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:1:stream/in"), RoleARN: aws.String("arn:aws:iam::1:role/r")}}},
			Outputs: []kdatypes.Output{{Name: aws.String("DESTINATION_SQL_STREAM"),
				KinesisStreamsOutput: &kdatypes.KinesisStreamsOutput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:1:stream/" + dest), RoleARN: aws.String("arn:aws:iam::1:role/r")},
				DestinationSchema:    &kdatypes.DestinationSchema{RecordFormatType: kdatypes.RecordFormatTypeJson}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.StartApplication(ctx, &kinesisanalytics.StartApplicationInput{ApplicationName: aws.String(name),
			InputConfigurations: []kdatypes.InputConfiguration{{Id: aws.String("1.1"),
				InputStartingPositionConfiguration: &kdatypes.InputStartingPositionConfiguration{InputStartingPosition: kdatypes.InputStartingPositionTrimHorizon}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	putJSON(t, srv.Client, "in", ticks(0, 20))
	out := newStreamReader(srv.Client, "good_out")
	if got := field(t, out.readUntil(t, 20), "TICKER"); !reflect.DeepEqual(got, tickerNames(0, 19)) {
		t.Fatalf("good output %q", got)
	}
	// The failing destination shows: its deliveries fail (Success 0), every
	// checkpoint is abandoned, and the warning names the stream, while the
	// application keeps running as KDA's did.
	deadline := time.Now().Add(30 * time.Second)
	for {
		bad := appInfo(t, s.url, "bad", "")
		if strings.Contains(bad.Warning, "no_such_stream") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bad application shows no warning: %+v", bad)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v, ok := metric(t, s.url, `^eddy_success\{application="bad",flow="output"`); !ok || v != "0" {
		t.Errorf("Success of the failing output: %q (found %v), want 0", v, ok)
	}
	if v, ok := metric(t, s.url, `^eddy_checkpoints_total\{application="bad",result="abandoned"\}`); !ok || v == "0" {
		t.Errorf("abandoned checkpoints of the failing application: %q (found %v)", v, ok)
	}
	var logs bytes.Buffer
	if code := run([]string{"logs", "bad", "--server", s.url, "--rows", "3"}, nil, &logs, io.Discard); code != 0 || !strings.Contains(logs.String(), "WARNING CHECKPOINT: checkpoint abandoned") {
		t.Errorf("eddy logs bad: exit %d: %s", code, logs.String())
	}
	// The good application still runs and delivers.
	waitStatus(t, c, "good", kdatypes.ApplicationStatusRunning)
	putJSON(t, srv.Client, "in", ticks(20, 5))
	if got := field(t, out.readUntil(t, 5), "TICKER"); !reflect.DeepEqual(got, tickerNames(20, 24)) {
		t.Fatalf("good output after the failure %q", got)
	}
}
