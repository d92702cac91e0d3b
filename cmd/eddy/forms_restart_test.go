package main

import "testing"

// The streaming DISTINCT and ORDER BY keep their state across kill -9: a
// restarted DISTINCT does not emit again a key it emitted before the
// checkpoint, and a restarted ORDER BY still emits the rows it held (the
// source resumes after them).
const (
	distinctRestartApp = `
CREATE STREAM bid (auction BIGINT, price BIGINT, date_time TIMESTAMP)
  WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '60000', rate = '%d', batch_size = '500');
CREATE STREAM out_rows (sec TIMESTAMP, auction BIGINT);
CREATE PUMP p AS INSERT INTO out_rows
  SELECT STREAM DISTINCT FLOOR(ROWTIME TO SECOND) AS sec, auction FROM bid;
`
	orderRestartApp = `
CREATE STREAM bid (auction BIGINT, price BIGINT, date_time TIMESTAMP)
  WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '60000', rate = '%d', batch_size = '500');
CREATE STREAM out_rows (auction BIGINT, price BIGINT);
CREATE PUMP p AS INSERT INTO out_rows
  SELECT STREAM auction, price FROM bid ORDER BY FLOOR(ROWTIME TO SECOND), price DESC, auction;
`
)

func TestKillAndRestartDistinct(t *testing.T) {
	t.Parallel()
	killAndRestartMatches(t, distinctRestartApp, "OUT_ROWS", 50)
}

func TestKillAndRestartOrderBy(t *testing.T) {
	t.Parallel()
	killAndRestartMatches(t, orderRestartApp, "OUT_ROWS", 50)
}
