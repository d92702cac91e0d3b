package main

import (
	"bytes"
	"strings"
	"testing"
)

// joinCheckpointApp joins two paced, deterministic generator streams (bids
// with their auctions, bounded by state_ttl) into a file destination.
const joinCheckpointApp = `
SET state_ttl = '1h';
CREATE STREAM bid (auction BIGINT, price BIGINT, date_time TIMESTAMP)
  WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '60000', rate = '%[1]d', batch_size = '500');
CREATE STREAM auction (id BIGINT, seller BIGINT, category BIGINT, date_time TIMESTAMP)
  WITH (connector = 'generator', kind = 'nexmark', table = 'auction', count = '60000', rate = '%[1]d', batch_size = '50');
CREATE STREAM expanded (auction BIGINT, price BIGINT, seller BIGINT, bid_time TIMESTAMP);
CREATE PUMP j AS INSERT INTO expanded
  SELECT STREAM b.auction, b.price, a.seller, b.date_time FROM bid AS b JOIN auction AS a ON b.auction = a.id;
`

// TestKillAndRestartJoin runs a join of two streams uninterrupted, then
// again killed with SIGKILL at random moments and restarted from its state
// directory each time: the destination's final output is identical.
//
// It was skipped for an intermittent duplicate batch (one run in fifteen
// under load, cause not found). It has since passed 81 runs of 81, 25 under
// three busy loops and 36 three binaries at a time, so it runs again; the
// checkpoint gate and stream-end fixes made since are the likely cure.
func TestKillAndRestartJoin(t *testing.T) {
	t.Parallel()
	killAndRestartMatches(t, joinCheckpointApp, "EXPANDED", 1000)
}

// TestKillAndRestartParallelJoin is TestKillAndRestartJoin with the join
// on two workers (SET parallelism): its checkpoints restore as the one-core
// join's do.
func TestKillAndRestartParallelJoin(t *testing.T) {
	t.Parallel()
	killAndRestartMatches(t, "SET parallelism = '2';"+joinCheckpointApp, "EXPANDED", 1000)
}

// TestMaxStateStopsARunawayJoin: a join whose held rows outgrow max_state
// stops with the limit's error.
func TestMaxStateStopsARunawayJoin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", `
SET max_state = '64KiB';
SET state_ttl = '10h';
CREATE STREAM bid (auction BIGINT, price BIGINT) WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '200000');
CREATE STREAM auction (id BIGINT, seller BIGINT) WITH (connector = 'generator', kind = 'nexmark', table = 'auction', count = '200000');
SELECT STREAM b.price, a.seller FROM bid AS b JOIN auction AS a ON b.auction = a.id;
`)
	var errb bytes.Buffer
	code := run([]string{"run", app, "--output", "QUERY_1=discard"}, nil, &bytes.Buffer{}, &errb)
	if code == 0 || !strings.Contains(errb.String(), "max_state") || !strings.Contains(errb.String(), "state limit exceeded") {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
}
