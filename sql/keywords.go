package sql

import (
	"slices"
	"strings"
)

// eddyKeywords are the words of Eddy's dialect, for completion and quoting.
var eddyKeywords = strings.Fields(`ALL AND AS ASC BETWEEN BIGINT BINARY BOOLEAN BY CASE CAST CHANGES
	CHAR CHARACTER CLOSE CREATE CROSS CUMULATE CURRENT CURRENT_DATE CURRENT_ROW_TIMESTAMP
	CURRENT_TIMESTAMP CURSOR DATE DEC DECIMAL DESC DESCRIBE DESCRIPTION DESCRIPTOR DISTINCT DOUBLE
	DROP ELSE EMIT END ESCAPE EVERY EXISTS EXPLAIN EXTRACT FALSE FINAL FLOAT FLOOR FOR FROM FULL
	GROUP HAVING HOP IF IGNORE IN INNER INSERT INT INTEGER INTERVAL INTO IS JOIN LEFT LIKE LIMIT LOCALTIMESTAMP
	NOT NULL NULLS NUMERIC ON OR ORDER OUTER OVER PARTITION POSITION PRECEDING PRECISION PUMP PUMPS RANGE
	REAL REPLACE RESPECT RIGHT ROW ROWS ROWTIME SELECT SESSION SET SHOW SIMILAR SMALLINT STAGGER START STEP STOP STOPPED STREAM
	STREAMS STRING SUBSTRING TABLE THEN TIME TIMESTAMP TINYINT TO TRIM TRUE TUMBLE UNBOUNDED UNION
	VARBINARY VARCHAR WATERMARK WHEN WHERE WINDOW WINDOWED WITH`)

// keywordSet holds the words a name must be quoted to be: Eddy's clause
// keywords and the words TiDB reserves.
var keywordSet = func() map[string]bool {
	m := map[string]bool{}
	for w := range structural {
		m[w] = true
	}
	for _, w := range strings.Fields(`STREAM PUMP EMIT WATERMARK WINDOWED STAGGER DESCRIPTOR CURSOR
		DESCRIPTION CURRENT_ROW_TIMESTAMP`) {
		m[w] = true
	}
	for _, k := range tidbReserved() {
		m[k] = true
	}
	return m
}()

// Keywords returns Eddy's SQL keywords in upper case, sorted, for REPL
// completion. The caller owns the slice.
func Keywords() []string {
	out := slices.Clone(eddyKeywords)
	slices.Sort(out)
	return slices.Compact(out)
}
