-- Eddy quickstart: a Kinesis Data Analytics SQL application, as KDA ran it.
-- The source stream is the built-in ticker generator (KDA's demo stream):
-- 20 events a second, 400 events, then the run ends.
CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (
    ticker_symbol VARCHAR(4),
    sector        VARCHAR(16),
    change        DOUBLE,
    price         DOUBLE
) WITH (connector = 'generator', kind = 'ticker', rate = '20', count = '400');

-- Big movers: rows whose price moved more than 5% in one tick.
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (
    ticker_symbol VARCHAR(4),
    sector        VARCHAR(16),
    price         DOUBLE,
    pct_change    DOUBLE
);

CREATE OR REPLACE PUMP "STREAM_PUMP" AS
    INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker_symbol, sector, price,
                  ROUND(change / (price - change) * 100, 2)
    FROM "SOURCE_SQL_STREAM_001"
    WHERE ABS(change / (price - change) * 100) > 5;
