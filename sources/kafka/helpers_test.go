package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddy-sql/eddy/sources"
)

// startBroker starts an in-process Kafka-protocol broker on loopback with
// the given topics of nparts partitions each, and returns its address. It
// fails under CI=true when the broker cannot start, and skips otherwise.
func startBroker(t testing.TB, nparts int32, topics ...string) string {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100 * time.Millisecond)}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(nparts, topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kafka broker (kfake) did not start: %v", err)
		}
		t.Skipf("kafka broker (kfake) did not start: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// msg is a message to produce.
type msg struct {
	partition int32
	key       string
	value     string
	headers   map[string]string
	ts        time.Time
}

// produce writes msgs with franz-go, an independent client, to their
// partitions of topic and waits for the acknowledgements.
func produce(t testing.TB, addr, topic string, msgs []msg) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0), kgo.MaxBufferedRecords(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		r := &kgo.Record{Topic: topic, Partition: m.partition, Value: []byte(m.value), Timestamp: m.ts}
		if m.key != "" {
			r.Key = []byte(m.key)
		}
		keys := make([]string, 0, len(m.headers))
		for k := range m.headers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: k, Value: []byte(m.headers[k])})
		}
		recs[i] = r
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// bid returns a Nexmark-like bid as JSON.
func bid(auction, bidder, price int64, ts time.Time) string {
	return fmt.Sprintf(`{"auction":%d,"bidder":%d,"price":%d,"dateTime":"%s"}`, auction, bidder, price, ts.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// rejects collects bad records; safe for concurrent use.
type rejects struct {
	mu  sync.Mutex
	got []sources.BadRecord
}

func (r *rejects) add(b sources.BadRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, b)
}

func (r *rejects) list() []sources.BadRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sources.BadRecord(nil), r.got...)
}

func testEnv(mem memory.Allocator, declared *arrow.Schema, rj *rejects) sources.Env {
	env := sources.Env{Stream: "BIDS", Schema: sources.WithSystemColumns(declared), Alloc: mem, Clock: time.Now}
	if rj != nil {
		env.Reject = rj.add
	}
	return env
}

// row is one output row rendered as text by column name.
type row map[string]string

// rowsOf renders every row of rec.
func rowsOf(rec arrow.RecordBatch) []row {
	out := make([]row, rec.NumRows())
	for i := range out {
		out[i] = row{}
		for c, f := range rec.Schema().Fields() {
			col := rec.Column(c)
			v := "NULL"
			if col.IsValid(i) {
				switch a := col.(type) {
				case *array.Timestamp:
					v = strconv.FormatInt(int64(a.Value(i)), 10)
				default:
					v = col.ValueStr(i)
				}
			}
			out[i][f.Name] = v
		}
	}
	return out
}

// readRows calls Next until want rows have come (or timeout) and returns
// them.
func readRows(t testing.TB, src sources.Source, want int, timeout time.Duration) []row {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var rows []row
	for len(rows) < want {
		rec, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d rows: %v", len(rows), err)
		}
		if !rec.Schema().Equal(src.Schema()) {
			t.Fatalf("batch schema %s, want %s", rec.Schema(), src.Schema())
		}
		rows = append(rows, rowsOf(rec)...)
		rec.Release()
	}
	return rows
}
