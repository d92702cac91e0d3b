package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	kdatypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

const tickerCode = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8), PRICE DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM TICKER, PRICE FROM "SOURCE_SQL_STREAM_001" WHERE PRICE >= %d;
`

func ticks(first, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"ticker": fmt.Sprintf("T%03d", first+i), "price": float64(first + i)}
	}
	return out
}

func tickerNames(first, last int) []string {
	var out []string
	for i := first; i <= last; i++ {
		out = append(out, fmt.Sprintf("T%03d", i))
	}
	return out
}

// TestServeKDALifecycle drives an application through KDA's API with the
// AWS SDK: discover the input's schema, create, add an output, start from
// TRIM_HORIZON, results arrive, update the code while running, stop,
// delete.
func TestServeKDALifecycle(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	for _, s := range []string{"ticks", "alerts"} {
		if err := srv.CreateStream(ctx, s, 1); err != nil {
			t.Fatal(err)
		}
	}
	putJSON(t, srv.Client, "ticks", ticks(0, 30))
	dir := tempDir(t)
	s := startTestServer(t, "--data", dir, "--config", serveConfig(t, dir, srv), "--checkpoint-interval", "200ms")
	c := kdaClient(s.url, "AKIDANY")
	arn := func(kind, name string) *string {
		return aws.String(fmt.Sprintf("arn:aws:%s:us-east-1:123456789012:%s", kind, name))
	}

	disc, err := c.DiscoverInputSchema(ctx, &kinesisanalytics.DiscoverInputSchemaInput{
		ResourceARN: arn("kinesis", "stream/ticks"), RoleARN: arn("iam", "role/r"),
		InputStartingPositionConfiguration: &kdatypes.InputStartingPositionConfiguration{InputStartingPosition: kdatypes.InputStartingPositionTrimHorizon},
	})
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, col := range disc.InputSchema.RecordColumns {
		cols = append(cols, aws.ToString(col.Name)+" "+aws.ToString(col.SqlType)+" "+aws.ToString(col.Mapping))
	}
	// Whole prices read as BIGINT; JSON keys come as written, in the
	// records' order; VARCHAR sizes have headroom.
	if want := []string{"price BIGINT $.price", "ticker VARCHAR(16) $.ticker"}; !reflect.DeepEqual(cols, want) {
		t.Fatalf("discovered %q, want %q", cols, want)
	}
	// Rename and widen the columns, as a KDA user edited the discovered
	// schema (the code names them unquoted).
	disc.InputSchema.RecordColumns[0].Name, disc.InputSchema.RecordColumns[0].SqlType = aws.String("PRICE"), aws.String("DOUBLE")
	disc.InputSchema.RecordColumns[1].Name, disc.InputSchema.RecordColumns[1].SqlType = aws.String("TICKER"), aws.String("VARCHAR(8)")

	_, err = c.CreateApplication(ctx, &kinesisanalytics.CreateApplicationInput{
		ApplicationName: aws.String("tickers"), ApplicationCode: aws.String(fmt.Sprintf(tickerCode, 20)),
		Inputs: []kdatypes.Input{{
			NamePrefix: aws.String("SOURCE_SQL_STREAM"), InputSchema: disc.InputSchema,
			KinesisStreamsInput: &kdatypes.KinesisStreamsInput{ResourceARN: arn("kinesis", "stream/ticks"), RoleARN: arn("iam", "role/r")},
		}},
		Tags: []kdatypes.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var inUse *kdatypes.ResourceInUseException
	if _, err := c.CreateApplication(ctx, &kinesisanalytics.CreateApplicationInput{ApplicationName: aws.String("tickers")}); !errors.As(err, &inUse) {
		t.Fatalf("second create: %v, want ResourceInUseException", err)
	}
	d := waitStatus(t, c, "tickers", kdatypes.ApplicationStatusReady)
	if got := d.InputDescriptions[0].InAppStreamNames; !reflect.DeepEqual(got, []string{"SOURCE_SQL_STREAM_001"}) {
		t.Fatalf("in-application streams %q", got)
	}
	var conflict *kdatypes.ConcurrentModificationException
	_, err = c.AddApplicationOutput(ctx, &kinesisanalytics.AddApplicationOutputInput{
		ApplicationName: aws.String("tickers"), CurrentApplicationVersionId: aws.Int64(7),
		Output: &kdatypes.Output{Name: aws.String("DESTINATION_SQL_STREAM"), DestinationSchema: &kdatypes.DestinationSchema{RecordFormatType: kdatypes.RecordFormatTypeJson}},
	})
	if !errors.As(err, &conflict) {
		t.Fatalf("add output at a stale version: %v, want ConcurrentModificationException", err)
	}
	_, err = c.AddApplicationOutput(ctx, &kinesisanalytics.AddApplicationOutputInput{
		ApplicationName: aws.String("tickers"), CurrentApplicationVersionId: d.ApplicationVersionId,
		Output: &kdatypes.Output{
			Name:                 aws.String("DESTINATION_SQL_STREAM"),
			KinesisStreamsOutput: &kdatypes.KinesisStreamsOutput{ResourceARN: arn("kinesis", "stream/alerts"), RoleARN: arn("iam", "role/r")},
			DestinationSchema:    &kdatypes.DestinationSchema{RecordFormatType: kdatypes.RecordFormatTypeJson},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.StartApplication(ctx, &kinesisanalytics.StartApplicationInput{
		ApplicationName: aws.String("tickers"),
		InputConfigurations: []kdatypes.InputConfiguration{{
			Id:                                 d.InputDescriptions[0].InputId,
			InputStartingPositionConfiguration: &kdatypes.InputStartingPositionConfiguration{InputStartingPosition: kdatypes.InputStartingPositionTrimHorizon},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d = waitStatus(t, c, "tickers", kdatypes.ApplicationStatusRunning)
	if aws.ToInt64(d.ApplicationVersionId) != 2 || len(d.OutputDescriptions) != 1 {
		t.Fatalf("version %d, %d outputs", aws.ToInt64(d.ApplicationVersionId), len(d.OutputDescriptions))
	}
	out := newStreamReader(srv.Client, "alerts")
	if got := field(t, out.readUntil(t, 10), "TICKER"); !reflect.DeepEqual(got, tickerNames(20, 29)) {
		t.Fatalf("alerts %q", got)
	}
	if v, ok := metric(t, s.url, `^eddy_records_total\{application="tickers",flow="input",id="1\.1",stream="SOURCE_SQL_STREAM_001"\}`); !ok || v != "30" {
		t.Errorf("input records metric %q (found %v), want 30", v, ok)
	}
	if v, ok := metric(t, s.url, `^eddy_records_total\{application="tickers",flow="output",id="2\.1",stream="DESTINATION_SQL_STREAM"\}`); !ok || v != "10" {
		t.Errorf("output records metric %q (found %v), want 10", v, ok)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, stateOK := metric(t, s.url, `^eddy_state_bytes\{application="tickers"\}`)
		if v, ok := metric(t, s.url, `^eddy_checkpoints_total\{application="tickers",result="taken"\}`); ok && v != "0" && stateOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint metrics")
		}
	}
	if _, ok := metric(t, s.url, `^eddy_millis_behind_latest\{application="tickers",id="1\.1",partition="shardId-`); !ok {
		t.Errorf("no MillisBehindLatest per shard")
	}

	// A syntax error in new code is a CodeValidationException with line:col.
	var bad *kdatypes.CodeValidationException
	_, err = c.UpdateApplication(ctx, &kinesisanalytics.UpdateApplicationInput{
		ApplicationName: aws.String("tickers"), CurrentApplicationVersionId: aws.Int64(2),
		ApplicationUpdate: &kdatypes.ApplicationUpdate{ApplicationCodeUpdate: aws.String("CREATE STREAM x (a INT);\nSELECT STREAM FROM;")},
	})
	if !errors.As(err, &bad) || !strings.Contains(aws.ToString(bad.Message), "2:") {
		t.Fatalf("bad code: %v, want CodeValidationException at line 2", err)
	}
	_, err = c.UpdateApplication(ctx, &kinesisanalytics.UpdateApplicationInput{
		ApplicationName: aws.String("tickers"), CurrentApplicationVersionId: aws.Int64(2),
		ApplicationUpdate: &kdatypes.ApplicationUpdate{ApplicationCodeUpdate: aws.String(fmt.Sprintf(tickerCode, 35))},
	})
	if err != nil {
		t.Fatal(err)
	}
	d = waitStatus(t, c, "tickers", kdatypes.ApplicationStatusRunning)
	if aws.ToInt64(d.ApplicationVersionId) != 3 {
		t.Fatalf("version %d after the update", aws.ToInt64(d.ApplicationVersionId))
	}
	// The restarted job resumes after the records it had read: only new
	// records pass the new filter.
	putJSON(t, srv.Client, "ticks", ticks(30, 10))
	if got := field(t, out.readUntil(t, 5), "TICKER"); !reflect.DeepEqual(got, tickerNames(35, 39)) {
		t.Fatalf("alerts after the update %q", got)
	}

	tags, err := c.ListTagsForResource(ctx, &kinesisanalytics.ListTagsForResourceInput{ResourceARN: d.ApplicationARN})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Fatalf("tags %+v, %v", tags, err)
	}
	if _, err := c.StopApplication(ctx, &kinesisanalytics.StopApplicationInput{ApplicationName: aws.String("tickers")}); err != nil {
		t.Fatal(err)
	}
	d = waitStatus(t, c, "tickers", kdatypes.ApplicationStatusReady)
	var missing *kdatypes.ResourceNotFoundException
	_, err = c.DeleteApplication(ctx, &kinesisanalytics.DeleteApplicationInput{ApplicationName: aws.String("tickers"), CreateTimestamp: aws.Time(d.CreateTimestamp.Add(-3600e9))})
	if !errors.As(err, &missing) {
		t.Fatalf("delete with a wrong CreateTimestamp: %v, want ResourceNotFoundException", err)
	}
	if _, err := c.DeleteApplication(ctx, &kinesisanalytics.DeleteApplicationInput{ApplicationName: aws.String("tickers"), CreateTimestamp: d.CreateTimestamp}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeApplication(ctx, &kinesisanalytics.DescribeApplicationInput{ApplicationName: aws.String("tickers")}); !errors.As(err, &missing) {
		t.Fatalf("describe after delete: %v, want ResourceNotFoundException", err)
	}
	list, err := c.ListApplications(ctx, &kinesisanalytics.ListApplicationsInput{})
	if err != nil || len(list.ApplicationSummaries) != 0 {
		t.Fatalf("list after delete: %+v, %v", list, err)
	}
}
