package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// temporalApp converts orders read from a file at the rate of their
// currency valid at each order's time, the rates coming from a versioned
// stream (a Kafka topic keyed by currency).
const temporalApp = `
CREATE STREAM orders (oid BIGINT, currency VARCHAR(3), amount BIGINT, ts TIMESTAMP);
CREATE STREAM rates (currency VARCHAR(3), rate BIGINT, ts TIMESTAMP) WITH (primary_key = 'currency');
CREATE STREAM converted (oid BIGINT, currency VARCHAR(3), rate BIGINT, total BIGINT);
CREATE PUMP p AS INSERT INTO converted
  SELECT STREAM o.oid, o.currency, r.rate, o.amount * r.rate
  FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ROWTIME AS r ON o.currency = r.currency;
`

// TestRunTemporalJoinKafkaVersioned runs the temporal join end to end: the
// versioned side from a two-partition kfake topic keyed by its primary
// key, the stream from a file; every order gets the rate valid at its
// time (NULL before the first rate of its currency).
func TestRunTemporalJoinKafkaVersioned(t *testing.T) {
	t.Parallel()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "rates"))
	if err != nil {
		if inCI() {
			t.Fatalf("kafka broker (kfake) did not start: %v", err)
		}
		t.Skipf("kafka broker (kfake) did not start: %v", err)
	}
	t.Cleanup(c.Close)
	addr := c.ListenAddrs()[0]
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	stamp := func(ms int) string {
		return base.Add(time.Duration(ms) * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
	}
	type rate struct {
		cur  string
		rate int64
		ms   int
	}
	currencies := []string{"EUR", "GBP", "JPY", "CHF"}
	var rates []rate
	for i := range 400 {
		rates = append(rates, rate{cur: currencies[i*7%4], rate: int64(100 + i), ms: 50 + i*100})
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("rates"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for _, r := range rates {
		v, _ := json.Marshal(map[string]any{"currency": r.cur, "rate": r.rate, "ts": stamp(r.ms)})
		recs = append(recs, &kgo.Record{Key: []byte(r.cur), Value: v})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var orders bytes.Buffer
	var want []string
	for i := range 1000 {
		ms := i * 37
		cur := currencies[i%4]
		fmt.Fprintf(&orders, `{"oid": %d, "currency": %q, "amount": %d, "ts": %q}`+"\n", i, cur, i%10+1, stamp(ms))
		best := -1
		for j, r := range rates {
			if r.cur == cur && r.ms <= ms && (best < 0 || r.ms >= rates[best].ms) {
				best = j
			}
		}
		if best < 0 {
			want = append(want, fmt.Sprintf(`{"OID":%d,"CURRENCY":"%s","RATE":null,"TOTAL":null}`, i, cur))
			continue
		}
		rt := rates[best].rate
		want = append(want, fmt.Sprintf(`{"OID":%d,"CURRENCY":"%s","RATE":%d,"TOTAL":%d}`, i, cur, rt, int64(i%10+1)*rt))
	}
	dir := t.TempDir()
	in := writeFile(t, dir, "orders.jsonl", orders.String())
	out := filepath.Join(dir, "out.jsonl")
	app := writeFile(t, dir, "app.sql", temporalApp)
	var stdout, errb bytes.Buffer
	code := run([]string{"run", app,
		"--input", "ORDERS=file:" + in + "?rowtime=ts",
		"--input", "RATES=kafka:rates?brokers=" + addr + "&rowtime=ts&stop_at_end=true",
		"--output", "CONVERTED=file:" + out}, nil, &stdout, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := fileLinesSorted(t, out)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%d rows, want %d; first got %q, first want %q", len(got), len(want), first(got), first(want))
	}
}
