package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	_ "github.com/eddy-sql/eddy/sinks/kinesis"
	source "github.com/eddy-sql/eddy/sources/kinesis"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// TestRunKinesisToKinesis runs a KDA application that reads ticker
// records from a 4-shard Kinesis stream and writes 10-second windowed
// totals per symbol to another stream, and checks them against totals
// computed here.
func TestRunKinesisToKinesis(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	for name, shards := range map[string]int32{"ticks": 4, "totals": 2} {
		if err := srv.CreateStream(ctx, name, shards); err != nil {
			t.Fatal(err)
		}
	}
	// 600 ticks, one every 100ms of event time, over 8 symbols.
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	symbols := []string{"AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"}
	type key struct {
		win time.Time
		sym string
	}
	type total struct {
		n   int64
		sum float64
	}
	want := map[key]total{}
	var entries []types.PutRecordsRequestEntry
	for i := 0; i < 600; i++ {
		sym, ts, price := symbols[(i*5)%len(symbols)], base.Add(time.Duration(i)*100*time.Millisecond), float64(i%40)/4
		data, _ := json.Marshal(map[string]any{"ticker_symbol": sym, "price": price, "event_time": ts.Format("2006-01-02T15:04:05.000Z")})
		entries = append(entries, types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(sym)})
		k := key{ts.Truncate(10 * time.Second), sym}
		tt := want[k]
		tt.n++
		tt.sum += price
		want[k] = tt
	}
	for len(entries) > 0 {
		n := min(len(entries), 250)
		if _, err := srv.Client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("ticks"), Records: entries[:n]}); err != nil {
			t.Fatal(err)
		}
		entries = entries[n:]
	}
	conn := url.Values{
		"endpoint": {srv.Endpoint}, "region": {kinesalite.Region},
		"access_key_id": {kinesalite.AccessKeyID}, "secret_access_key": {kinesalite.SecretAccessKey},
	}
	in := url.Values{"start": {"trim_horizon"}, "stop_at_end": {"true"}, "rowtime": {"EVENT_TIME"}, "lateness": {"1h"}, "poll_interval": {"20ms"}}
	out := url.Values{"partition_key": {"TICKER_SYMBOL"}}
	for k, v := range conn {
		in[k], out[k] = v, v
	}
	app := writeFile(t, t.TempDir(), "app.sql", `
CREATE STREAM "SOURCE_SQL_STREAM_001" (ticker_symbol VARCHAR(4), price DOUBLE, event_time TIMESTAMP, kinesis_shard_id VARCHAR(32));
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (win TIMESTAMP, ticker_symbol VARCHAR(4), trade_count BIGINT, total_price DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND), ticker_symbol, COUNT(*), SUM(price)
  FROM "SOURCE_SQL_STREAM_001"
  GROUP BY ticker_symbol, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '10' SECOND);
`)
	var stdout, stderr bytes.Buffer
	code := run([]string{"run", app,
		"--input", "SOURCE_SQL_STREAM_001=kinesis:ticks?" + in.Encode(),
		"--output", "DESTINATION_SQL_STREAM=kinesis:totals?" + out.Encode(),
	}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got := map[key]total{}
	for _, data := range readStream(t, srv.Client, "totals") {
		var row struct {
			WIN           string
			TICKER_SYMBOL string
			TRADE_COUNT   int64
			TOTAL_PRICE   float64
		}
		if err := json.Unmarshal(data, &row); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		win, err := time.Parse("2006-01-02T15:04:05.000Z", row.WIN)
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		k := key{win, row.TICKER_SYMBOL}
		if _, dup := got[k]; dup {
			t.Errorf("window %v %s written twice", k.win, k.sym)
		}
		got[k] = total{row.TRADE_COUNT, row.TOTAL_PRICE}
	}
	if !reflect.DeepEqual(got, want) {
		keys := func(m map[key]total) []string {
			var s []string
			for k, v := range m {
				s = append(s, fmt.Sprintf("%s %s %d %.2f", k.win.Format("15:04:05"), k.sym, v.n, v.sum))
			}
			sort.Strings(s)
			return s
		}
		t.Errorf("windowed totals:\n got %v\nwant %v\nstderr: %s", keys(got), keys(want), stderr.String())
	}
}

// readStream returns the data of every record of every shard of stream,
// de-aggregated.
func readStream(t *testing.T, c *kinesis.Client, stream string) [][]byte {
	t.Helper()
	ctx := context.Background()
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, sh := range shards.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		for iter := it.ShardIterator; iter != nil; {
			res, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Records) == 0 {
				break
			}
			for _, r := range res.Records {
				if !source.IsAggregated(r.Data) {
					out = append(out, r.Data)
					continue
				}
				users, err := source.Deaggregate(r.Data)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range users {
					out = append(out, u.Data)
				}
			}
			iter = res.NextShardIterator
		}
	}
	return out
}
