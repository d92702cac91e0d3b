CREATE STREAM ticks (ticker_symbol VARCHAR(4), price DOUBLE)
  WITH (connector = 'generator', kind = 'ticker', rate = '50', seed = '1');
CREATE STREAM dear (sym VARCHAR(4), price DOUBLE);
CREATE PUMP dear_pump AS
  INSERT INTO dear SELECT STREAM ticker_symbol, price FROM ticks WHERE price > 400;
\explain SELECT STREAM sym FROM dear WHERE price > 500;
\stop dear_pump
\pumps
\input more 'file:testdata/repl/ticks.jsonl?format=json'
\describe more
SHOW STREAMS;
\quit
SELECT STREAM * FROM ticks;
