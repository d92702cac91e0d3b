package kafka

import (
	"context"
	"errors"
	"fmt"
	"github.com/eddy-sql/eddy/sources"
	"io"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fakeClock is a clock the test moves; safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// byName returns the partitions of src by name, failing on duplicates.
func byName(t *testing.T, src Source) map[string]sources.Partition {
	t.Helper()
	out := map[string]sources.Partition{}
	for _, p := range src.Partitions() {
		if _, dup := out[p.Name]; dup {
			t.Fatalf("partition %s listed twice", p.Name)
		}
		if p.Watermark != sources.NoWatermark {
			t.Errorf("partition %s promises watermark %d; sources leave it to the rows", p.Name, p.Watermark)
		}
		out[p.Name] = p
	}
	return out
}

func TestPartitionsCatchUpFairlyAndAligned(t *testing.T) {
	t.Parallel()
	const perPart, batch = 300, 10
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	// Partition k's rows run from base+2k minutes, one a second: each
	// partition is 5 minutes of event time, starting 2 minutes after the
	// previous one.
	rowtime := func(k, i int) time.Time {
		return base.Add(time.Duration(k)*2*time.Minute + time.Duration(i)*time.Second)
	}
	span := int64(batch * 1000) // event time one batch moves a partition on
	tests := []struct {
		name    string
		maxSkew string
		aligned bool // whether the skew bound must hold
	}{
		{"max_skew holds every partition within the skew of the slowest", "30s", true},
		{"without max_skew partitions run apart", "0", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := startBroker(t, 3, "bids")
			var msgs []msg
			for i := range perPart {
				for k := range 3 {
					msgs = append(msgs, msg{partition: int32(k), value: bid(int64(k*perPart+i), 1, 1, rowtime(k, i))})
				}
			}
			produce(t, addr, "bids", msgs)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			schema := bidSchema(
				arrow.Field{Name: "KAFKA_PARTITION", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
				arrow.Field{Name: "KAFKA_OFFSET", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			)
			src, err := New(context.Background(), testEnv(mem, schema, nil), map[string]string{
				"brokers": addr, "topic": "bids", "stop_at_end": "true", "rowtime": "datetime",
				"batch_size": strconv.Itoa(batch), "max_skew": tc.maxSkew,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			names := []string{"bids/0", "bids/1", "bids/2"}
			delivered := map[string]int{}
			maxTime := map[string]int64{}
			var order []string // partition of each batch with rows
			worst := int64(math.MinInt64)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for {
				rec, err := src.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("after %d batches: %v", len(order), err)
				}
				rows := rowsOf(rec)
				rec.Release()
				parts := byName(t, src)
				if len(parts) != 3 {
					t.Fatalf("partitions %v, want the topic's 3", parts)
				}
				if len(rows) > 0 {
					p := rows[0]["KAFKA_PARTITION"]
					name := "bids/" + p
					k, _ := strconv.Atoi(p)
					if want := OriginOf("bids", k); src.Origin() != want || parts[name].Origin != want {
						t.Fatalf("batch of %s: origin %d, partition origin %d, want %d", name, src.Origin(), parts[name].Origin, want)
					}
					first := delivered[name] == 0
					for _, r := range rows {
						if r["KAFKA_PARTITION"] != p {
							t.Fatalf("batch %d mixes partitions %s and %s", len(order), p, r["KAFKA_PARTITION"])
						}
						if off, _ := strconv.Atoi(r["KAFKA_OFFSET"]); off != delivered[name] {
							t.Fatalf("%s: offset %d, want %d", name, off, delivered[name])
						}
						delivered[name]++
						rt, _ := strconv.ParseInt(r["ROWTIME"], 10, 64)
						maxTime[name] = max(maxTime[name], rt)
					}
					order = append(order, name)
					// The batch's partition against the slowest of the others.
					slowest := int64(math.MaxInt64)
					for _, o := range names {
						if o != name && !parts[o].Done {
							if delivered[o] == 0 {
								slowest = math.MinInt64
							} else {
								slowest = min(slowest, maxTime[o])
							}
						}
					}
					switch {
					case first || slowest == math.MaxInt64:
					case slowest == math.MinInt64 && tc.aligned:
						t.Errorf("%s returned a second batch before every partition delivered", name)
					case slowest != math.MinInt64:
						worst = max(worst, maxTime[name]-slowest)
					}
				}
				for _, name := range names {
					p := parts[name]
					if delivered[name] == 0 && (p.Idle || p.Done || !p.Backlog) {
						t.Errorf("%s has not delivered but is %+v: it must hold with backlog", name, p)
					}
					if p.Backlog && p.Idle {
						t.Errorf("%s is idle with backlog", name)
					}
					if want := int64(perPart - delivered[name]); p.Lag != want {
						t.Errorf("%s: lag %d after %d rows, want %d", name, p.Lag, delivered[name], want)
					}
					want := int64(math.MinInt64)
					if delivered[name] > 0 {
						want = maxTime[name]
					}
					if p.MaxTime != want {
						t.Errorf("%s: MaxTime %d, want %d", name, p.MaxTime, want)
					}
				}
			}
			for k, name := range names {
				if delivered[name] != perPart {
					t.Errorf("%s: %d rows, want %d", name, delivered[name], perPart)
				}
				if want := rowtime(k, perPart-1).UnixMilli(); maxTime[name] != want {
					t.Errorf("%s: newest ROWTIME %d, want %d", name, maxTime[name], want)
				}
			}
			// Catching up interleaves the partitions: the first batch of
			// each comes first, and none is drained before the others start.
			firstAt, lastAt := map[string]int{}, map[string]int{}
			for i, name := range order {
				if _, ok := firstAt[name]; !ok {
					firstAt[name] = i
				}
				lastAt[name] = i
			}
			for _, a := range names {
				for _, b := range names {
					if firstAt[a] > lastAt[b] {
						t.Errorf("%s started after %s was drained: %v", a, b, order)
					}
				}
				if firstAt[a] >= 3 {
					t.Errorf("%s delivered first in batch %d, want among the first 3: %v", a, firstAt[a], order)
				}
			}
			skew, _ := time.ParseDuration(tc.maxSkew + "s")
			if tc.maxSkew != "0" {
				skew, _ = time.ParseDuration(tc.maxSkew)
			}
			bound := skew.Milliseconds() + span
			if tc.aligned && worst > bound {
				t.Errorf("a partition ran %d ms ahead of the slowest, more than max_skew + one batch = %d ms (order %v)", worst, bound, order)
			}
			if !tc.aligned && worst <= 30_000+span {
				t.Errorf("partitions stayed within %d ms of each other without alignment; the test data does not exercise it", worst)
			}
		})
	}
}

func TestIdleNeedsCaughtUpAndSilence(t *testing.T) {
	t.Parallel()
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	addr := startBroker(t, 3, "bids")
	// bids/0 stays empty; bids/1 holds 50 rows from base, bids/2 50 rows
	// an hour later: with max_skew, bids/2 must wait for bids/1.
	var msgs []msg
	for i := range 50 {
		msgs = append(msgs,
			msg{partition: 1, value: bid(int64(i), 1, 1, base.Add(time.Duration(i)*time.Second))},
			msg{partition: 2, value: bid(int64(100+i), 1, 1, base.Add(time.Hour+time.Duration(i)*time.Second))})
	}
	produce(t, addr, "bids", msgs)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	env := testEnv(mem, bidSchema(), nil)
	env.Clock = clk.now
	src, err := New(context.Background(), env, map[string]string{
		"brokers": addr, "topic": "bids", "rowtime": "datetime", "batch_size": "5", "max_skew": "1m",
		"idle_timeout": "5s", "poll_interval": "20ms", "linger": "10ms",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows := 0
	next := func() map[string]sources.Partition {
		t.Helper()
		rec, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows += int(rec.NumRows())
		rec.Release()
		parts := byName(t, src)
		for name, p := range parts {
			if p.Backlog && p.Idle {
				t.Fatalf("%s is idle with backlog: %+v", name, p)
			}
			if p.Done {
				t.Fatalf("%s is done: a kafka partition never is", name)
			}
		}
		return parts
	}
	// Without the clock moving, the empty partition holds: the others
	// return their first rows, then wait for it.
	var parts map[string]sources.Partition
	for range 10 {
		parts = next()
	}
	if rows != 10 {
		t.Errorf("%d rows returned while the empty partition holds, want the first batch of each other partition (10)", rows)
	}
	if p := parts["bids/0"]; p.Idle || p.Backlog || p.Lag != 0 || p.MaxTime != math.MinInt64 {
		t.Errorf("empty partition before idle_timeout: %+v, want caught up, holding", p)
	}
	for _, name := range []string{"bids/1", "bids/2"} {
		if p := parts[name]; !p.Backlog || p.Lag != 45 {
			t.Errorf("%s: %+v, want backlog of 45", name, p)
		}
	}
	// Past idle_timeout the empty partition is idle; bids/2, silent as
	// long but with backlog, is not, and waits for bids/1 to catch up.
	clk.add(6 * time.Second)
	for rows < 55 {
		parts = next()
		if !parts["bids/0"].Idle {
			t.Fatalf("empty partition not idle after idle_timeout: %+v", parts["bids/0"])
		}
		if p := parts["bids/2"]; p.Idle || !p.Backlog || p.Lag != 45 {
			t.Fatalf("bids/2 with backlog, waiting for bids/1: %+v", p)
		}
	}
	if p := parts["bids/1"]; p.Backlog || p.Lag != 0 || p.Idle || p.MaxTime != base.Add(49*time.Second).UnixMilli() {
		t.Errorf("bids/1 read to its end: %+v", p)
	}
	// Once bids/1 is silent for idle_timeout too, bids/2 goes on.
	clk.add(6 * time.Second)
	for rows < 100 {
		parts = next()
	}
	for name, p := range parts {
		if name != "bids/0" && (p.Lag != 0 || p.Backlog) {
			t.Errorf("%s after everything was read: %+v", name, p)
		}
	}
	if p := parts["bids/2"]; p.MaxTime != base.Add(time.Hour+49*time.Second).UnixMilli() {
		t.Errorf("bids/2 MaxTime %d, want %d", p.MaxTime, base.Add(time.Hour+49*time.Second).UnixMilli())
	}
}

func TestEmptyTopicGoesIdle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		group string
	}{
		{"every partition of the topic", ""},
		{"the partitions a group assigns", "g"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := startBroker(t, 2, "bids")
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
			env := testEnv(mem, bidSchema(), nil)
			env.Clock = clk.now
			opts := map[string]string{"brokers": addr, "topic": "bids", "idle_timeout": "5s", "poll_interval": "20ms"}
			if tc.group != "" {
				for k, v := range groupOpts(addr, "bids", tc.group) {
					opts[k] = v
				}
			}
			src, err := New(context.Background(), env, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			next := func() []sources.Partition {
				rec, err := src.Next(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if rec.NumRows() != 0 {
					t.Fatalf("%d rows from an empty topic", rec.NumRows())
				}
				rec.Release()
				return src.Partitions()
			}
			parts := next()
			for len(parts) < 2 { // the group assigns the partitions
				parts = next()
			}
			for _, p := range parts {
				if p.Idle || p.Backlog || p.Lag != 0 {
					t.Errorf("%s before idle_timeout: %+v, want caught up and holding", p.Name, p)
				}
			}
			clk.add(5 * time.Second)
			got := ""
			for _, p := range next() {
				got += fmt.Sprintf("%s idle=%v ", p.Name, p.Idle)
			}
			if want := "bids/0 idle=true bids/1 idle=true "; got != want {
				t.Errorf("after idle_timeout: %s, want %s", got, want)
			}
		})
	}
}
