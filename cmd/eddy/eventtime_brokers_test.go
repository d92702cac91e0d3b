package main

// The differential harness over real brokers: the generated partitions
// become the partitions of a Kafka topic (kfake, in-process) or the shards
// of a Kinesis stream (kinesalite), pre-loaded as a backlog and read from
// the beginning to their end, and the output must equal the reference's,
// as for files.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// etRowJSON is the JSON record of a generated row.
func etRowJSON(t *testing.T, r etRow) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"k": r.K, "ts": etTime(r.TS), "v": r.V})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// etWriterParts returns the partitions of writer w.
func etWriterParts(in etInput, w int) [][]etRow {
	var parts [][]etRow
	for p, part := range in.Parts {
		if in.Writer[p] == w {
			parts = append(parts, part)
		}
	}
	return parts
}

// etKafkaSource loads each partition of writer w into its own partition
// of a new topic on its own kfake broker.
func etKafkaSource(t *testing.T, in etInput, w int) string {
	parts := etWriterParts(in, w)
	topic := fmt.Sprintf("et-%d", w)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(len(parts)), topic))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kafka broker (kfake) did not start: %v", err)
		}
		t.Skipf("kafka broker (kfake) did not start: %v", err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for p, part := range parts {
		for _, r := range part {
			recs = append(recs, &kgo.Record{Partition: int32(p), Value: etRowJSON(t, r)})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("kafka:%s?brokers=%s&format=json&start=earliest&stop_at_end=true&linger=5ms", topic, addr)
}

var etStreamSeq atomic.Int64

// etKinesisSource loads each partition of writer w into its own shard of
// a new stream on srv.
func etKinesisSource(srv *kinesalite.Server) func(t *testing.T, in etInput, w int) string {
	return func(t *testing.T, in etInput, w int) string {
		parts := etWriterParts(in, w)
		name := fmt.Sprintf("et-%d", etStreamSeq.Add(1))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := srv.Client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(int32(len(parts)))}); err != nil {
			t.Fatal(err)
		}
		var shards []types.Shard
		for {
			d, err := srv.Client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			if d.StreamDescription.StreamStatus == types.StreamStatusActive {
				shards = d.StreamDescription.Shards
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for p, part := range parts {
			for i := 0; i < len(part); i += 500 {
				var entries []types.PutRecordsRequestEntry
				for _, r := range part[i:min(i+500, len(part))] {
					entries = append(entries, types.PutRecordsRequestEntry{
						Data: etRowJSON(t, r), PartitionKey: aws.String("k"),
						ExplicitHashKey: shards[p].HashKeyRange.StartingHashKey,
					})
				}
				out, err := srv.Client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(name), Records: entries})
				if err != nil || aws.ToInt32(out.FailedRecordCount) > 0 {
					t.Fatalf("put records: %v (%d failed)", err, aws.ToInt32(out.FailedRecordCount))
				}
			}
		}
		return fmt.Sprintf("kinesis:%s?endpoint=%s&region=%s&access_key_id=%s&secret_access_key=%s&start=trim_horizon&stop_at_end=true&format=json&poll_interval=20ms",
			name, srv.Endpoint, kinesalite.Region, kinesalite.AccessKeyID, kinesalite.SecretAccessKey)
	}
}

// etBrokerForms are the forms run over brokers: one of each kind of state.
var etBrokerForms = []string{"tumble_tvf", "hop_group", "session_tvf", "step", "over_range"}

func etRunOverBroker(t *testing.T, seeds int, source func(t *testing.T, in etInput, w int) string) {
	for _, name := range etBrokerForms {
		form := etFormNamed(t, name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for i := range seeds {
				seed := uint64(101 + i)
				late := etLatenesses[i%len(etLatenesses)]
				batch := etBatchSizes[i%len(etBatchSizes)]
				writers := 1 + i%2
				t.Run(fmt.Sprintf("%d_%s_batch%s_%dwriters", seed, late.name, etBatchName(batch), writers), func(t *testing.T) {
					t.Parallel()
					in := etGenerate(seed, etGenOpts{Lateness: late.L, Rows: 300, DistinctTS: form.distinct, Writers: writers})
					c := etCase{form: form, late: late, batch: batch, writers: writers, in: in, source: source}
					if report, _ := etCheck(t, c); report != "" {
						t.Errorf("seed %d over a broker differs from the reference: %s", seed, report)
					}
				})
			}
		})
	}
}

// TestEventTimeOverKafka runs the harness over a pre-loaded multi-partition
// topic read from the beginning (a backlog in every partition).
func TestEventTimeOverKafka(t *testing.T) {
	t.Parallel()
	seeds := 4
	if *etSeedsFlag > 0 {
		seeds = *etSeedsFlag
	}
	etRunOverBroker(t, seeds, etKafkaSource)
}

// TestEventTimeOverKinesis runs the harness over a pre-loaded multi-shard
// stream read from TRIM_HORIZON (a KDA application's restart).
func TestEventTimeOverKinesis(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	seeds := 2
	if *etSeedsFlag > 0 {
		seeds = *etSeedsFlag
	}
	etRunOverBroker(t, seeds, etKinesisSource(srv))
}
