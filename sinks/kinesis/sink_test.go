package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sinks"
	source "github.com/eddy-sql/eddy/sources/kinesis"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

func outSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "TICKER_SYMBOL", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "N", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "NOTE", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
}

// batchOf builds a batch of rows N = first … first+n-1.
func batchOf(t *testing.T, mem memory.Allocator, first, n int, note string) arrow.RecordBatch {
	t.Helper()
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"TICKER_SYMBOL":"S%d","N":%d,"NOTE":%q}`, (first+i)%7, first+i, note)
	}
	b.WriteString("]")
	rec, _, err := array.RecordFromJSON(mem, outSchema(), strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// record is one record read back: its partition key and data, after
// de-aggregation.
type record struct {
	key, data string
}

// readBack reads every record of every shard of stream, de-aggregating,
// and counts the Kinesis records.
func readBack(t *testing.T, c *kinesis.Client, stream string) ([]record, int) {
	t.Helper()
	ctx := context.Background()
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	raw := 0
	for _, sh := range shards.Shards {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for iter != nil {
			res, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			raw += len(res.Records)
			for _, r := range res.Records {
				if !source.IsAggregated(r.Data) {
					out = append(out, record{aws.ToString(r.PartitionKey), string(r.Data)})
					continue
				}
				users, err := source.Deaggregate(r.Data)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range users {
					out = append(out, record{u.PartitionKey, string(u.Data)})
				}
			}
			if len(res.Records) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	return out, raw
}

// rejected collects Env.Reject calls; safe for concurrent use.
type rejected struct {
	mu   sync.Mutex
	rows []string
	errs []error
}

func (r *rejected) add(row string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows, r.errs = append(r.rows, row), append(r.errs, err)
}

func TestSinkWritesEveryRow(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	cases := []struct {
		name string
		opts map[string]string
		// check verifies one record read back for row n.
		check func(r record, n int) error
		// records is how many Kinesis records 1300 rows make at most.
		records int
	}{
		{"json with random keys", nil, func(r record, n int) error {
			if len(r.key) == 0 {
				return errors.New("empty key")
			}
			return nil
		}, 1300},
		{"json keyed by a column", map[string]string{"partition_key": "ticker_symbol"}, func(r record, n int) error {
			if want := fmt.Sprintf("S%d", n%7); r.key != want {
				return fmt.Errorf("key %q, want %q", r.key, want)
			}
			return nil
		}, 1300},
		{"csv", map[string]string{"format": "csv", "partition_key": "N"}, func(r record, n int) error {
			if want := fmt.Sprintf("S%d,%d,note\n", n%7, n); r.data != want || r.key != fmt.Sprint(n) {
				return fmt.Errorf("record %+v, want %q", r, want)
			}
			return nil
		}, 1300},
		{"KPL aggregated by key", map[string]string{"aggregate": "true", "aggregate_size": "4KiB", "partition_key": "TICKER_SYMBOL"}, func(r record, n int) error {
			if want := fmt.Sprintf("S%d", n%7); r.key != want {
				return fmt.Errorf("key %q, want %q", r.key, want)
			}
			return nil
		}, 1300 / 20},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			stream := fmt.Sprintf("out%d", i)
			if err := srv.CreateStream(ctx, stream, 3); err != nil {
				t.Fatal(err)
			}
			opts := srv.Options(stream)
			for k, v := range tc.opts {
				opts[k] = v
			}
			snk, err := New(ctx, sinks.Env{Stream: "OUT", Schema: outSchema(), Alloc: mem, Clock: time.Now}, opts)
			if err != nil {
				t.Fatal(err)
			}
			for first := 0; first < 1300; first += 650 {
				if err := snk.Write(ctx, batchOf(t, mem, first, 650, "note")); err != nil {
					t.Fatal(err)
				}
			}
			if err := snk.(sinks.Flusher).Flush(ctx); err != nil {
				t.Fatal(err)
			}
			recs, raw := readBack(t, srv.Client, stream)
			if raw > tc.records {
				t.Errorf("%d Kinesis records, want at most %d", raw, tc.records)
			}
			if err := snk.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1300 {
				t.Fatalf("read %d records, want 1300", len(recs))
			}
			seen := map[int]bool{}
			lastPerKey := map[string]int{}
			for _, r := range recs {
				var n int
				if tc.opts["format"] == "csv" {
					fmt.Sscanf(strings.Split(r.data, ",")[1], "%d", &n)
				} else {
					var v struct{ N int }
					if err := json.Unmarshal([]byte(r.data), &v); err != nil {
						t.Fatalf("%q: %v", r.data, err)
					}
					n = v.N
				}
				if err := tc.check(r, n); err != nil {
					t.Fatalf("row %d: %v", n, err)
				}
				if seen[n] {
					t.Fatalf("row %d written twice", n)
				}
				seen[n] = true
				if tc.opts["partition_key"] != "" {
					if prev, ok := lastPerKey[r.key]; ok && n < prev {
						t.Errorf("key %s: row %d after %d", r.key, n, prev)
					}
					lastPerKey[r.key] = n
				}
			}
		})
	}
}

func TestSinkRejectsRecordsOverTheLimit(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	if err := srv.CreateStream(ctx, "big", 1); err != nil {
		t.Fatal(err)
	}
	rj := &rejected{}
	snk, err := New(ctx, sinks.Env{Stream: "OUT", Schema: outSchema(), Alloc: mem, Reject: rj.add}, srv.Options("big"))
	if err != nil {
		t.Fatal(err)
	}
	defer snk.Close(ctx)
	if err := snk.Write(ctx, batchOf(t, mem, 0, 2, "small")); err != nil {
		t.Fatal(err)
	}
	if err := snk.Write(ctx, batchOf(t, mem, 2, 1, strings.Repeat("x", MaxRecordBytes))); err != nil {
		t.Fatal(err)
	}
	if err := snk.(sinks.Flusher).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if recs, _ := readBack(t, srv.Client, "big"); len(recs) != 2 {
		t.Errorf("%d records written, want 2", len(recs))
	}
	if len(rj.errs) != 1 || !errors.Is(rj.errs[0], ErrTooLarge) || !strings.Contains(rj.rows[0], `"N":2`) {
		t.Errorf("rejects %v", rj.errs)
	}
}

func TestSinkOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts map[string]string
		want string
	}{
		{"unknown key column", map[string]string{"partition_key": "NOPE"}, "partition_key"},
		{"table format", map[string]string{"format": "table"}, "format"},
		{"aggregate_size over 1MiB", map[string]string{"aggregate_size": "2MiB"}, "aggregate_size"},
		{"unknown option", map[string]string{"shards": "2"}, "unknown option"},
		{"no stream", map[string]string{"stream": ""}, "stream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := map[string]string{"stream": "s", "region": "us-east-1", "endpoint": "http://127.0.0.1:1", "access_key_id": "a", "secret_access_key": "b"}
			for k, v := range tc.opts {
				if v == "" {
					delete(opts, k)
				} else {
					opts[k] = v
				}
			}
			snk, err := New(context.Background(), sinks.Env{Stream: "OUT", Schema: outSchema()}, opts)
			if err == nil {
				snk.Close(context.Background())
				t.Fatalf("New succeeded, want an error about %s", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error about %s", err, tc.want)
			}
		})
	}
}
