package main

// nexmarkScalarQueries are Nexmark's stateless queries over bids with
// scalar functions: q14 (with count_char as a SQL function), q21 and q22.
var nexmarkScalarQueries = map[string]nexmarkQuery{
	"q14": {doc: "price conversion, HOUR buckets and a SQL function count_char(EXTRA, 'c')", sql: `CREATE FUNCTION count_char(s VARCHAR, c VARCHAR) RETURNS BIGINT
    RETURN CHAR_LENGTH(s) - CHAR_LENGTH(REGEXP_REPLACE(s, c, ''));
SELECT STREAM AUCTION, BIDDER, 0.908 * PRICE AS PRICE,
    CASE
        WHEN HOUR(DATE_TIME) >= 8 AND HOUR(DATE_TIME) <= 18 THEN 'dayTime'
        WHEN HOUR(DATE_TIME) <= 6 OR HOUR(DATE_TIME) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS BIDTIMETYPE,
    DATE_TIME, EXTRA, count_char(EXTRA, 'c') AS C_COUNTS
FROM BID
WHERE 0.908 * PRICE > 1000000 AND 0.908 * PRICE < 50000000`},
	"q21": {doc: "channel id from the channel name or the URL's channel_id", sql: `SELECT STREAM AUCTION, BIDDER, PRICE, CHANNEL,
    CASE
        WHEN LOWER(CHANNEL) = 'apple' THEN '0'
        WHEN LOWER(CHANNEL) = 'google' THEN '1'
        WHEN LOWER(CHANNEL) = 'facebook' THEN '2'
        WHEN LOWER(CHANNEL) = 'baidu' THEN '3'
        ELSE REGEXP_EXTRACT(URL, '(&|^)channel_id=([^&]*)', 2)
    END AS CHANNEL_ID
FROM BID
WHERE REGEXP_EXTRACT(URL, '(&|^)channel_id=([^&]*)', 2) IS NOT NULL
    OR LOWER(CHANNEL) IN ('apple', 'google', 'facebook', 'baidu')`},
	"q22": {doc: "URL directories with SPLIT_INDEX", sql: `SELECT STREAM AUCTION, BIDDER, PRICE, CHANNEL,
    SPLIT_INDEX(URL, '/', 3) AS DIR1, SPLIT_INDEX(URL, '/', 4) AS DIR2, SPLIT_INDEX(URL, '/', 5) AS DIR3
FROM BID`},
}

func init() {
	for name, q := range nexmarkScalarQueries {
		if _, dup := nexmarkQueries[name]; dup {
			panic("bench: query " + name + " defined twice")
		}
		nexmarkQueries[name] = q
	}
}
