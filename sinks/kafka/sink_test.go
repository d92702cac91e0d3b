package kafka

import (
	"context"
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
	ksrc "github.com/eddy-sql/eddy/sources/kafka"
)

func startBroker(t *testing.T, nparts int32, topics ...string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(nparts, topics...))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kafka broker (kfake) did not start: %v", err)
		}
		t.Skipf("kafka broker (kfake) did not start: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

var outSchema = arrow.NewSchema([]arrow.Field{
	{Name: "SYM", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "N", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "ROWTIME", Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
}, nil)

// batchOf builds a batch of n rows: SYM cycles through syms, N counts.
func batchOf(mem memory.Allocator, n int, syms ...string) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, outSchema)
	defer b.Release()
	for i := range n {
		b.Field(0).(*array.StringBuilder).Append(syms[i%len(syms)])
		b.Field(1).(*array.Int64Builder).Append(int64(i))
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(1714557600000 + int64(i)))
	}
	return b.NewRecordBatch()
}

func open(t *testing.T, mem memory.Allocator, raw map[string]string) sinks.Sink {
	t.Helper()
	opts, err := sources.Validate(raw, Options(), false)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(opts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(sinks.Env{Stream: "OUT", Schema: outSchema, Alloc: mem}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// consume reads n records of topic with franz-go, an independent client.
func consume(t *testing.T, addr, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < n {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records", len(recs), n)
		}
		recs = append(recs, f.Records()...)
	}
	return recs
}

func TestSinkWritesMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      map[string]string
		wantValue string // of the row N=1
		wantKey   string
	}{
		{"json without key", map[string]string{"format": "json"}, `{"SYM":"B","N":1,"ROWTIME":"2024-05-01T10:00:00.001Z"}`, ""},
		{"csv keyed by a column", map[string]string{"format": "csv", "key": "sym"}, `B,1,2024-05-01T10:00:00.001Z`, "B"},
		{"two key columns", map[string]string{"key": "SYM,N"}, `{"SYM":"B","N":1,"ROWTIME":"2024-05-01T10:00:00.001Z"}`, "B|1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startBroker(t, 3, "out")
			addr := c.ListenAddrs()[0]
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			raw := map[string]string{"brokers": addr, "topic": "out"}
			for k, v := range tc.opts {
				raw[k] = v
			}
			s := open(t, mem, raw)
			ctx := context.Background()
			if err := s.Write(ctx, batchOf(mem, 30, "A", "B", "C")); err != nil {
				t.Fatal(err)
			}
			if err := s.(sinks.Flusher).Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			recs := consume(t, addr, "out", 30)
			partsOfKey := map[string]map[int32]bool{}
			for _, r := range recs {
				if r.Timestamp.UnixMilli() < 1714557600000 || r.Timestamp.UnixMilli() >= 1714557600030 {
					t.Errorf("message timestamp %v is not the row's ROWTIME", r.Timestamp)
				}
				if strings.Contains(string(r.Value), `"N":1,`) || strings.HasPrefix(string(r.Value), "B,1,") {
					if string(r.Value) != tc.wantValue || string(r.Key) != tc.wantKey {
						t.Errorf("message %q key %q, want %q key %q", r.Value, r.Key, tc.wantValue, tc.wantKey)
					}
				}
				if tc.wantKey != "" {
					k := string(r.Key)
					if partsOfKey[k] == nil {
						partsOfKey[k] = map[int32]bool{}
					}
					partsOfKey[k][r.Partition] = true
				}
			}
			for k, ps := range partsOfKey {
				if len(ps) != 1 {
					t.Errorf("key %s went to %d partitions", k, len(ps))
				}
			}
		})
	}
}

func TestSinkBatchesBySize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		batchSize string
		min, max  int64 // produce requests for 100 rows to one partition
	}{
		{"small batches make many requests", "10", 10, 100},
		{"large batches make few", "1000", 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startBroker(t, 1, "out")
			var produces atomic.Int64
			c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				produces.Add(1)
				return nil, nil, false
			})
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			s := open(t, mem, map[string]string{"brokers": c.ListenAddrs()[0], "topic": "out", "batch_size": tc.batchSize, "linger": "50ms"})
			ctx := context.Background()
			if err := s.Write(ctx, batchOf(mem, 100, "A")); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if n := produces.Load(); n < tc.min || n > tc.max {
				t.Errorf("%d produce requests, want %d to %d", n, tc.min, tc.max)
			}
			if got := len(consume(t, c.ListenAddrs()[0], "out", 100)); got != 100 {
				t.Errorf("%d messages", got)
			}
		})
	}
}

func TestSinkErrorOutlivingRetriesStopsTheQuery(t *testing.T) {
	t.Parallel()
	c := startBroker(t, 1, "out")
	var attempts atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		attempts.Add(1)
		pr := req.(*kmsg.ProduceRequest)
		resp := pr.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range pr.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = 7 // REQUEST_TIMED_OUT: retriable
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := open(t, mem, map[string]string{"brokers": c.ListenAddrs()[0], "topic": "out", "retries": "3", "backoff_min": "10ms", "backoff_max": "20ms"})
	ctx := context.Background()
	err := s.Write(ctx, batchOf(mem, 5, "A"))
	if !errors.Is(err, ErrDelivery) {
		t.Fatalf("write error %v, want ErrDelivery", err)
	}
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if err := s.(sinks.Flusher).Flush(ctx); !errors.Is(err, ErrDelivery) {
		t.Errorf("flush after the failure: %v", err)
	}
	if err := s.Write(ctx, batchOf(mem, 1, "A")); !errors.Is(err, ErrDelivery) {
		t.Errorf("write after the failure: %v", err)
	}
	if err := s.Close(ctx); !errors.Is(err, ErrDelivery) {
		t.Errorf("close after the failure: %v", err)
	}
}

// TestRoundTrip writes rows with the sink and reads them back with the
// kafka source.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	c := startBroker(t, 3, "out")
	addr := c.ListenAddrs()[0]
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := open(t, mem, map[string]string{"brokers": addr, "topic": "out", "key": "sym"})
	ctx := context.Background()
	for range 4 {
		if err := s.Write(ctx, batchOf(mem, 25, "A", "B", "C", "D")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	declared := arrow.NewSchema([]arrow.Field{
		{Name: "SYM", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "N", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "KAFKA_KEY", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	src, err := ksrc.New(ctx, sources.Env{Stream: "IN", Schema: sources.WithSystemColumns(declared), Alloc: mem, Clock: time.Now},
		map[string]string{"brokers": addr, "topic": "out", "stop_at_end": "true"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var got []string
	for {
		rec, err := src.Next(ctx)
		if err != nil {
			break
		}
		for i := range int(rec.NumRows()) {
			sym := rec.Column(0).(*array.String).Value(i)
			if key := rec.Column(2).(*array.String).Value(i); key != sym {
				t.Errorf("key %q for SYM %q", key, sym)
			}
			got = append(got, sym+rec.Column(1).ValueStr(i))
		}
		rec.Release()
	}
	var want []string
	for range 4 {
		for i := range 25 {
			want = append(want, []string{"A", "B", "C", "D"}[i%4]+itoa(i))
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("read back %v\nwant %v", got, want)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
