package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	kdatypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// AddApplicationInputProcessingConfiguration makes eddy serve run the
// input's Lambda preprocessor before decoding: the schema maps the
// upper-cased keys the function writes, so rows have values only when it
// ran, and the records it drops never reach the output.
// DeleteApplicationInputProcessingConfiguration removes it again.
func TestServeRunsInputPreprocessor(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	for _, s := range []string{"raw", "cooked"} {
		if err := srv.CreateStream(ctx, s, 1); err != nil {
			t.Fatal(err)
		}
	}
	putJSON(t, srv.Client, "raw", []map[string]any{
		{"ticker": "aaa", "price": 1}, {"ticker": "bbb", "price": 2, "note": "drop"}, {"ticker": "ccc", "price": 3},
	})
	lambdaURL, calls := upperLambda(t)
	dir := tempDir(t)
	cfg, _ := json.Marshal(map[string]any{
		"region": kinesalite.Region,
		"kinesis": map[string]string{
			"endpoint": srv.Endpoint, "access_key_id": kinesalite.AccessKeyID, "secret_access_key": kinesalite.SecretAccessKey,
			"poll_interval": "20ms", "discover_interval": "200ms", "idle_timeout": "200ms",
		},
		"lambda": map[string]string{"endpoint": lambdaURL},
	})
	s := startTestServer(t, "--data", dir, "--config", writeFile(t, dir, "config.json", string(cfg)))
	c := kdaClient(s.url, "AKIDANY")
	arn := func(kind, name string) *string {
		return aws.String(fmt.Sprintf("arn:aws:%s:us-east-1:123456789012:%s", kind, name))
	}
	_, err := c.CreateApplication(ctx, &kinesisanalytics.CreateApplicationInput{
		ApplicationName: aws.String("pre"),
		ApplicationCode: aws.String(`CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8), PRICE DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM TICKER, PRICE FROM "SOURCE_SQL_STREAM_001";`),
		Inputs: []kdatypes.Input{{
			NamePrefix: aws.String("SOURCE_SQL_STREAM"),
			InputSchema: &kdatypes.SourceSchema{
				RecordFormat: &kdatypes.RecordFormat{RecordFormatType: kdatypes.RecordFormatTypeJson, MappingParameters: &kdatypes.MappingParameters{
					JSONMappingParameters: &kdatypes.JSONMappingParameters{RecordRowPath: aws.String("$")}}},
				RecordColumns: []kdatypes.RecordColumn{
					{Name: aws.String("TICKER"), SqlType: aws.String("VARCHAR(8)"), Mapping: aws.String("$.TICKER")},
					{Name: aws.String("PRICE"), SqlType: aws.String("DOUBLE"), Mapping: aws.String("$.PRICE")},
				},
			},
			KinesisStreamsInput: &kdatypes.KinesisStreamsInput{ResourceARN: arn("kinesis", "stream/raw"), RoleARN: arn("iam", "role/r")},
		}},
		Outputs: []kdatypes.Output{{
			Name:                 aws.String("DESTINATION_SQL_STREAM"),
			KinesisStreamsOutput: &kdatypes.KinesisStreamsOutput{ResourceARN: arn("kinesis", "stream/cooked"), RoleARN: arn("iam", "role/r")},
			DestinationSchema:    &kdatypes.DestinationSchema{RecordFormatType: kdatypes.RecordFormatTypeJson},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := waitStatus(t, c, "pre", kdatypes.ApplicationStatusReady)
	inputID := d.InputDescriptions[0].InputId
	proc := &kdatypes.InputProcessingConfiguration{InputLambdaProcessor: &kdatypes.InputLambdaProcessor{
		ResourceARN: arn("lambda", "function:upper"), RoleARN: arn("iam", "role/r"),
	}}
	if _, err := c.AddApplicationInputProcessingConfiguration(ctx, &kinesisanalytics.AddApplicationInputProcessingConfigurationInput{
		ApplicationName: aws.String("pre"), CurrentApplicationVersionId: d.ApplicationVersionId, InputId: inputID,
		InputProcessingConfiguration: proc,
	}); err != nil {
		t.Fatal(err)
	}
	d = waitStatus(t, c, "pre", kdatypes.ApplicationStatusReady)
	if p := d.InputDescriptions[0].InputProcessingConfigurationDescription; p == nil || p.InputLambdaProcessorDescription == nil ||
		aws.ToString(p.InputLambdaProcessorDescription.ResourceARN) != aws.ToString(proc.InputLambdaProcessor.ResourceARN) {
		t.Fatalf("described processing configuration %+v", p)
	}
	_, err = c.StartApplication(ctx, &kinesisanalytics.StartApplicationInput{
		ApplicationName: aws.String("pre"),
		InputConfigurations: []kdatypes.InputConfiguration{{
			Id:                                 inputID,
			InputStartingPositionConfiguration: &kdatypes.InputStartingPositionConfiguration{InputStartingPosition: kdatypes.InputStartingPositionTrimHorizon},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, "pre", kdatypes.ApplicationStatusRunning)
	out := newStreamReader(srv.Client, "cooked")
	if got := field(t, out.readUntil(t, 2), "TICKER"); !reflect.DeepEqual(got, []string{"AAA", "CCC"}) {
		t.Fatalf("output tickers %q, want the preprocessed AAA and CCC", got)
	}
	if calls.Load() == 0 {
		t.Fatal("the preprocessor was never invoked")
	}
	if _, err := c.StopApplication(ctx, &kinesisanalytics.StopApplicationInput{ApplicationName: aws.String("pre")}); err != nil {
		t.Fatal(err)
	}
	d = waitStatus(t, c, "pre", kdatypes.ApplicationStatusReady)
	if _, err := c.DeleteApplicationInputProcessingConfiguration(ctx, &kinesisanalytics.DeleteApplicationInputProcessingConfigurationInput{
		ApplicationName: aws.String("pre"), CurrentApplicationVersionId: d.ApplicationVersionId, InputId: inputID,
	}); err != nil {
		t.Fatal(err)
	}
	d = waitStatus(t, c, "pre", kdatypes.ApplicationStatusReady)
	if p := d.InputDescriptions[0].InputProcessingConfigurationDescription; p != nil {
		t.Fatalf("processing configuration %+v after delete", p)
	}
}
