-- Eddy example: replay a CSV file of ticks in event time (run it from the
-- root of the repository), alert on big moves, and keep two hours of ticks
-- for a report.
--
--   eddy run cmd/eddy/examples/csv_ticks.sql --state /tmp/eddy-state
--   eddy report cmd/eddy/examples/csv_ticks.sql --state /tmp/eddy-state --once
--
-- A retained stream needs --state: its history lives in the state directory.
CREATE STREAM TICKS (
    ticker_symbol VARCHAR(4),
    sector        VARCHAR(16),
    price         DOUBLE,
    change        DOUBLE,
    ts            TIMESTAMP
) WITH (connector = 'file', path = 'cmd/eddy/examples/ticks.csv', format = 'csv',
        header = 'true', rowtime = 'TS', retain = '2 hours');

-- Ticks whose price moved more than 5%.
CREATE STREAM BIG_MOVES (ticker_symbol VARCHAR(4), price DOUBLE, pct_change DOUBLE);

CREATE PUMP BIG_MOVES_PUMP AS
    INSERT INTO BIG_MOVES
    SELECT STREAM ticker_symbol, price, ROUND(change / (price - change) * 100, 2)
    FROM TICKS
    WHERE ABS(change / (price - change) * 100) > 5;

-- Every hour: ticks and average price per symbol over the last hour.
CREATE REPORT HOURLY_PRICES EVERY INTERVAL '1' HOUR AS
    SELECT STREAM ticker_symbol, COUNT(*) AS ticks, ROUND(AVG(price), 2) AS avg_price
    FROM TICKS
    GROUP BY ticker_symbol
    ORDER BY ticker_symbol
    WITH (title = 'Ticks per symbol, last hour', format = 'markdown');
