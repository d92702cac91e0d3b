package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	_ "github.com/eddy-sql/eddy/sinks/kafka"
	_ "github.com/eddy-sql/eddy/sources/kafka"
)

// kafkaBroker starts an in-process Kafka-protocol broker on loopback with
// a 3-partition topic "bids" and a topic "results". Under CI=true a broker
// that cannot start fails the test; elsewhere it skips.
func kafkaBroker(t *testing.T) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "bids", "results"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kafka broker (kfake) did not start: %v", err)
		}
		t.Skipf("kafka broker (kfake) did not start: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// kafkaBid is a Nexmark-like bid.
type kafkaBid struct {
	Auction  int64  `json:"auction"`
	Bidder   int64  `json:"bidder"`
	Price    int64  `json:"price"`
	DateTime string `json:"dateTime"`
}

// makeBids returns n bids 50 ms apart over 8 auctions, and, as JSON lines
// sorted, the windowed aggregates the test app must produce: per auction
// and 10-second window, the count and the sum of prices.
func makeBids(n int) ([]kafkaBid, []string) {
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	type key struct {
		auction int64
		ws      time.Time
	}
	agg := map[key][2]int64{}
	bids := make([]kafkaBid, n)
	for i := range bids {
		ts := base.Add(time.Duration(i) * 50 * time.Millisecond)
		b := kafkaBid{Auction: int64(1000 + i*7%8), Bidder: int64(i % 13), Price: int64(100 + i*37%900), DateTime: ts.Format("2006-01-02T15:04:05.000Z")}
		bids[i] = b
		k := key{b.Auction, ts.Truncate(10 * time.Second)}
		a := agg[k]
		agg[k] = [2]int64{a[0] + 1, a[1] + b.Price}
	}
	var want []string
	for k, a := range agg {
		want = append(want, fmt.Sprintf(`{"AUCTION":%d,"N":%d,"TOTAL":%d,"WS":"%s"}`, k.auction, a[0], a[1], k.ws.Format("2006-01-02T15:04:05.000Z")))
	}
	sort.Strings(want)
	return bids, want
}

// kafkaApp declares the input and runs a tumbling-window aggregate into
// PER_WINDOW.
const kafkaApp = `
CREATE STREAM bids (auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP, KAFKA_PARTITION INTEGER);
CREATE STREAM per_window (auction BIGINT, n BIGINT, total BIGINT, ws TIMESTAMP);
CREATE PUMP p AS INSERT INTO per_window
  SELECT STREAM auction, COUNT(*), SUM(price), TUMBLE_START(ROWTIME, INTERVAL '10' SECOND)
  FROM bids GROUP BY auction, TUMBLE(ROWTIME, INTERVAL '10' SECOND);
`

// runKafkaApp runs the app reading topic bids to its end and writing
// topic results.
func runKafkaApp(t *testing.T, addr string) {
	t.Helper()
	app := writeFile(t, t.TempDir(), "app.sql", kafkaApp)
	var out, errb bytes.Buffer
	code := run([]string{"run", app,
		"--input", "BIDS=kafka:bids?brokers=" + addr + "&rowtime=dateTime&lateness=60s&stop_at_end=true",
		"--output", "PER_WINDOW=kafka:results?brokers=" + addr + "&key=auction"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if errb.Len() > 0 {
		t.Errorf("stderr: %s", errb.String())
	}
}

func TestRunKafkaTumblingWindow(t *testing.T) {
	t.Parallel()
	addr := kafkaBroker(t)
	bids, want := makeBids(1200)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("bids"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for _, b := range bids {
		v, _ := json.Marshal(b)
		recs = append(recs, &kgo.Record{Key: fmt.Appendf(nil, "%d", b.Auction), Value: v})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	runKafkaApp(t, addr)

	consumer, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("results"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	var got []string
	for len(got) < len(want) && ctx.Err() == nil {
		f := consumer.PollFetches(ctx)
		f.EachRecord(func(r *kgo.Record) {
			got = append(got, string(r.Value))
			var row struct{ AUCTION int64 }
			if err := json.Unmarshal(r.Value, &row); err != nil || string(r.Key) != fmt.Sprint(row.AUCTION) {
				t.Errorf("result %s has key %q", r.Value, r.Key)
			}
		})
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRunKafkaWithKcat has kcat (librdkafka), an independent client,
// produce the input and read the output.
func TestRunKafkaWithKcat(t *testing.T) {
	t.Parallel()
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not installed (.ci/setup-kafka.sh installs it)")
		}
		t.Skip("kcat is not installed; .ci/setup-kafka.sh installs it")
	}
	addr := kafkaBroker(t)
	bids, want := makeBids(600)
	var in bytes.Buffer
	for _, b := range bids {
		v, _ := json.Marshal(b)
		fmt.Fprintf(&in, "%d\t%s\n", b.Auction, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	produce := exec.CommandContext(ctx, kcat, "-P", "-b", addr, "-t", "bids", "-K", "\t")
	produce.Stdin = &in
	if out, err := produce.CombinedOutput(); err != nil {
		t.Fatalf("kcat -P: %v: %s", err, out)
	}
	runKafkaApp(t, addr)
	consume := exec.CommandContext(ctx, kcat, "-C", "-b", addr, "-t", "results", "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n")
	out, err := consume.Output()
	if err != nil {
		t.Fatalf("kcat -C: %v", err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		key, value, _ := strings.Cut(l, "\t")
		var row struct{ AUCTION int64 }
		if err := json.Unmarshal([]byte(value), &row); err != nil || key != fmt.Sprint(row.AUCTION) {
			t.Errorf("result %q has key %q", value, key)
		}
		got = append(got, value)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
