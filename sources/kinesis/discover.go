package kinesis

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// discoverSamples is how many user records Discover reads at most.
const discoverSamples = 100

// Discover reads up to 100 records from the oldest data of the stream's
// shards (de-aggregating KPL records; nothing is checkpointed) and infers
// the stream's declared columns from them, as KDA's DiscoverInputSchema did.
func Discover(ctx context.Context, opts sources.Options) (*arrow.Schema, error) {
	stream, err := ParseStream(opts.String("stream"))
	if err != nil {
		return nil, err
	}
	client, err := NewClient(ctx, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var samples [][]byte
	in := &kinesis.ListShardsInput{StreamName: stream.NamePtr(), StreamARN: stream.ARNPtr()}
	for len(samples) < discoverSamples {
		out, err := client.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("kinesis: discover %s: %w", stream, err)
		}
		for _, sh := range out.Shards {
			got, err := sampleShard(ctx, client, stream, aws.ToString(sh.ShardId), discoverSamples-len(samples))
			if err != nil {
				return nil, err
			}
			samples = append(samples, got...)
			if len(samples) >= discoverSamples {
				break
			}
		}
		if out.NextToken == nil {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("kinesis: discover: stream %s holds no record yet; declare the stream with CREATE STREAM", stream)
	}
	return codec.DiscoverWith(samples, opts)
}

// sampleShard reads up to n user records from the oldest data of a shard.
func sampleShard(ctx context.Context, client *kinesis.Client, stream StreamRef, shard string, n int) ([][]byte, error) {
	it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: stream.NamePtr(), StreamARN: stream.ARNPtr(), ShardId: aws.String(shard),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return nil, fmt.Errorf("kinesis: discover %s/%s: %w", stream, shard, err)
	}
	var out [][]byte
	iter := it.ShardIterator
	for tries := 0; iter != nil && len(out) < n && tries < 5; tries++ {
		recs, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(int32(n))})
		if err != nil {
			return nil, fmt.Errorf("kinesis: discover %s/%s: %w", stream, shard, err)
		}
		for _, r := range recs.Records {
			if !IsAggregated(r.Data) {
				out = append(out, r.Data)
				continue
			}
			users, err := Deaggregate(r.Data)
			if err != nil {
				continue // a damaged aggregate: not a sample
			}
			for _, u := range users {
				out = append(out, u.Data)
			}
		}
		if len(recs.Records) == 0 && aws.ToInt64(recs.MillisBehindLatest) == 0 {
			break
		}
		iter = recs.NextShardIterator
	}
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}
