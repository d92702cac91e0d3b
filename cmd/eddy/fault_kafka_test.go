package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// restartableBroker is an in-process Kafka-protocol broker (kfake) that
// keeps its data in a directory, so it can be stopped and started again
// on the same port with its topics and messages.
type restartableBroker struct {
	t    *testing.T
	port int
	dir  string
	c    *kfake.Cluster
}

func newRestartableBroker(t *testing.T) *restartableBroker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	b := &restartableBroker{t: t, port: port, dir: filepath.Join(t.TempDir(), "kafka")}
	b.start()
	t.Cleanup(b.stop)
	return b
}

func (b *restartableBroker) start() {
	b.t.Helper()
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to be free again
		b.c, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(b.port), kfake.DataDir(b.dir),
			kfake.SeedTopics(1, "bids", "results"))
		if err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	if inCI() {
		b.t.Fatalf("kafka broker (kfake) did not start: %v", err)
	}
	b.t.Skipf("kafka broker (kfake) did not start: %v", err)
}

func (b *restartableBroker) stop() {
	if b.c != nil {
		b.c.Close()
		b.c = nil
	}
}

func (b *restartableBroker) addr() string { return fmt.Sprintf("127.0.0.1:%d", b.port) }

// produce sends messages from..to-1 to topic bids: {"seq":i,"price":p}.
func (b *restartableBroker) produce(from, to int) {
	b.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr()), kgo.DefaultProduceTopic("bids"), kgo.DisableIdempotentWrite())
	if err != nil {
		b.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for i := from; i < to; i++ {
		recs = append(recs, &kgo.Record{Value: fmt.Appendf(nil, `{"seq":%d,"price":%d}`, i, 100+i%900)})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		b.t.Fatalf("producing: %v", err)
	}
}

// consume reads topic results from the start until it holds want
// messages or d passes.
func (b *restartableBroker) consume(want int, d time.Duration) []string {
	b.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr()), kgo.ConsumeTopics("results"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		b.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var got []string
	for len(got) < want && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got
}

// TestFaultKafkaBrokerRestart restarts the broker on the same port (its
// data kept) in the middle of a run that copies topic bids to topic
// results. The Kafka source reconnects and reads on, and the Kafka
// destination retries (retries = 10 attempts, backoff up to 2s, by its
// documentation) and delivers: every message reaches results at least
// once, with no gap. When the broker does not come back, the destination
// gives up after its retries and Eddy stops with exit 1, saying so.
func TestFaultKafkaBrokerRestart(t *testing.T) {
	t.Parallel()
	const n = 3000
	app := `
CREATE STREAM bids (seq BIGINT, price BIGINT);
CREATE STREAM copied (seq BIGINT, price BIGINT);
CREATE PUMP p AS INSERT INTO copied SELECT STREAM seq, price FROM bids;
`
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf(`{"SEQ":%d,"PRICE":%d}`, i, 100+i%900)
	}
	t.Run("the broker comes back", func(t *testing.T) {
		t.Parallel()
		b := newRestartableBroker(t)
		dir := t.TempDir()
		c := startEddy(t, nil, "run", writeFile(t, dir, "app.sql", app), "--state", filepath.Join(dir, "state"),
			"--set", "checkpoint_interval=200ms",
			"--input", "BIDS=kafka:bids?brokers="+b.addr()+"&start=earliest",
			"--output", "COPIED=kafka:results?brokers="+b.addr())
		b.produce(0, n/2)
		if got := b.consume(n/4, 15*time.Second); len(got) < n/4 {
			t.Fatalf("only %d messages copied before the restart; stderr:\n%s", len(got), c.stderr.String())
		}
		b.stop()
		time.Sleep(500 * time.Millisecond)
		b.start()
		b.produce(n/2, n)
		got := b.consume(n, 30*time.Second)
		if c.exited() {
			t.Fatalf("eddy stopped (exit %d): %s", c.wait(0), c.stderr.String())
		}
		c.term()
		if code := c.wait(15 * time.Second); code != 143 {
			t.Errorf("exit %d after SIGTERM: %s", code, c.stderr.String())
		}
		if dups := compareAtLeastOnce(t, "topic results", got, want); dups > 0 {
			t.Logf("%d messages copied more than once (at-least-once)", dups)
		}
	})
	t.Run("the broker stays away", func(t *testing.T) {
		t.Parallel()
		b := newRestartableBroker(t)
		dir := t.TempDir()
		gen := writeFile(t, dir, "gen.sql", `
CREATE STREAM bid (auction BIGINT, price BIGINT)
  WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '100000', rate = '5000', batch_size = '100');
CREATE STREAM copied (auction BIGINT, price BIGINT);
CREATE PUMP p AS INSERT INTO copied SELECT STREAM auction, price FROM bid;
`)
		c := startEddy(t, nil, "run", gen, "--output", "COPIED=kafka:results?brokers="+b.addr()+"&retries=3&backoff_min=50ms&backoff_max=200ms")
		if got := b.consume(100, 15*time.Second); len(got) < 100 {
			t.Fatalf("only %d messages written before the broker went away; stderr:\n%s", len(got), c.stderr.String())
		}
		b.stop()
		code := c.wait(30 * time.Second)
		stderr := c.stderr.String()
		if code != 1 || !strings.Contains(stderr, "kafka: delivery failed") || !strings.Contains(stderr, "after 3 attempts") {
			t.Fatalf("exit %d, want 1 with the destination's delivery error; stderr:\n%s", code, stderr)
		}
	})
}
