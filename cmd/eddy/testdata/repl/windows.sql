-- A stream over a file, with event time from a column, and a windowed query.
CREATE STREAM ticks (event_time TIMESTAMP, ticker_symbol VARCHAR(4), price DOUBLE)
  WITH (connector = 'file', path = 'testdata/repl/ticks.jsonl', format = 'json',
        rowtime = 'EVENT_TIME');
\streams
\describe ticks
SELECT STREAM ticker_symbol, COUNT(*) AS n, MAX(price) AS high
FROM ticks
GROUP BY ticker_symbol, FLOOR(ticks.ROWTIME TO SECOND);

-- The same rows as JSON lines and as CSV.
CREATE STREAM ticks2 (event_time TIMESTAMP, ticker_symbol VARCHAR(4), price DOUBLE)
  WITH (connector = 'file', path = 'testdata/repl/ticks.jsonl', format = 'json', rowtime = 'EVENT_TIME');
CREATE STREAM ticks3 (event_time TIMESTAMP, ticker_symbol VARCHAR(4), price DOUBLE)
  WITH (connector = 'file', path = 'testdata/repl/ticks.jsonl', format = 'json', rowtime = 'EVENT_TIME');
\format json
SELECT STREAM ticker_symbol, price FROM ticks2 WHERE price > 400;
\format csv
SELECT STREAM ticker_symbol AS sym, price * 2 AS twice FROM ticks3 WHERE ticker_symbol = 'IBM';
\format xml
