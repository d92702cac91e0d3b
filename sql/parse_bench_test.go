package sql

import (
	"strings"
	"testing"
)

// benchApp is a 30-line KDA-style application written for the benchmark.
const benchApp = `-- trades in, alerts out
-- (Eddy benchmark fixture)
CREATE OR REPLACE STREAM "TRADES_CLEAN" (
    ticker VARCHAR(8) NOT NULL,
    price DOUBLE,
    qty INTEGER,
    event_time TIMESTAMP);
CREATE OR REPLACE PUMP "CLEAN_PUMP" AS
  INSERT INTO "TRADES_CLEAN"
    SELECT STREAM UPPER(ticker), CAST(price AS DOUBLE), qty, event_time
    FROM "SOURCE_SQL_STREAM_001"
    WHERE price > 0 AND ticker IS NOT NULL;
CREATE OR REPLACE STREAM "MINUTE_BARS" (
    ticker VARCHAR(8), low DOUBLE, high DOUBLE, volume BIGINT);
CREATE OR REPLACE PUMP "BAR_PUMP" AS
  INSERT INTO "MINUTE_BARS"
    SELECT STREAM ticker, MIN(price), MAX(price), SUM(qty)
    FROM "TRADES_CLEAN"
    GROUP BY ticker, STEP("TRADES_CLEAN".ROWTIME BY INTERVAL '60' SECOND);
CREATE OR REPLACE STREAM "ALERTS" (ticker VARCHAR(8), avg_price DOUBLE, n INTEGER);
CREATE OR REPLACE PUMP "ALERT_PUMP" AS
  INSERT INTO "ALERTS"
    SELECT STREAM ticker, avg_price, n FROM (
      SELECT STREAM ticker,
             AVG(price) OVER w AS avg_price,
             COUNT(*) OVER w AS n
      FROM "TRADES_CLEAN"
      WINDOW w AS (PARTITION BY ticker RANGE INTERVAL '1' MINUTE PRECEDING))
    WHERE n > 10 AND avg_price BETWEEN 1 AND 1000
      AND ticker SIMILAR TO '%A%' -- only A tickers
`

func BenchmarkParse(b *testing.B) {
	src := &Source{Name: "app.sql", Text: benchApp}
	stmts, err := Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	if n := strings.Count(benchApp, "\n"); n != 30 {
		b.Fatalf("benchmark application has %d lines, want 30", n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	parsed := 0
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
		parsed += len(stmts)
	}
	b.ReportMetric(float64(parsed)/b.Elapsed().Seconds(), "statements/s")
}
