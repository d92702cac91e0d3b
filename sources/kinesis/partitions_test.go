package kinesis

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
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

// shardStates returns the partitions of src by shard id.
func shardStates(t *testing.T, src sources.Source) map[string]sources.Partition {
	t.Helper()
	out := map[string]sources.Partition{}
	for _, p := range src.(sources.Partitioned).Partitions() {
		if _, dup := out[p.Name]; dup {
			t.Fatalf("shard %s listed twice", p.Name)
		}
		if p.Origin != OriginOf(p.Name) || p.Watermark != sources.NoWatermark {
			t.Fatalf("shard %s: %+v, want origin %d and no watermark", p.Name, p, OriginOf(p.Name))
		}
		if p.Idle && (p.Backlog || p.Done) {
			t.Fatalf("shard %s idle with backlog or done: %+v", p.Name, p)
		}
		out[p.Name] = p
	}
	return out
}

// nextBatch calls Next and checks that the batch's rows are of one shard,
// the one Origin names.
func nextBatch(t *testing.T, ctx context.Context, src sources.Source) []row {
	t.Helper()
	b, err := src.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(b)
	b.Release()
	for _, r := range rows {
		if r.Shard != rows[0].Shard {
			t.Fatalf("batch mixes shards %s and %s", rows[0].Shard, r.Shard)
		}
	}
	if len(rows) > 0 && src.(sources.Partitioned).Origin() != OriginOf(rows[0].Shard) {
		t.Fatalf("batch of %s has origin %d, want %d", rows[0].Shard, src.(sources.Partitioned).Origin(), OriginOf(rows[0].Shard))
	}
	return rows
}

func TestShardsHoldFromListingAndFollowSplits(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f := newFixture(t, srv)
	const stream, first, more = "holds", 400, 200
	if err := srv.CreateStream(ctx, stream, 4); err != nil {
		t.Fatal(err)
	}
	if err := putTicks(ctx, srv.Client, stream, ticks(0, first)); err != nil {
		t.Fatal(err)
	}
	src := f.open(t, stream, map[string]string{"start": "trim_horizon", "batch_size": "20"})
	var rows []row
	maxTime := map[string]int64{}
	read := func() map[string]sources.Partition {
		t.Helper()
		got := nextBatch(t, ctx, src)
		for _, r := range got {
			maxTime[r.Shard] = max(maxTime[r.Shard], r.Arrival) // ROWTIME is the arrival time
		}
		rows = append(rows, got...)
		parts := shardStates(t, src)
		for id, p := range parts {
			want, ok := maxTime[id]
			if !ok {
				want = math.MinInt64
			}
			if p.MaxTime != want {
				t.Fatalf("shard %s: MaxTime %d, want %d", id, p.MaxTime, want)
			}
			if p.Lag < -1 || (p.Done && (p.Lag != 0 || p.Backlog)) {
				t.Fatalf("shard %s: %+v", id, p)
			}
		}
		return parts
	}
	parts := read()
	if len(parts) != 4 {
		t.Fatalf("first Next lists %d shards, want the stream's 4: %v", len(parts), parts)
	}
	for id, p := range parts {
		if p.Idle || p.Done {
			t.Errorf("shard %s at the first Next: %+v, want it holding", id, p)
		}
	}
	for len(rows) < 100 {
		read()
	}
	const parent = "shardId-000000000000"
	if err := srv.SplitShard(ctx, stream, parent); err != nil {
		t.Fatal(err)
	}
	if err := putTicks(ctx, srv.Client, stream, ticks(first, more)); err != nil {
		t.Fatal(err)
	}
	childrenSeen, parentDone := false, false
	for len(rows) < first+more {
		parts = read()
		var children []string
		for id := range parts {
			if id > "shardId-000000000003" {
				children = append(children, id)
			}
		}
		if len(children) > 0 && !childrenSeen {
			childrenSeen = true
			if len(children) != 2 {
				t.Errorf("children %v, want 2", children)
			}
			for _, id := range children {
				if p := parts[id]; p.Idle || p.Done {
					t.Errorf("child %s when listed: %+v, want it holding", id, p)
				}
			}
		}
		if parts[parent].Done && !parentDone {
			parentDone = true
			for _, r := range rows {
				if r.Shard > "shardId-000000000003" && !childrenSeen {
					t.Errorf("a child delivered before it was listed")
				}
			}
		}
		for _, r := range rows {
			if r.Shard > "shardId-000000000003" && !parentDone {
				t.Fatalf("child %s delivered before its parent was done", r.Shard)
			}
		}
	}
	if !childrenSeen || !parentDone {
		t.Errorf("children listed %v, parent done %v", childrenSeen, parentDone)
	}
	checkAll(t, rows, first+more)
	checkOrder(t, rows)
	pos, err := src.(sources.Positioner).Position()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pos), `"`+parent+`":{"seq":`) || !strings.Contains(string(pos), `"done":true`) {
		t.Errorf("position %s does not mark the parent done", pos)
	}
}

func TestEmptyShardGoesIdle(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f := newFixture(t, srv)
	const stream, n = "idle", 30
	if err := srv.CreateStream(ctx, stream, 2); err != nil {
		t.Fatal(err)
	}
	// Every record goes to the first shard (hash key 0); the second stays
	// empty.
	var entries []types.PutRecordsRequestEntry
	for _, tk := range ticks(0, n) {
		entries = append(entries, types.PutRecordsRequestEntry{Data: mustJSON(tk), PartitionKey: aws.String(tk.Symbol), ExplicitHashKey: aws.String("0")})
	}
	if err := putEntries(ctx, srv.Client, stream, entries); err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	opts := srv.Options(stream)
	for k, v := range map[string]string{"start": "trim_horizon", "batch_size": "5", "idle_timeout": "5s", "poll_interval": "20ms", "max_skew": "1m"} {
		opts[k] = v
	}
	env := f.envFor()
	env.Clock = clk.now
	src, err := New(context.Background(), env, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	const full, empty = "shardId-000000000000", "shardId-000000000001"
	rows := 0
	var parts map[string]sources.Partition
	next := func() {
		t.Helper()
		rows += len(nextBatch(t, ctx, src))
		parts = shardStates(t, src)
		if len(parts) != 2 {
			t.Fatalf("shards %v, want 2", parts)
		}
	}
	// The empty shard holds: the other returns its first rows and waits.
	for range 10 {
		next()
	}
	if rows != 5 {
		t.Errorf("%d rows while the empty shard holds, want the first batch (5)", rows)
	}
	if p := parts[empty]; p.Idle || p.Backlog || p.Lag != 0 || p.MaxTime != math.MinInt64 {
		t.Errorf("empty shard before idle_timeout: %+v, want caught up and holding", p)
	}
	if p := parts[full]; !p.Backlog || p.Idle {
		t.Errorf("shard with records waiting: %+v, want backlog", p)
	}
	// Past idle_timeout the empty shard is idle and the other goes on; it
	// is never idle while it has backlog, silent or not.
	clk.add(6 * time.Second)
	for rows < n {
		next()
		if !parts[empty].Idle {
			t.Fatalf("empty shard not idle after idle_timeout: %+v", parts[empty])
		}
	}
	for i := 0; parts[full].Backlog && i < 500; i++ { // until a GetRecords finds the tip
		next()
	}
	if p := parts[full]; p.Idle || p.Backlog || p.Lag != 0 {
		t.Errorf("shard read to its tip, silent for 0s: %+v, want caught up, not idle", p)
	}
	clk.add(5 * time.Second)
	next()
	if p := parts[full]; !p.Idle {
		t.Errorf("shard caught up and silent for idle_timeout: %+v, want idle", p)
	}
}
