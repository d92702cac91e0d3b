package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// BenchmarkRead reads JSON ticker records from kinesalite: "source" into
// Arrow batches through the connector, "sdk" with a bare GetRecords loop
// over the same shards, the server-side limit.
func BenchmarkRead(b *testing.B) {
	srv := kinesalite.Start(b)
	ctx := context.Background()
	for _, shards := range []int32{1, 4} {
		stream := fmt.Sprintf("bench%d", shards)
		const n = 20000
		if err := srv.CreateStream(ctx, stream, shards); err != nil {
			b.Fatal(err)
		}
		var entries []types.PutRecordsRequestEntry
		for i := range n {
			data, _ := json.Marshal(map[string]any{"TICKER_SYMBOL": symbols[i%len(symbols)], "SEQ": i, "PRICE": float64(i) / 8,
				"SECTOR": "TECHNOLOGY", "CHANGE": -0.25})
			entries = append(entries, types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(symbols[i%len(symbols)])})
		}
		if err := putEntries(ctx, srv.Client, stream, entries); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("source/shards=%d", shards), func(b *testing.B) {
			b.ReportAllocs()
			schema := tickerSchema()
			events := 0
			for b.Loop() {
				events += readSource(b, srv, stream, schema)
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
		b.Run(fmt.Sprintf("sdk/shards=%d", shards), func(b *testing.B) {
			b.ReportAllocs()
			events := 0
			for b.Loop() {
				events += readSDK(b, srv.Client, stream)
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func readSource(b *testing.B, srv *kinesalite.Server, stream string, schema *arrow.Schema) int {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	opts := srv.Options(stream)
	opts["start"], opts["stop_at_end"] = "trim_horizon", "true"
	src, err := New(context.Background(), sources.Env{Stream: "IN", Schema: schema, Alloc: mem, Clock: time.Now}, opts)
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	for {
		rec, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		rows += int(rec.NumRows())
		rec.Release()
	}
	src.Close()
	mem.AssertSize(b, 0)
	return rows
}

func readSDK(b *testing.B, c *kinesis.Client, stream string) int {
	ctx := context.Background()
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	for _, sh := range shards.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			b.Fatal(err)
		}
		for iter := it.ShardIterator; iter != nil; {
			res, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Records) == 0 {
				break
			}
			rows += len(res.Records)
			iter = res.NextShardIterator
		}
	}
	return rows
}
