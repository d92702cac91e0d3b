package main

// This file is the KDA conformance test. It runs the documented Kinesis Data
// Analytics example programs (../shared/kda/examples/NN_name.sql, read as
// they are, never copied here) through the CLI (`eddy run`) over input rows
// of our own (testdata/kda/*.jsonl) and compares what comes out with rows
// worked out by hand from KDA's documented semantics.
//
// KDA created each application's source stream from its input
// configuration; the test declares it with a CREATE STREAM of its own, in a
// file given before the example. Every input has a column INGESTED that
// becomes ROWTIME (option rowtime), standing for the time KDA inserted the
// row into the in-application stream, so window output is deterministic.
// Every destination stream is bound to a JSON-lines file, as KDA delivered
// it (declared columns only); one stream per case is also read by a probe
// `SELECT STREAM ROWTIME, * …` printed on stdout, to check ROWTIME.
//
// Examples that need what Eddy lacks, or whose documented SQL is defective,
// must fail with a positioned SQL error "file:line:col: message" pointing at
// the construct. A case with a gap note documents a known engine gap: it
// still runs, is skipped while the gap reproduces, and fails once the
// engine is fixed so that the note gets removed.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// kdaInput binds one source stream to a file under testdata/kda.
type kdaInput struct {
	stream string
	file   string
	opts   string // extra source options, "key=value&…"
}

// kdaError is the positioned SQL error an example must fail with.
type kdaError struct {
	example   string // the example whose text the error points into
	line, col int
	msg       string // regexp for the message after "line:col: "
	at        string // the text that starts at line:col in the example
}

type kdaCase struct {
	name     string
	examples []string // example numbers, loaded in this order after the schema
	// wrap, when set, is SQL of ours put in front of the (single) example's
	// text in one file, for a snippet the guide says to paste into a pump.
	wrap string
	// cut, when set, ends the (single) example's text before the first
	// line that starts with it: the statements before it run for real
	// while the rest, which needs what Eddy lacks, is pinned by another
	// case's positioned error.
	cut string
	// block, when set, runs only that "-- [doc block N]" of the (single)
	// example, for files whose blocks are separate snippets.
	block  int
	schema string // CREATE STREAM for the source stream(s)
	inputs []kdaInput
	// refs bind reference tables (--reference), as KDA's reference data
	// source configuration did.
	refs []kdaInput
	// want holds the expected rows of every destination stream, as JSON
	// objects in column order. The probe stream's rows start with ROWTIME.
	want  map[string][]string
	probe string
	// stdout is what a bare SELECT STREAM of the example prints.
	stdout []string
	// unordered compares rows as a multiset (several rows share a ROWTIME,
	// or several pumps write one stream); the probe must still show
	// non-decreasing ROWTIME unless anyOrder.
	unordered bool
	anyOrder  bool
	// partial names streams whose rows are compared on the expected keys only.
	partial map[string]bool
	// errorRows is how many rows must go to the error stream.
	errorRows int
	// stderr is what else a successful run must print on stderr, after
	// the error stream's total.
	stderr string
	// wallClock marks a case whose expectations use the arrival time
	// (APPROXIMATE_ARRIVAL_TIME is the wall clock when Eddy reads a file).
	wallClock bool
	wantErr   *kdaError
	gap       string // known engine gap, see the file comment
	// outputs are streams bound to files for check, besides want's.
	outputs []string
	// check judges the rows of outputs (JSON objects, by stream) when the
	// exact values are the model's (anomaly scores, hotspots): properties
	// such as ranking and bounds.
	check func(rows map[string][]map[string]any) []string
}

// The source stream of the KDA demo stream (kinesis-analytics-demo-stream),
// as the Developer Guide prints it, plus INGESTED.
const kdaDemoSchema = `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (
    TICKER_SYMBOL VARCHAR(4), SECTOR VARCHAR(16), CHANGE REAL, PRICE REAL, INGESTED TIMESTAMP);`

const (
	kdaStaggerSchema = `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (EVENT_TIME TIMESTAMP, TICKER_SYMBOL VARCHAR(4), INGESTED TIMESTAMP);`
	kdaTickerSchema  = `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (TICKER VARCHAR(4), PRICE REAL, INGESTED TIMESTAMP);`
)

const (
	kdaHeartRateSchema     = `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" ("heartRate" INTEGER, "rateType" VARCHAR(20), INGESTED TIMESTAMP);`
	kdaBloodPressureSchema = `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" ("Systolic" INTEGER, "Diastolic" INTEGER, "BloodPressureLevel" VARCHAR(20), INGESTED TIMESTAMP);`
)

// Example 13's streams, with the columns its guide page gives (tickers and
// amounts once).
const kda13Schema = `CREATE OR REPLACE STREAM OrderStream (orderId INTEGER, ticker VARCHAR(4), amount DOUBLE, INGESTED TIMESTAMP);
CREATE OR REPLACE STREAM TradeStream (tradeId INTEGER, orderId INTEGER, ticker VARCHAR(4), amount DOUBLE, INGESTED TIMESTAMP);`

var kda13Inputs = []kdaInput{
	{stream: "ORDERSTREAM", file: "13_orders.jsonl"},
	{stream: "TRADESTREAM", file: "13_trades.jsonl"},
}

func kdaDemoInput(file string) []kdaInput {
	return []kdaInput{{stream: "SOURCE_SQL_STREAM_001", file: file}}
}

// Placeholders in expected rows for values that are not data-driven.
const (
	kdaAnyValue      = "$ANY"            // any value
	kdaArrivalTime   = "$ARRIVAL"        // a timestamp taken while the run was going on
	kdaArrivalMinute = "$ARRIVAL_MINUTE" // such a timestamp floored to the minute
)

var kdaCases = []kdaCase{
	{
		// SIMILAR TO '%TECH%' keeps the rows whose SECTOR contains TECH
		// anywhere (case-sensitive); a NULL SECTOR is not TRUE, so no row.
		// ticker_symbol goes into symbol by position; ROWTIME is copied.
		name:     "01_continuous_filter_similar_to",
		examples: []string{"01"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("01_sectors.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":1.5,"PRICE":100.25}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","SYMBOL":"QXU","SECTOR":"FINTECH","CHANGE":2,"PRICE":30}`,
			`{"ROWTIME":"2024-05-01T10:00:05.000Z","SYMBOL":"MSFT","SECTOR":"TECHNOLOGY","CHANGE":-2.25,"PRICE":50.5}`,
			`{"ROWTIME":"2024-05-01T10:00:06.000Z","SYMBOL":"IBM","SECTOR":"TECH","CHANGE":0,"PRICE":140}`,
		}},
	},
	{
		// Appended to 01 as the guide says, STREAM_PUMP_2 reads
		// ticker_symbol from "DESTINATION_SQL_STREAM", but 01 declares that
		// column as symbol: a doc defect that KDA's validator rejects too.
		name:     "02_appended_to_01_rejects_unknown_column",
		examples: []string{"01", "02"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("02_04_tickers.jsonl"),
		wantErr:  &kdaError{example: "02", line: 15, col: 21, msg: `unknown column TICKER_SYMBOL`, at: "ticker_symbol"},
	},
	{
		// 02 appended to an application whose "DESTINATION_SQL_STREAM" has
		// the columns it reads (04's): a chain of two pumps and two
		// filtered pumps reading the source.
		name:     "02_appended_to_04_pump_chain_and_fan_out",
		examples: []string{"04", "02"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("02_04_tickers.jsonl"),
		probe:    "DESTINATION_SQL_STREAM_2",
		want: map[string][]string{
			"DESTINATION_SQL_STREAM": {
				`{"TICKER_SYMBOL":"AMZN","CHANGE":1.5,"PRICE":100.25}`,
				`{"TICKER_SYMBOL":"TGT","CHANGE":-0.5,"PRICE":20.5}`,
				`{"TICKER_SYMBOL":"IBM","CHANGE":2,"PRICE":30}`,
				`{"TICKER_SYMBOL":"AMZN","CHANGE":-1,"PRICE":99.25}`,
				`{"TICKER_SYMBOL":"TGT","CHANGE":0.25,"PRICE":20.75}`,
				`{"TICKER_SYMBOL":"NUL","CHANGE":null,"PRICE":null}`,
			},
			"DESTINATION_SQL_STREAM_2": {
				`{"ROWTIME":"2024-05-01T10:00:00.000Z","TICKER_SYMBOL":"AMZN","CHANGE":1.5,"PRICE":100.25}`,
				`{"ROWTIME":"2024-05-01T10:00:01.000Z","TICKER_SYMBOL":"TGT","CHANGE":-0.5,"PRICE":20.5}`,
				`{"ROWTIME":"2024-05-01T10:00:02.000Z","TICKER_SYMBOL":"IBM","CHANGE":2,"PRICE":30}`,
				`{"ROWTIME":"2024-05-01T10:00:03.000Z","TICKER_SYMBOL":"AMZN","CHANGE":-1,"PRICE":99.25}`,
				`{"ROWTIME":"2024-05-01T10:00:04.000Z","TICKER_SYMBOL":"TGT","CHANGE":0.25,"PRICE":20.75}`,
				`{"ROWTIME":"2024-05-01T10:00:05.000Z","TICKER_SYMBOL":"NUL","CHANGE":null,"PRICE":null}`,
			},
			"AMZN_STREAM": {
				`{"TICKER_SYMBOL":"AMZN","CHANGE":1.5,"PRICE":100.25}`,
				`{"TICKER_SYMBOL":"AMZN","CHANGE":-1,"PRICE":99.25}`,
			},
			"TGT_STREAM": {
				`{"TICKER_SYMBOL":"TGT","CHANGE":-0.5,"PRICE":20.5}`,
				`{"TICKER_SYMBOL":"TGT","CHANGE":0.25,"PRICE":20.75}`,
			},
		},
	},
	{
		// Unquoted inputcolumnN resolve to the upper-case input columns;
		// the INSERT column list names the quoted lower-case columns.
		name:     "03_insert_column_list_quoted_columns",
		examples: []string{"03"},
		schema:   `CREATE OR REPLACE STREAM "INPUTSTREAM" (INPUTCOLUMN1 BIGINT, INPUTCOLUMN2 INTEGER, INPUTCOLUMN3 VARCHAR(64), INGESTED TIMESTAMP);`,
		inputs:   []kdaInput{{stream: "INPUTSTREAM", file: "03_inputstream.jsonl"}},
		probe:    "TEMPSTREAM",
		want: map[string][]string{"TEMPSTREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","column1":1,"column2":10,"column3":"first"}`,
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","column1":9007199254740993,"column2":-20,"column3":"second row"}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","column1":3,"column2":null,"column3":null}`,
		}},
	},
	{
		name:     "04_basic_pump_projection",
		examples: []string{"04"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("02_04_tickers.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","TICKER_SYMBOL":"AMZN","CHANGE":1.5,"PRICE":100.25}`,
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","TICKER_SYMBOL":"TGT","CHANGE":-0.5,"PRICE":20.5}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","TICKER_SYMBOL":"IBM","CHANGE":2,"PRICE":30}`,
			`{"ROWTIME":"2024-05-01T10:00:03.000Z","TICKER_SYMBOL":"AMZN","CHANGE":-1,"PRICE":99.25}`,
			`{"ROWTIME":"2024-05-01T10:00:04.000Z","TICKER_SYMBOL":"TGT","CHANGE":0.25,"PRICE":20.75}`,
			`{"ROWTIME":"2024-05-01T10:00:05.000Z","TICKER_SYMBOL":"NUL","CHANGE":null,"PRICE":null}`,
		}},
	},
	{
		// DG "Mapping JSON Data Types": a JSON string longer than the
		// VARCHAR(n) of its input column is truncated on input; KDA did
		// so silently, Eddy counts it at the end of the run.
		name:     "04_input_varchar_truncates_long_strings",
		stderr:   "eddy: SOURCE_SQL_STREAM_001.TICKER_SYMBOL: 1 value was truncated to the column's declared length (strict_varchar = 'true' sends them to the error stream instead)\n",
		examples: []string{"04"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("04_long_strings.jsonl"),
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"TICKER_SYMBOL":"GOOG","CHANGE":1,"PRICE":2}`,
			`{"TICKER_SYMBOL":"AMZN","CHANGE":0.5,"PRICE":3}`,
		}},
	},
	{
		// |CHANGE / (PRICE - CHANGE)| * 100 > 15: AMZN 1/4, TGT -1/4, XYZ
		// -0.5/2 and QQQ 3/1 pass; 1/8, 0 and NULL do not.
		name:     "05_filter_price_change_over_15_percent",
		examples: []string{"05"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("05_price_change.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","TICKER_SYMBOL":"AMZN","PRICE":5}`,
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","TICKER_SYMBOL":"TGT","PRICE":3}`,
			`{"ROWTIME":"2024-05-01T10:00:04.000Z","TICKER_SYMBOL":"XYZ","PRICE":1.5}`,
			`{"ROWTIME":"2024-05-01T10:00:06.000Z","TICKER_SYMBOL":"QQQ","PRICE":4}`,
		}},
	},
	{
		// PRICE = CHANGE divides by zero: per the example's notes and DG
		// "Error Handling" (ex 32) the row goes to the error stream, not on.
		name:      "05_zero_divisor_goes_to_error_stream",
		examples:  []string{"05"},
		schema:    kdaDemoSchema,
		inputs:    kdaDemoInput("05_zero_divisor.jsonl"),
		errorRows: 1,
		partial:   map[string]bool{"ERROR_STREAM": true},
		want: map[string][]string{
			"DESTINATION_SQL_STREAM": {
				`{"TICKER_SYMBOL":"AMZN","PRICE":5}`,
				`{"TICKER_SYMBOL":"TGT","PRICE":3}`,
			},
			"ERROR_STREAM": {`{"DATA_ROWTIME":"2024-05-01T10:00:01.000Z","PUMP_NAME":"STREAM_PUMP"}`},
		},
	},
	{
		// GROUP BY ticker, STEP(ROWTIME), STEP(APPROXIMATE_ARRIVAL_TIME):
		// a row per ticker and ROWTIME minute, stamped with the window end
		// (SR SELECT DISTINCT, ex 11: "the earliest time that row is
		// complete"; the guide's sample shows the window start in its
		// ROWTIME column). Eddy's arrival time is the wall clock.
		name:      "06_two_window_rowtime_step",
		examples:  []string{"06"},
		schema:    kdaDemoSchema,
		inputs:    kdaDemoInput("06_minutes.jsonl"),
		probe:     "DESTINATION_SQL_STREAM",
		unordered: true,
		wallClock: true,
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2016-07-19T17:06:00.000Z","ingest_time":"2016-07-19T17:05:00.000Z","APPROXIMATE_ARRIVAL_TIME":"$ARRIVAL_MINUTE","ticker_symbol":"ABC","symbol_count":2}`,
			`{"ROWTIME":"2016-07-19T17:06:00.000Z","ingest_time":"2016-07-19T17:05:00.000Z","APPROXIMATE_ARRIVAL_TIME":"$ARRIVAL_MINUTE","ticker_symbol":"DEF","symbol_count":1}`,
			`{"ROWTIME":"2016-07-19T17:06:00.000Z","ingest_time":"2016-07-19T17:05:00.000Z","APPROXIMATE_ARRIVAL_TIME":"$ARRIVAL_MINUTE","ticker_symbol":"XYZ","symbol_count":1}`,
			`{"ROWTIME":"2016-07-19T17:07:00.000Z","ingest_time":"2016-07-19T17:06:00.000Z","APPROXIMATE_ARRIVAL_TIME":"$ARRIVAL_MINUTE","ticker_symbol":"ABC","symbol_count":1}`,
			`{"ROWTIME":"2016-07-19T17:07:00.000Z","ingest_time":"2016-07-19T17:06:00.000Z","APPROXIMATE_ARRIVAL_TIME":"$ARRIVAL_MINUTE","ticker_symbol":"XYZ","symbol_count":1}`,
		}},
	},
	{
		// The output printed in the guide: ABC 10, DEF 15, XYZ 6 in the
		// first minute; ABC 11, DEF 11 and the late XYZ 1 (arrived in the
		// first minute, inserted in the second) in the second. Needs the
		// Kinesis arrival time from the record (proposed option arrival).
		name:     "06_documented_output_late_arrival",
		examples: []string{"06"},
		schema: `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (
    TICKER_SYMBOL VARCHAR(4), SECTOR VARCHAR(16), CHANGE REAL, PRICE REAL, ARRIVAL TIMESTAMP, INGESTED TIMESTAMP);`,
		inputs:    []kdaInput{{stream: "SOURCE_SQL_STREAM_001", file: "06_documented.jsonl", opts: "arrival=ARRIVAL"}},
		unordered: true,
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ingest_time":"2016-07-19T17:05:00.000Z","APPROXIMATE_ARRIVAL_TIME":"2016-07-19T17:05:00.000Z","ticker_symbol":"ABC","symbol_count":10}`,
			`{"ingest_time":"2016-07-19T17:05:00.000Z","APPROXIMATE_ARRIVAL_TIME":"2016-07-19T17:05:00.000Z","ticker_symbol":"DEF","symbol_count":15}`,
			`{"ingest_time":"2016-07-19T17:05:00.000Z","APPROXIMATE_ARRIVAL_TIME":"2016-07-19T17:05:00.000Z","ticker_symbol":"XYZ","symbol_count":6}`,
			`{"ingest_time":"2016-07-19T17:06:00.000Z","APPROXIMATE_ARRIVAL_TIME":"2016-07-19T17:06:00.000Z","ticker_symbol":"ABC","symbol_count":11}`,
			`{"ingest_time":"2016-07-19T17:06:00.000Z","APPROXIMATE_ARRIVAL_TIME":"2016-07-19T17:06:00.000Z","ticker_symbol":"DEF","symbol_count":11}`,
			`{"ingest_time":"2016-07-19T17:06:00.000Z","APPROXIMATE_ARRIVAL_TIME":"2016-07-19T17:05:00.000Z","ticker_symbol":"XYZ","symbol_count":1}`,
		}},
	},
	{
		// One row per ticker and ROWTIME minute, at the window end; the
		// end of the input closes the last window.
		name:      "07_tumbling_step_min_max",
		examples:  []string{"07"},
		schema:    kdaDemoSchema,
		inputs:    kdaDemoInput("07_08_prices.jsonl"),
		probe:     "DESTINATION_SQL_STREAM",
		unordered: true,
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER_SYMBOL":"AMZN","MIN_PRICE":99.75,"MAX_PRICE":102.75}`,
			`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER_SYMBOL":"TGT","MIN_PRICE":20.5,"MAX_PRICE":20.5}`,
			`{"ROWTIME":"2024-05-01T10:02:00.000Z","TICKER_SYMBOL":"TGT","MIN_PRICE":20.75,"MAX_PRICE":20.75}`,
			`{"ROWTIME":"2024-05-01T10:02:00.000Z","TICKER_SYMBOL":"AMZN","MIN_PRICE":101.75,"MAX_PRICE":101.75}`,
			`{"ROWTIME":"2024-05-01T10:03:00.000Z","TICKER_SYMBOL":"TGT","MIN_PRICE":21,"MAX_PRICE":21}`,
		}},
	},
	{
		// One row per input row over the same ticker's rows of the last
		// minute, lower bound inclusive: at 10:01:30 the 10:00:30 row
		// still counts, at 10:02:30 the 10:01:00 row no longer does.
		name:     "08_sliding_range_1_minute_partitioned",
		examples: []string{"08"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("07_08_prices.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","TICKER_SYMBOL":"AMZN","MIN_PRICE":100.25,"MAX_PRICE":100.25,"AVG_PRICE":100.25}`,
			`{"ROWTIME":"2024-05-01T10:00:10.000Z","TICKER_SYMBOL":"TGT","MIN_PRICE":20.5,"MAX_PRICE":20.5,"AVG_PRICE":20.5}`,
			`{"ROWTIME":"2024-05-01T10:00:30.000Z","TICKER_SYMBOL":"AMZN","MIN_PRICE":100.25,"MAX_PRICE":102.75,"AVG_PRICE":101.5}`,
			`{"ROWTIME":"2024-05-01T10:00:59.999Z","TICKER_SYMBOL":"AMZN","MIN_PRICE":99.75,"MAX_PRICE":102.75,"AVG_PRICE":100.91666666666667}`,
			`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER_SYMBOL":"TGT","MIN_PRICE":20.5,"MAX_PRICE":20.75,"AVG_PRICE":20.625}`,
			`{"ROWTIME":"2024-05-01T10:01:30.000Z","TICKER_SYMBOL":"AMZN","MIN_PRICE":99.75,"MAX_PRICE":102.75,"AVG_PRICE":101.41666666666667}`,
			`{"ROWTIME":"2024-05-01T10:02:30.000Z","TICKER_SYMBOL":"TGT","MIN_PRICE":21,"MAX_PRICE":21,"AVG_PRICE":21}`,
		}},
	},
	{
		// AVG(CHANGE / (PRICE - CHANGE)) over the ticker's last 10 s:
		// AMZN 1/4, -1/2, 1/8 (window 10:00:00-10:00:10), then 3/1 with
		// 10:00:05 expired; TGT 2/8, then 1/2 alone.
		name:     "09_sliding_range_10s_expression_average",
		examples: []string{"09"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("09_percent_change.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","TICKER_SYMBOL":"AMZN","AVG_PERCENT_CHANGE":0.25}`,
			`{"ROWTIME":"2024-05-01T10:00:05.000Z","TICKER_SYMBOL":"AMZN","AVG_PERCENT_CHANGE":-0.125}`,
			`{"ROWTIME":"2024-05-01T10:00:06.000Z","TICKER_SYMBOL":"TGT","AVG_PERCENT_CHANGE":0.25}`,
			`{"ROWTIME":"2024-05-01T10:00:10.000Z","TICKER_SYMBOL":"AMZN","AVG_PERCENT_CHANGE":-0.041666666666666664}`,
			`{"ROWTIME":"2024-05-01T10:00:15.001Z","TICKER_SYMBOL":"AMZN","AVG_PERCENT_CHANGE":1.5625}`,
			`{"ROWTIME":"2024-05-01T10:00:30.000Z","TICKER_SYMBOL":"TGT","AVG_PERCENT_CHANGE":0.5}`,
		}},
	},
	{
		// ROWS 2 PRECEDING is the row and the 2 before it; ROWS 10
		// PRECEDING 11 rows. AMZN prices are 1..12: avg of the last 3 is
		// n-1 from the third row on; the 12th row's last 11 are 2..12.
		name:     "10_sliding_rows_2_and_10",
		examples: []string{"10"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("10_rows.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","TICKER_SYMBOL":"AMZN","PRICE":1,"AVERAGE_LAST2ROWS":1,"AVERAGE_LAST10ROWS":1}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","TICKER_SYMBOL":"AMZN","PRICE":2,"AVERAGE_LAST2ROWS":1.5,"AVERAGE_LAST10ROWS":1.5}`,
			`{"ROWTIME":"2024-05-01T10:00:03.000Z","TICKER_SYMBOL":"AMZN","PRICE":3,"AVERAGE_LAST2ROWS":2,"AVERAGE_LAST10ROWS":2}`,
			`{"ROWTIME":"2024-05-01T10:00:03.500Z","TICKER_SYMBOL":"TGT","PRICE":10,"AVERAGE_LAST2ROWS":10,"AVERAGE_LAST10ROWS":10}`,
			`{"ROWTIME":"2024-05-01T10:00:04.000Z","TICKER_SYMBOL":"AMZN","PRICE":4,"AVERAGE_LAST2ROWS":3,"AVERAGE_LAST10ROWS":2.5}`,
			`{"ROWTIME":"2024-05-01T10:00:05.000Z","TICKER_SYMBOL":"AMZN","PRICE":5,"AVERAGE_LAST2ROWS":4,"AVERAGE_LAST10ROWS":3}`,
			`{"ROWTIME":"2024-05-01T10:00:06.000Z","TICKER_SYMBOL":"AMZN","PRICE":6,"AVERAGE_LAST2ROWS":5,"AVERAGE_LAST10ROWS":3.5}`,
			`{"ROWTIME":"2024-05-01T10:00:07.000Z","TICKER_SYMBOL":"AMZN","PRICE":7,"AVERAGE_LAST2ROWS":6,"AVERAGE_LAST10ROWS":4}`,
			`{"ROWTIME":"2024-05-01T10:00:08.000Z","TICKER_SYMBOL":"AMZN","PRICE":8,"AVERAGE_LAST2ROWS":7,"AVERAGE_LAST10ROWS":4.5}`,
			`{"ROWTIME":"2024-05-01T10:00:08.500Z","TICKER_SYMBOL":"TGT","PRICE":20,"AVERAGE_LAST2ROWS":15,"AVERAGE_LAST10ROWS":15}`,
			`{"ROWTIME":"2024-05-01T10:00:09.000Z","TICKER_SYMBOL":"AMZN","PRICE":9,"AVERAGE_LAST2ROWS":8,"AVERAGE_LAST10ROWS":5}`,
			`{"ROWTIME":"2024-05-01T10:00:10.000Z","TICKER_SYMBOL":"AMZN","PRICE":10,"AVERAGE_LAST2ROWS":9,"AVERAGE_LAST10ROWS":5.5}`,
			`{"ROWTIME":"2024-05-01T10:00:11.000Z","TICKER_SYMBOL":"AMZN","PRICE":11,"AVERAGE_LAST2ROWS":10,"AVERAGE_LAST10ROWS":6}`,
			`{"ROWTIME":"2024-05-01T10:00:12.000Z","TICKER_SYMBOL":"AMZN","PRICE":12,"AVERAGE_LAST2ROWS":11,"AVERAGE_LAST10ROWS":7}`,
		}},
	},
	{
		// Doc defect: the destination declares 2 columns, the SELECT has 3.
		name:     "11_rejects_column_count_mismatch",
		examples: []string{"11"},
		schema:   kdaStaggerSchema,
		inputs:   kdaDemoInput("11_12_stagger_doc.jsonl"),
		wantErr: &kdaError{example: "11", line: 10, col: 15,
			msg: `stream DESTINATION_SQL_STREAM has 2 columns but the query produces 3`, at: `"DESTINATION_SQL_STREAM"`},
	},
	{
		// The guide's table: the window of (11:00, AMZN) opens with the
		// row at 11:00:20 and closes at 11:01:20 with 3 rows (11:01:05 is
		// still event minute 11:00); (11:01, AMZN) opens at 11:01:15.
		name:     "12_stagger_documented_output",
		examples: []string{"12"},
		schema:   kdaStaggerSchema,
		inputs:   kdaDemoInput("11_12_stagger_doc.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T11:01:20.000Z","TICKER_SYMBOL":"AMZN","EVENT_TIME":"2024-05-01T11:00:00.000Z","TICKER_COUNT":3}`,
			`{"ROWTIME":"2024-05-01T11:02:15.000Z","TICKER_SYMBOL":"AMZN","EVENT_TIME":"2024-05-01T11:01:00.000Z","TICKER_COUNT":1}`,
		}},
	},
	{
		// Block 2 as a pump: the trades of the minute before each order
		// (trade 9 is 90 s before order 3, trade 11 after order 1; order 4
		// has none). A match takes the later ROWTIME, the order's; the
		// unaliased ROWTIME fills the first column of the destination.
		name:     "13_window_on_one_side_pump",
		examples: []string{"13"},
		block:    2,
		wrap: `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (order_time TIMESTAMP, orderId INTEGER, ticker VARCHAR(4), orderAmount DOUBLE, tradeAmount DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
`,
		schema: kda13Schema,
		inputs: kda13Inputs,
		probe:  "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:30.000Z","ORDER_TIME":"2024-05-01T10:00:30.000Z","ORDERID":1,"TICKER":"AMZN","ORDERAMOUNT":10,"TRADEAMOUNT":10.5}`,
			`{"ROWTIME":"2024-05-01T10:01:00.000Z","ORDER_TIME":"2024-05-01T10:01:00.000Z","ORDERID":2,"TICKER":"MSFT","ORDERAMOUNT":20,"TRADEAMOUNT":20.25}`,
			`{"ROWTIME":"2024-05-01T10:03:00.000Z","ORDER_TIME":"2024-05-01T10:03:00.000Z","ORDERID":3,"TICKER":"AMZN","ORDERAMOUNT":30,"TRADEAMOUNT":29.75}`,
		}},
	},
	{
		// Block 3, the same join with the window named in a WINDOW clause,
		// run as the bare SELECT STREAM it is; the stream joined OVER t
		// with no alias is t, as KDA reads it.
		name:     "13_named_window_select",
		examples: []string{"13"},
		block:    3,
		schema:   kda13Schema,
		inputs:   kda13Inputs,
		stdout: []string{
			`{"ROWTIME":"2024-05-01T10:00:30.000Z","ORDERID":1,"TICKER":"AMZN","ORDERAMOUNT":10,"TRADEAMOUNT":10.5}`,
			`{"ROWTIME":"2024-05-01T10:01:00.000Z","ORDERID":2,"TICKER":"MSFT","ORDERAMOUNT":20,"TRADEAMOUNT":20.25}`,
			`{"ROWTIME":"2024-05-01T10:03:00.000Z","ORDERID":3,"TICKER":"AMZN","ORDERAMOUNT":30,"TRADEAMOUNT":29.75}`,
		},
	},
	{
		// Block 4 (OUTER JOIN) has a trailing comma before FROM.
		name:     "13_outer_join_trailing_comma",
		examples: []string{"13"},
		block:    4,
		schema:   kda13Schema,
		inputs:   kda13Inputs,
		wantErr:  &kdaError{example: "13", line: 5, col: 1, msg: `syntax error at or near "FROM"`, at: "FROM"},
	},
	{
		// Unaliased MIN/MAX go into MIN_PRICE/MAX_PRICE by position.
		name:      "14_tumbling_step_rowtime",
		examples:  []string{"14"},
		schema:    kdaTickerSchema,
		inputs:    kdaDemoInput("14_17_tickers.jsonl"),
		probe:     "DESTINATION_SQL_STREAM",
		unordered: true,
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T14:01:00.000Z","TICKER":"TBV","MIN_PRICE":33.25,"MAX_PRICE":34.5}`,
			`{"ROWTIME":"2024-05-01T14:01:00.000Z","TICKER":"INTC","MIN_PRICE":62.5,"MAX_PRICE":62.5}`,
			`{"ROWTIME":"2024-05-01T14:01:00.000Z","TICKER":"MSFT","MIN_PRICE":40.75,"MAX_PRICE":40.75}`,
			`{"ROWTIME":"2024-05-01T14:01:00.000Z","TICKER":"AMZN","MIN_PRICE":26.25,"MAX_PRICE":27.75}`,
			`{"ROWTIME":"2024-05-01T14:02:00.000Z","TICKER":"INTC","MIN_PRICE":61,"MAX_PRICE":61}`,
			`{"ROWTIME":"2024-05-01T14:02:00.000Z","TICKER":"TBV","MIN_PRICE":33,"MAX_PRICE":33}`,
		}},
	},
	{
		// The AMZN row of event minute 14:11 inserted at 14:12:00.5 makes
		// a second, partial 14:11 row in the 14:12 ROWTIME window.
		name:      "15_tumbling_step_rowtime_and_event_time",
		examples:  []string{"15"},
		schema:    `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (EVENT_TIME TIMESTAMP, TICKER VARCHAR(4), PRICE REAL, INGESTED TIMESTAMP);`,
		inputs:    kdaDemoInput("15_event_time.jsonl"),
		probe:     "DESTINATION_SQL_STREAM",
		unordered: true,
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2018-06-13T14:12:00.000Z","EVENT_TIME":"2018-06-13T14:11:00.000Z","TICKER":"TBV","MIN_PRICE":43.5,"MAX_PRICE":43.5}`,
			`{"ROWTIME":"2018-06-13T14:12:00.000Z","EVENT_TIME":"2018-06-13T14:11:00.000Z","TICKER":"AMZN","MIN_PRICE":35.5,"MAX_PRICE":35.5}`,
			`{"ROWTIME":"2018-06-13T14:13:00.000Z","EVENT_TIME":"2018-06-13T14:11:00.000Z","TICKER":"AMZN","MIN_PRICE":73.25,"MAX_PRICE":73.25}`,
			`{"ROWTIME":"2018-06-13T14:13:00.000Z","EVENT_TIME":"2018-06-13T14:12:00.000Z","TICKER":"AMZN","MIN_PRICE":18.75,"MAX_PRICE":18.75}`,
		}},
	},
	{
		// The guide's input: six rows per (TICKER, EVENT_TIME) ingested
		// over 51 s; each window opens with the first and closes a minute
		// later with all six. TIMESTAMP keeps milliseconds.
		name:     "16_stagger_documented_input",
		examples: []string{"16"},
		schema:   `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (EVENT_TIME TIMESTAMP, TICKER VARCHAR(4), INGESTED TIMESTAMP);`,
		inputs:   kdaDemoInput("16_stagger_doc.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2018-08-01T20:18:30.000Z","EVENT_TIME":"2018-08-01T20:17:20.797Z","TICKER_SYMBOL":"AMZN","TICKER_COUNT":6}`,
			`{"ROWTIME":"2018-08-01T20:19:31.000Z","EVENT_TIME":"2018-08-01T20:18:21.043Z","TICKER_SYMBOL":"INTC","TICKER_COUNT":6}`,
		}},
	},
	{
		// Per minute of ROWTIME the five most frequent tickers, most
		// frequent first, ties by name; 14:00 has four tickers, two of them
		// twice.
		name:     "17_top_k_items_tumbling",
		examples: []string{"17"},
		schema:   kdaTickerSchema,
		inputs:   kdaDemoInput("14_17_tickers.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T14:01:00.000Z","TICKER":"AMZN","MOST_FREQUENT_VALUES":2}`,
			`{"ROWTIME":"2024-05-01T14:01:00.000Z","TICKER":"TBV","MOST_FREQUENT_VALUES":2}`,
			`{"ROWTIME":"2024-05-01T14:01:00.000Z","TICKER":"INTC","MOST_FREQUENT_VALUES":1}`,
			`{"ROWTIME":"2024-05-01T14:01:00.000Z","TICKER":"MSFT","MOST_FREQUENT_VALUES":1}`,
			`{"ROWTIME":"2024-05-01T14:02:00.000Z","TICKER":"INTC","MOST_FREQUENT_VALUES":1}`,
			`{"ROWTIME":"2024-05-01T14:02:00.000Z","TICKER":"TBV","MOST_FREQUENT_VALUES":1}`,
		}},
	},
	{
		// Partial counts per ticker and minute, then a sliding SUM over
		// the counts of the same TRADETIME. One ticker per minute keeps
		// the sum independent of the order of rows sharing a ROWTIME.
		name:      "18_partial_results_reaggregated",
		examples:  []string{"18"},
		schema:    kdaDemoSchema,
		inputs:    kdaDemoInput("18_partial.jsonl"),
		probe:     "DESTINATION_SQL_STREAM",
		wallClock: true,
		want: map[string][]string{
			"CALC_COUNT_SQL_STREAM": {
				`{"TICKER":"AMZN","TRADETIME":"2024-05-01T10:00:00.000Z","TICKERCOUNT":3}`,
				`{"TICKER":"TGT","TRADETIME":"2024-05-01T10:01:00.000Z","TICKERCOUNT":2}`,
				`{"TICKER":"AMZN","TRADETIME":"2024-05-01T10:03:00.000Z","TICKERCOUNT":1}`,
			},
			"DESTINATION_SQL_STREAM": {
				`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER":"AMZN","TRADETIME":"2024-05-01T10:00:00.000Z","TICKERCOUNT":3}`,
				`{"ROWTIME":"2024-05-01T10:02:00.000Z","TICKER":"TGT","TRADETIME":"2024-05-01T10:01:00.000Z","TICKERCOUNT":2}`,
				`{"ROWTIME":"2024-05-01T10:04:00.000Z","TICKER":"AMZN","TRADETIME":"2024-05-01T10:03:00.000Z","TICKERCOUNT":1}`,
			},
		},
	},
	{
		// REGEX_LOG_PARSE returns a row value read as T.REC.COLUMN1. The
		// groups are greedy (java.util.regex): the second takes "2024 xx"
		// and leaves two-character groups to the last two; "x y z" cannot
		// give the last groups two characters each, so no match and NULL
		// fields, as for a line without digits and a NULL line.
		name:     "19_regex_log_parse_row_fields",
		examples: []string{"19"},
		schema:   `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (LOGENTRY VARCHAR(512), INGESTED TIMESTAMP);`,
		inputs:   kdaDemoInput("19_log.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","LOGENTRY":"a1 2024 xx yy zz","MATCH1":"a1","MATCH2":"2024 xx"}`,
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","LOGENTRY":"alpha 42 beta gamma","MATCH1":"alpha","MATCH2":"42"}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","LOGENTRY":"a1 2024 x y z","MATCH1":null,"MATCH2":null}`,
			`{"ROWTIME":"2024-05-01T10:00:03.000Z","LOGENTRY":"no digits here","MATCH1":null,"MATCH2":null}`,
			`{"ROWTIME":"2024-05-01T10:00:04.000Z","LOGENTRY":null,"MATCH1":null,"MATCH2":null}`,
		}},
	},
	{
		// REGEX_REPLACE(s, 'http://', 'https://', 1, 0) replaces every
		// match from position 1; NULL stays NULL. ingest_time is the
		// arrival time, which Eddy takes when it reads the file.
		name:      "20_regex_replace_all_occurrences",
		examples:  []string{"20"},
		schema:    `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (REFERRER VARCHAR(64), INGESTED TIMESTAMP);`,
		inputs:    kdaDemoInput("20_referrer.jsonl"),
		probe:     "DESTINATION_SQL_STREAM",
		wallClock: true,
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","ingest_time":"$ARRIVAL","referrer":"https://www.amazon.com"}`,
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","ingest_time":"$ARRIVAL","referrer":"https://a.com/?r=https://b.org"}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","ingest_time":"$ARRIVAL","referrer":"ftp://files.example"}`,
			`{"ROWTIME":"2024-05-01T10:00:03.000Z","ingest_time":"$ARRIVAL","referrer":null}`,
		}},
	},
	{
		// With the input column named "referrer": 1-based POSITION, so
		// for http://www.amazon.com 18 - 8 - 4 = 6 characters from 12,
		// "amazon"; the fixed start 12 shifts for https.
		name:      "21_substring_position",
		examples:  []string{"21"},
		schema:    `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" ("referrer" VARCHAR(64), INGESTED TIMESTAMP);`,
		inputs:    kdaDemoInput("21_referrer.jsonl"),
		probe:     "DESTINATION_SQL_STREAM",
		wallClock: true,
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","ingest_time":"$ARRIVAL","referrer":"amazon"}`,
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","ingest_time":"$ARRIVAL","referrer":"example"}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","ingest_time":"$ARRIVAL","referrer":".amazo"}`,
		}},
	},
	{
		// Doc defect: with the discovered column REFERRER, the quoted
		// "referrer" does not resolve (quoted names are case-sensitive).
		name:     "21_rejects_quoted_lower_case_column",
		examples: []string{"21"},
		schema:   `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (REFERRER VARCHAR(64), INGESTED TIMESTAMP);`,
		inputs:   kdaDemoInput("20_referrer.jsonl"),
		wantErr: &kdaError{example: "21", line: 14, col: 20,
			msg: `unknown column "referrer" \(did you mean REFERRER\?`, at: `"referrer", 12`},
	},
	{
		// A derived table with a column alias list, AS l(r): the unnamed
		// W3C_LOG_PARSE column is R, read as l.r.COLUMN1. COMMON is
		// %h %l %u %t "%r" %>s %b; %t keeps its brackets and %r loses its
		// quotes. A line that is not in the format gives NULL fields. The
		// timestamp and request (COLUMN4, COLUMN5) are longer than the
		// destination's VARCHAR(16), and the guide does not say whether a
		// pump truncates them, so they are not compared.
		name:     "22_w3c_log_parse_derived_column_list",
		examples: []string{"22"},
		schema:   `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" ("log" VARCHAR(256), INGESTED TIMESTAMP);`,
		inputs:   kdaDemoInput("22_w3c.jsonl"),
		partial:  map[string]bool{"DESTINATION_SQL_STREAM": true},
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"COLUMN1":"192.168.254.30","COLUMN2":"-","COLUMN3":"John","COLUMN6":"304","COLUMN7":"0"}`,
			`{"COLUMN1":"10.0.0.1","COLUMN2":"-","COLUMN3":"-","COLUMN6":"200","COLUMN7":"1234"}`,
			`{"COLUMN1":null,"COLUMN2":null,"COLUMN3":null,"COLUMN4":null,"COLUMN5":null,"COLUMN6":null,"COLUMN7":null}`,
			`{"COLUMN1":null,"COLUMN2":null,"COLUMN3":null,"COLUMN4":null,"COLUMN5":null,"COLUMN6":null,"COLUMN7":null}`,
		}},
	},
	{
		// VARIABLE_COLUMN_LOG_PARSE returns a row value read as
		// t.r."COL_1": fields split at commas, missing ones NULL, and all
		// NULL for a NULL input; the other columns pass through.
		name:     "23_variable_column_log_parse_row_fields",
		examples: []string{"23"},
		schema: `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (
    "Col_A" VARCHAR(16), "Col_B" VARCHAR(16), "Col_C" VARCHAR(16), "Col_E_Unstructured" VARCHAR(64), INGESTED TIMESTAMP);`,
		inputs: kdaDemoInput("23_variable_columns.jsonl"),
		probe:  "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","column_A":"a","column_B":"b","column_C":"c","COL_1":"x","COL_2":"y","COL_3":"z"}`,
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","column_A":"a2","column_B":null,"column_C":"c2","COL_1":"only","COL_2":null,"COL_3":null}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","column_A":"a3","column_B":"b3","column_C":"c3","COL_1":null,"COL_2":null,"COL_3":null}`,
		}},
	},
	{
		// TIMESTAMP - INTERVAL, UNIX_TIMESTAMP (ms since the epoch, UTC),
		// TIMESTAMP_TO_CHAR with SimpleDateFormat (hh is the 12-hour clock:
		// 00:02 prints 12, 23:59 prints 11) and EXTRACT(SECOND) into an
		// INTEGER (fractions below .5, where truncating and rounding agree).
		name:     "24_datetime_transform",
		examples: []string{"24"},
		schema:   `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (EVENT_TIME TIMESTAMP, TICKER VARCHAR(4), INGESTED TIMESTAMP);`,
		inputs:   kdaDemoInput("24_datetime.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2018-05-09T12:50:42.000Z","TICKER":"AAPL","EVENT_TIME":"2018-05-09T12:50:41.337Z","FIVE_MINUTES_BEFORE":"2018-05-09T12:45:41.337Z","EVENT_UNIX_TIMESTAMP":1525870241337,"EVENT_TIMESTAMP_AS_CHAR":"2018-05-09 12:50:41","EVENT_SECOND":41}`,
			`{"ROWTIME":"2018-05-09T12:50:42.100Z","TICKER":"MSFT","EVENT_TIME":"2018-05-09T12:50:41.427Z","FIVE_MINUTES_BEFORE":"2018-05-09T12:45:41.427Z","EVENT_UNIX_TIMESTAMP":1525870241427,"EVENT_TIMESTAMP_AS_CHAR":"2018-05-09 12:50:41","EVENT_SECOND":41}`,
			`{"ROWTIME":"2018-05-09T12:50:43.000Z","TICKER":"INTC","EVENT_TIME":"2018-05-09T00:02:03.250Z","FIVE_MINUTES_BEFORE":"2018-05-08T23:57:03.250Z","EVENT_UNIX_TIMESTAMP":1525824123250,"EVENT_TIMESTAMP_AS_CHAR":"2018-05-09 12:02:03","EVENT_SECOND":3}`,
			`{"ROWTIME":"2018-05-09T12:50:44.000Z","TICKER":"MSFT","EVENT_TIME":"2018-05-09T23:59:59.001Z","FIVE_MINUTES_BEFORE":"2018-05-09T23:54:59.001Z","EVENT_UNIX_TIMESTAMP":1525910399001,"EVENT_TIMESTAMP_AS_CHAR":"2018-05-09 11:59:59","EVENT_SECOND":59}`,
		}},
	},
	{
		// One source split by "RecordType" (fields a record lacks are
		// NULL), then trades counted per ticker and ROWTIME minute.
		name:     "25_split_record_types_and_count",
		examples: []string{"25"},
		schema: `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" (
    "RecordType" VARCHAR(8), "Oprice" INTEGER, "Otype" VARCHAR(8), "Oid" INTEGER, "Oticker" VARCHAR(4),
    "Tid" INTEGER, "Toid" INTEGER, "Tprice" INTEGER, "Tticker" VARCHAR(4), INGESTED TIMESTAMP);`,
		inputs:    kdaDemoInput("25_records.jsonl"),
		probe:     "DESTINATION_SQL_STREAM",
		unordered: true,
		want: map[string][]string{
			"Order_Stream": {
				`{"order_id":3811,"order_type":"Sell","ticker":"AAAA","order_price":9047,"record_type":"Order"}`,
				`{"order_id":3814,"order_type":"Buy","ticker":"BBBB","order_price":100,"record_type":"Order"}`,
			},
			"Trade_Stream": {
				`{"trade_id":1,"order_id":3811,"trade_price":2089,"ticker":"AAAA","record_type":"Trade"}`,
				`{"trade_id":2,"order_id":3812,"trade_price":2090,"ticker":"BBBB","record_type":"Trade"}`,
				`{"trade_id":3,"order_id":3813,"trade_price":2091,"ticker":"AAAA","record_type":"Trade"}`,
				`{"trade_id":4,"order_id":3814,"trade_price":2092,"ticker":"BBBB","record_type":"Trade"}`,
			},
			"DESTINATION_SQL_STREAM": {
				`{"ROWTIME":"2024-05-01T10:01:00.000Z","ticker":"AAAA","trade_count":2}`,
				`{"ROWTIME":"2024-05-01T10:01:00.000Z","ticker":"BBBB","trade_count":1}`,
				`{"ROWTIME":"2024-05-01T10:02:00.000Z","ticker":"BBBB","trade_count":1}`,
			},
		},
	},
	{
		// A stream LEFT JOIN a reference table loaded from a CSV object
		// (KDA's reference data source, here --reference with the columns
		// the reference schema names): every stream row comes out, with
		// Company where the ticker is in the table and NULL otherwise.
		name:     "26_reference_data_left_join",
		examples: []string{"26"},
		schema: kdaDemoSchema + `
CREATE TABLE "CompanyName" ("Ticker" VARCHAR(4), "Company" VARCHAR(20));`,
		inputs: kdaDemoInput("02_04_tickers.jsonl"),
		refs:   []kdaInput{{stream: "CompanyName", file: "26_companies.csv", opts: "format=csv&header=true"}},
		probe:  "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","TICKER_SYMBOL":"AMZN","Company":"Amazon","SECTOR":"TECHNOLOGY","CHANGE":1.5,"PRICE":100.25}`,
			`{"ROWTIME":"2024-05-01T10:00:01.000Z","TICKER_SYMBOL":"TGT","Company":null,"SECTOR":"RETAIL","CHANGE":-0.5,"PRICE":20.5}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","TICKER_SYMBOL":"IBM","Company":"IBM Corp","SECTOR":"TECHNOLOGY","CHANGE":2,"PRICE":30}`,
			`{"ROWTIME":"2024-05-01T10:00:03.000Z","TICKER_SYMBOL":"AMZN","Company":"Amazon","SECTOR":"TECHNOLOGY","CHANGE":-1,"PRICE":99.25}`,
			`{"ROWTIME":"2024-05-01T10:00:04.000Z","TICKER_SYMBOL":"TGT","Company":null,"SECTOR":"RETAIL","CHANGE":0.25,"PRICE":20.75}`,
			`{"ROWTIME":"2024-05-01T10:00:05.000Z","TICKER_SYMBOL":"NUL","Company":null,"SECTOR":null,"CHANGE":null,"PRICE":null}`,
		}},
	},
	{
		// The whole example: the scores, sorted within each second by the
		// second pump's streaming ORDER BY (one row a second here, so the
		// order is the input's).
		name:     "27_random_cut_forest_sorted_output",
		examples: []string{"27"},
		schema:   kdaHeartRateSchema,
		inputs:   kdaDemoInput("27_heart_rate_stream.jsonl"),
		outputs:  []string{"DESTINATION_SQL_STREAM"},
		check: func(rows map[string][]map[string]any) []string {
			return kdaCheckAnomalies(rows["DESTINATION_SQL_STREAM"], 600, 256, "rateType", nil)
		},
	},
	{
		// The scoring pump with the defaults (100 trees, 256 samples): 0
		// for the first 256 rows, then the HIGH heart rates score highest.
		name:     "27_random_cut_forest_scores",
		examples: []string{"27"},
		cut:      `CREATE OR REPLACE PUMP "OUTPUT_PUMP"`,
		schema:   kdaHeartRateSchema,
		inputs:   kdaDemoInput("27_heart_rate_stream.jsonl"),
		outputs:  []string{"TEMP_STREAM"},
		check: func(rows map[string][]map[string]any) []string {
			return kdaCheckAnomalies(rows["TEMP_STREAM"], 600, 256, "rateType", nil)
		},
	},
	{
		// The whole example, through the sorting pump.
		name:     "28_random_cut_forest_with_explanation_sorted_output",
		examples: []string{"28"},
		schema:   kdaBloodPressureSchema,
		inputs:   kdaDemoInput("28_blood_pressure_stream.jsonl"),
		outputs:  []string{"DESTINATION_SQL_STREAM"},
		check: func(rows map[string][]map[string]any) []string {
			return kdaCheckAnomalies(rows["DESTINATION_SQL_STREAM"], 600, 256, "BloodPressureLevel", []string{"Systolic", "Diastolic"})
		},
	},
	{
		// With explanation and directionality: the HIGH and LOW readings
		// score highest, their explanations point HIGH or LOW on both
		// columns, and the attributions add up to the score.
		name:     "28_random_cut_forest_with_explanation_scores",
		examples: []string{"28"},
		cut:      `CREATE OR REPLACE PUMP "OUTPUT_PUMP"`,
		schema:   kdaBloodPressureSchema,
		inputs:   kdaDemoInput("28_blood_pressure_stream.jsonl"),
		outputs:  []string{"TEMP_STREAM"},
		check: func(rows map[string][]map[string]any) []string {
			return kdaCheckAnomalies(rows["TEMP_STREAM"], 600, 256, "BloodPressureLevel", []string{"Systolic", "Diastolic"})
		},
	},
	{
		// One row out per row in, each with the hotspots of the last 1000
		// rows: a fifth of the points fall around (2, 7), the rest spread
		// over [0,10]²; the densest hotspot is the cluster.
		name:     "29_hotspots",
		examples: []string{"29"},
		schema:   `CREATE OR REPLACE STREAM "SOURCE_SQL_STREAM_001" ("x" DOUBLE, "y" DOUBLE, "is_hot" VARCHAR(4), INGESTED TIMESTAMP);`,
		inputs:   kdaDemoInput("29_points_stream.jsonl"),
		outputs:  []string{"DESTINATION_SQL_STREAM"},
		check:    kdaCheckHotspots,
	},
	{
		// |CHANGE / (PRICE - CHANGE)| * 100 > 1: 1/4 and -0.5/32 pass,
		// 0.25/64, 0.125/16 and 0 do not.
		name:     "30_simple_alerts",
		examples: []string{"30"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("30_alerts.jsonl"),
		probe:    "DESTINATION_SQL_STREAM",
		want: map[string][]string{"DESTINATION_SQL_STREAM": {
			`{"ROWTIME":"2024-05-01T10:00:00.000Z","TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":1,"PRICE":5}`,
			`{"ROWTIME":"2024-05-01T10:00:02.000Z","TICKER_SYMBOL":"IBM","SECTOR":"TECHNOLOGY","CHANGE":-0.5,"PRICE":31.5}`,
		}},
	},
	{
		// Rows over 1 % go on to CHANGE_STREAM; COUNT(*) counts the
		// ticker's alerts of the last minute, lower bound inclusive
		// (10:01:00 sees 10:00:00), and every count passes >= 1.
		name:     "31_throttled_alerts_sliding_count",
		examples: []string{"31"},
		schema:   kdaDemoSchema,
		inputs:   kdaDemoInput("31_throttle.jsonl"),
		probe:    "TRIGGER_COUNT_STREAM",
		want: map[string][]string{
			"CHANGE_STREAM": {
				`{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":1,"PRICE":5}`,
				`{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":-1,"PRICE":3}`,
				`{"TICKER_SYMBOL":"TGT","SECTOR":"RETAIL","CHANGE":2,"PRICE":10}`,
				`{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":1,"PRICE":9}`,
				`{"TICKER_SYMBOL":"AMZN","SECTOR":"TECHNOLOGY","CHANGE":1,"PRICE":5}`,
			},
			"TRIGGER_COUNT_STREAM": {
				`{"ROWTIME":"2024-05-01T10:00:00.000Z","TICKER_SYMBOL":"AMZN","CHANGE":1,"TRIGGER_COUNT":1}`,
				`{"ROWTIME":"2024-05-01T10:00:30.000Z","TICKER_SYMBOL":"AMZN","CHANGE":-1,"TRIGGER_COUNT":2}`,
				`{"ROWTIME":"2024-05-01T10:00:40.000Z","TICKER_SYMBOL":"TGT","CHANGE":2,"TRIGGER_COUNT":1}`,
				`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER_SYMBOL":"AMZN","CHANGE":1,"TRIGGER_COUNT":3}`,
				`{"ROWTIME":"2024-05-01T10:01:31.000Z","TICKER_SYMBOL":"AMZN","CHANGE":1,"TRIGGER_COUNT":2}`,
			},
		},
	},
	{
		// The bare query as printed: (price / 0) fails for every TECH row,
		// which goes to the error stream (bound as an output, the only way
		// KDA exposes it); nothing comes out of the query.
		name:      "32_divide_by_zero_bare_query",
		examples:  []string{"32"},
		schema:    kdaDemoSchema,
		inputs:    kdaDemoInput("32_tech.jsonl"),
		stdout:    []string{},
		errorRows: 2,
		partial:   map[string]bool{"ERROR_STREAM": true},
		want: map[string][]string{"ERROR_STREAM": {
			`{"DATA_ROWTIME":"2024-05-01T10:00:00.000Z"}`,
			`{"DATA_ROWTIME":"2024-05-01T10:00:02.000Z"}`,
		}},
	},
	{
		// As the guide says: the query put in place of the SELECT of the
		// getting-started pump. The rows go to the error stream, named
		// with the pump; none reach the destination.
		name:     "32_divide_by_zero_in_pump",
		examples: []string{"32"},
		wrap: `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (symbol VARCHAR(4), sector VARCHAR(12), CHANGE DOUBLE, price DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
`,
		schema:    kdaDemoSchema,
		inputs:    kdaDemoInput("32_tech.jsonl"),
		errorRows: 2,
		partial:   map[string]bool{"ERROR_STREAM": true},
		want: map[string][]string{
			"DESTINATION_SQL_STREAM": {},
			"ERROR_STREAM": {
				`{"DATA_ROWTIME":"2024-05-01T10:00:00.000Z","PUMP_NAME":"STREAM_PUMP"}`,
				`{"DATA_ROWTIME":"2024-05-01T10:00:02.000Z","PUMP_NAME":"STREAM_PUMP"}`,
			},
		},
	},
	{
		// Two input streams, two pumps into one stream: every group of
		// both. COUNT(ticker_symbol) of the NULL ticker's group is 0.
		name:   "33_two_source_streams_one_destination",
		schema: kdaDemoSchema + "\n" + strings.ReplaceAll(kdaDemoSchema, "_001", "_002"),
		inputs: []kdaInput{
			{stream: "SOURCE_SQL_STREAM_001", file: "33_shard_1.jsonl"},
			{stream: "SOURCE_SQL_STREAM_002", file: "33_shard_2.jsonl"},
		},
		examples:  []string{"33"},
		probe:     "IN_APPLICATION_STREAM_001",
		unordered: true,
		anyOrder:  true,
		want:      map[string][]string{"IN_APPLICATION_STREAM_001": kdaMergedCounts},
	},
	{
		// DG: ROWTIME of a stream is "guaranteed … monotonically
		// increased"; SR INSERT: a row older than rows another pump has
		// already inserted "may be initially dropped". Eddy drops nothing:
		// a stream written by several pumps carries every row of each, in
		// the order the pumps deliver them (so ROWTIME may go back across
		// pumps; windows downstream use the minimum watermark of the
		// writers and stay right). The rows are compared as a multiset.
		name:   "33_merged_stream_keeps_every_row",
		schema: kdaDemoSchema + "\n" + strings.ReplaceAll(kdaDemoSchema, "_001", "_002"),
		inputs: []kdaInput{
			{stream: "SOURCE_SQL_STREAM_001", file: "33_shard_1.jsonl"},
			{stream: "SOURCE_SQL_STREAM_002", file: "33_shard_2.jsonl"},
		},
		examples:  []string{"33"},
		probe:     "IN_APPLICATION_STREAM_001",
		unordered: true,
		anyOrder:  true,
		want:      map[string][]string{"IN_APPLICATION_STREAM_001": kdaMergedCounts},
	},
}

// kdaMergedCounts is what example 33's two pumps write, with ROWTIME.
var kdaMergedCounts = []string{
	`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER":"AMZN","TICKER_COUNT":2}`,
	`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER":"TGT","TICKER_COUNT":1}`,
	`{"ROWTIME":"2024-05-01T10:02:00.000Z","TICKER":"AMZN","TICKER_COUNT":1}`,
	`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER":"AMZN","TICKER_COUNT":1}`,
	`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER":"IBM","TICKER_COUNT":1}`,
	`{"ROWTIME":"2024-05-01T10:01:00.000Z","TICKER":null,"TICKER_COUNT":0}`,
	`{"ROWTIME":"2024-05-01T10:02:00.000Z","TICKER":"IBM","TICKER_COUNT":1}`,
}

func TestKDAConformance(t *testing.T) {
	t.Parallel()
	dir, err := kdaExamplesDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("KDA examples: %v", err)
		}
		t.Skipf("KDA examples not available: %v", err)
	}
	for _, tc := range kdaCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.wantErr != nil {
				checkKDAResult(t, tc, runKDACase(t, dir, tc, 0))
				return
			}
			// Row at a time, as KDA inserts rows, and in whole batches.
			for _, batch := range []int{1, 8192} {
				t.Run(fmt.Sprintf("batch_size=%d", batch), func(t *testing.T) {
					t.Parallel()
					checkKDAResult(t, tc, runKDACase(t, dir, tc, batch))
				})
			}
		})
	}
}

// TestKDAConformanceCoversEveryExample makes sure no documented example is
// left without a case.
func TestKDAConformanceCoversEveryExample(t *testing.T) {
	t.Parallel()
	dir, err := kdaExamplesDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("KDA examples: %v", err)
		}
		t.Skipf("KDA examples not available: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9]_*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example files in %s (%v)", dir, err)
	}
	covered := map[string]bool{}
	for _, tc := range kdaCases {
		for _, ex := range tc.examples {
			covered[ex] = true
		}
	}
	for _, f := range files {
		if n := filepath.Base(f)[:2]; !covered[n] {
			t.Errorf("example %s has no conformance case", filepath.Base(f))
		}
	}
}

// kdaExamplesDir finds shared/kda/examples beside the repository: the
// nearest ancestor of the working directory that has it.
func kdaExamplesDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "kda", "examples")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no shared/kda/examples above %s", wd)
		}
	}
}

// kdaExample returns the path of example number n (NN_name.sql).
func kdaExample(t *testing.T, dir, n string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, n+"_*.sql"))
	if err != nil || len(m) != 1 {
		t.Fatalf("example %s: want one file %s_*.sql in %s, got %v (%v)", n, n, dir, m, err)
	}
	return m[0]
}

// kdaRun is the outcome of one `eddy run`.
type kdaRun struct {
	code           int
	stdout, stderr string
	files          map[string]string // example number -> path given to eddy
	outputs        map[string][]string
	start, end     time.Time
}

func runKDACase(t *testing.T, dir string, tc kdaCase, batch int) kdaRun {
	t.Helper()
	for attempt := 1; ; attempt++ {
		r := runKDAOnce(t, dir, tc, batch)
		// A run that straddles a minute sees two arrival minutes.
		if !tc.wallClock || attempt == 3 || r.start.Truncate(time.Minute).Equal(r.end.Truncate(time.Minute)) {
			return r
		}
	}
}

func runKDAOnce(t *testing.T, dir string, tc kdaCase, batch int) kdaRun {
	t.Helper()
	tmp := t.TempDir()
	r := kdaRun{files: map[string]string{}, outputs: map[string][]string{}}
	schema := filepath.Join(tmp, "source_streams.sql")
	if err := os.WriteFile(schema, []byte(tc.schema+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"run", schema}
	for _, n := range tc.examples {
		path := kdaExample(t, dir, n)
		if tc.wrap != "" || tc.cut != "" || tc.block > 0 {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.cut != "" {
				at := strings.Index(string(text), "\n"+tc.cut)
				if at < 0 {
					t.Fatalf("example %s has no line starting with %q", n, tc.cut)
				}
				text = text[:at+1]
			}
			if tc.block > 0 {
				text = kdaBlock(t, text, tc.block)
			}
			path = filepath.Join(tmp, filepath.Base(path))
			if err := os.WriteFile(path, append([]byte(tc.wrap), text...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r.files[n] = path
		args = append(args, path)
	}
	if tc.probe != "" {
		probe := filepath.Join(tmp, "probe.sql")
		text := fmt.Sprintf("SELECT STREAM ROWTIME, * FROM %q;\n", tc.probe)
		if err := os.WriteFile(probe, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, probe)
	}
	testdata, err := filepath.Abs(filepath.Join("testdata", "kda"))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range tc.inputs {
		uri := "file:" + filepath.Join(testdata, in.file) + "?format=json&rowtime=INGESTED"
		if batch > 0 {
			uri += fmt.Sprintf("&batch_size=%d", batch)
		}
		if in.opts != "" {
			uri += "&" + in.opts
		}
		args = append(args, "--input", in.stream+"="+uri)
	}
	for _, ref := range tc.refs {
		uri := "file:" + filepath.Join(testdata, ref.file)
		if ref.opts != "" {
			uri += "?" + ref.opts
		}
		args = append(args, "--reference", ref.stream+"="+uri)
	}
	outs := map[string]string{}
	names := kdaSortedStreams(tc.want)
	for _, name := range tc.outputs {
		if _, dup := tc.want[name]; !dup {
			names = append(names, name)
		}
	}
	for i, name := range names {
		outs[name] = filepath.Join(tmp, fmt.Sprintf("out_%d.jsonl", i))
		args = append(args, "--output", name+"=file:"+outs[name]+"?format=json")
	}
	args = append(args, "--format", "json")
	var stdout, stderr bytes.Buffer
	r.start = time.Now()
	r.code = run(args, strings.NewReader(""), &stdout, &stderr)
	r.end = time.Now()
	r.stdout, r.stderr = stdout.String(), stderr.String()
	for name, path := range outs {
		data, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		r.outputs[name] = kdaSplitLines(string(data))
	}
	return r
}

// kdaBlock returns the text of "-- [doc block n]" of an example, up to the
// next block marker.
func kdaBlock(t *testing.T, text []byte, n int) []byte {
	t.Helper()
	marker := fmt.Sprintf("-- [doc block %d]", n)
	_, rest, ok := strings.Cut(string(text), marker)
	if !ok {
		t.Fatalf("example has no %q", marker)
	}
	rest, _, _ = strings.Cut(rest, "-- [doc block ")
	return []byte(strings.TrimLeft(rest, "\n"))
}

func kdaSortedStreams(m map[string][]string) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func kdaSplitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// checkKDAResult compares a run with the case. Problems are collected so
// that a case with a gap note can tell whether the gap still reproduces.
func checkKDAResult(t *testing.T, tc kdaCase, r kdaRun) {
	t.Helper()
	var problems []string
	addf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if tc.wantErr != nil {
		problems = checkKDAError(tc.wantErr, r)
	} else {
		wantStderr := ""
		if tc.errorRows > 0 {
			wantStderr = fmt.Sprintf("eddy: %s went to the error stream\n", plural(int64(tc.errorRows), "row"))
		}
		wantStderr += tc.stderr
		if r.code != 0 || r.stderr != wantStderr {
			addf("eddy run exited %d, stderr:\n%s\nwant exit 0, stderr %q", r.code, r.stderr, wantStderr)
		}
		for _, name := range kdaSortedStreams(tc.want) {
			// A destination gets the declared columns; the probe adds ROWTIME.
			cmp := kdaRowCompare{unordered: tc.unordered, partial: tc.partial[name], dropRowtime: name == tc.probe, run: r}
			problems = append(problems, cmp.rows("stream "+name, r.outputs[name], tc.want[name])...)
		}
		stdout := kdaSplitLines(r.stdout)
		cmp := kdaRowCompare{unordered: tc.unordered, run: r}
		switch {
		case tc.probe != "":
			problems = append(problems, cmp.rows("probe of "+tc.probe, stdout, tc.want[tc.probe])...)
			if !tc.anyOrder {
				problems = append(problems, kdaCheckRowtimeOrder(stdout)...)
			}
		default:
			problems = append(problems, cmp.rows("stdout", stdout, tc.stdout)...)
		}
		if tc.check != nil {
			rows := map[string][]map[string]any{}
			for _, name := range tc.outputs {
				for _, l := range r.outputs[name] {
					var m map[string]any
					if err := json.Unmarshal([]byte(l), &m); err != nil {
						addf("stream %s: row %q: %v", name, l, err)
						continue
					}
					rows[name] = append(rows[name], m)
				}
			}
			problems = append(problems, tc.check(rows)...)
		}
	}
	switch {
	case tc.gap != "" && len(problems) > 0:
		t.Skipf("known gap: %s\n%s", tc.gap, strings.Join(problems, "\n"))
	case tc.gap != "":
		t.Fatalf("known gap %q no longer reproduces: remove the note", tc.gap)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// checkKDAError checks that the run failed with the positioned SQL error,
// and that line:col is where the construct starts in the example.
func checkKDAError(want *kdaError, r kdaRun) []string {
	path := r.files[want.example]
	first, _, _ := strings.Cut(r.stderr, "\n")
	re := regexp.MustCompile("^" + regexp.QuoteMeta(fmt.Sprintf("%s:%d:%d: ", path, want.line, want.col)) + want.msg)
	var problems []string
	if r.code != 2 || !re.MatchString(first) {
		problems = append(problems, fmt.Sprintf("eddy run exited %d with\n%s\nwant exit 2 and an error matching %s", r.code, r.stderr, re))
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return append(problems, err.Error())
	}
	lines := strings.Split(string(text), "\n")
	if want.line > len(lines) {
		return append(problems, fmt.Sprintf("%s has no line %d", path, want.line))
	}
	line := lines[want.line-1]
	off := 0
	for i := 1; i < want.col && off < len(line); i++ {
		_, n := utf8.DecodeRuneInString(line[off:])
		off += n
	}
	if !strings.HasPrefix(line[off:], want.at) {
		problems = append(problems, fmt.Sprintf("%s:%d:%d is %q, want it to start with %q", path, want.line, want.col, line[off:], want.at))
	}
	return problems
}

// kdaField is one key and value of a JSON row, in column order.
type kdaField struct {
	key string
	val any
}

func parseKDARow(line string) ([]kdaField, error) {
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("row %q is not a JSON object", line)
	}
	var row []kdaField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("row %q: %v", line, err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("row %q: %v", line, err)
		}
		row = append(row, kdaField{key: tok.(string), val: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("row %q: %v", line, err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("row %q: data after the object", line)
	}
	return row, nil
}

// kdaRowCompare compares JSON rows: in order or as a multiset, on all keys or
// (partial) on the expected keys only, optionally without the expected
// ROWTIME; placeholders are judged against the run.
type kdaRowCompare struct {
	unordered, partial, dropRowtime bool
	run                             kdaRun
}

func (c kdaRowCompare) rows(label string, got, want []string) []string {
	parse := func(lines []string) ([][]kdaField, error) {
		rows := make([][]kdaField, len(lines))
		for i, l := range lines {
			row, err := parseKDARow(l)
			if err != nil {
				return nil, err
			}
			rows[i] = row
		}
		return rows, nil
	}
	g, err := parse(got)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", label, err)}
	}
	w, err := parse(want)
	if err != nil {
		return []string{fmt.Sprintf("%s: bad expectation: %v", label, err)}
	}
	for i, row := range w {
		if c.dropRowtime && len(row) > 0 && row[0].key == "ROWTIME" {
			w[i] = row[1:]
		}
	}
	differ := func() []string {
		return []string{fmt.Sprintf("%s differs\n--- got\n%s\n--- want\n%s", label, strings.Join(got, "\n"), strings.Join(want, "\n"))}
	}
	if len(g) != len(w) {
		return differ()
	}
	if !c.unordered {
		for i := range w {
			if !c.match(g[i], w[i]) {
				return differ()
			}
		}
		return nil
	}
	used := make([]bool, len(g))
	for _, wr := range w {
		found := false
		for j, gr := range g {
			if !used[j] && c.match(gr, wr) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return differ()
		}
	}
	return nil
}

func (c kdaRowCompare) match(got, want []kdaField) bool {
	if c.partial {
		i := 0
		for _, f := range got {
			if i < len(want) && f.key == want[i].key {
				if !kdaValueMatches(f.val, want[i].val, c.run) {
					return false
				}
				i++
			}
		}
		return i == len(want)
	}
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if got[i].key != want[i].key || !kdaValueMatches(got[i].val, want[i].val, c.run) {
			return false
		}
	}
	return true
}

func kdaValueMatches(got, want any, r kdaRun) bool {
	switch want {
	case kdaAnyValue:
		return true
	case kdaArrivalTime, kdaArrivalMinute:
		s, ok := got.(string)
		if !ok {
			return false
		}
		ts, err := time.Parse("2006-01-02T15:04:05.000Z", s)
		if err != nil {
			return false
		}
		lo, hi := r.start.Truncate(time.Millisecond), r.end
		if want == kdaArrivalMinute {
			lo, hi = r.start.Truncate(time.Minute), r.end.Truncate(time.Minute)
			if !ts.Equal(ts.Truncate(time.Minute)) {
				return false
			}
		}
		return !ts.Before(lo) && !ts.After(hi)
	}
	wn, ok := want.(json.Number)
	if !ok {
		return reflect.DeepEqual(got, want)
	}
	gn, ok := got.(json.Number)
	if !ok {
		return false
	}
	if wi, err := strconv.ParseInt(string(wn), 10, 64); err == nil {
		if gi, err := strconv.ParseInt(string(gn), 10, 64); err == nil {
			return gi == wi
		}
	}
	wf, err1 := wn.Float64()
	gf, err2 := gn.Float64()
	if err1 != nil || err2 != nil {
		return false
	}
	return math.Abs(gf-wf) <= 1e-9*math.Max(1, math.Max(math.Abs(gf), math.Abs(wf)))
}

// kdaCheckRowtimeOrder checks that the probe's ROWTIME never goes back: KDA
// guarantees every stream's ROWTIME increases monotonically.
func kdaCheckRowtimeOrder(lines []string) []string {
	last := ""
	for _, l := range lines {
		row, err := parseKDARow(l)
		if err != nil || len(row) == 0 || row[0].key != "ROWTIME" {
			return []string{fmt.Sprintf("probe row %q does not start with ROWTIME", l)}
		}
		rt, _ := row[0].val.(string)
		if rt < last {
			return []string{fmt.Sprintf("ROWTIME goes back from %s to %s:\n%s", last, rt, strings.Join(lines, "\n"))}
		}
		last = rt
	}
	return nil
}

// kdaCheckAnomalies checks RCF output rows: n rows, ANOMALY_SCORE 0 for the
// first warm rows, and every row whose label column is not NORMAL scoring
// above every NORMAL row after the warm-up. With explained columns, the
// ANOMALY_EXPLANATION attributions sum to the score (to their 4 printed
// decimals) and the direction on each column of the first anomaly of each
// label is that label (later ones are judged against the earlier ones the
// trees sampled, so their direction is relative to those).
func kdaCheckAnomalies(rows []map[string]any, n, warm int, label string, explained []string) []string {
	var problems []string
	if len(rows) != n {
		return []string{fmt.Sprintf("%d rows, want %d", len(rows), n)}
	}
	minAnom, maxNormal := math.Inf(1), math.Inf(-1)
	anomalies := 0
	seen := map[any]bool{}
	for i, r := range rows {
		score, ok := r["ANOMALY_SCORE"].(float64)
		if !ok || score < 0 {
			problems = append(problems, fmt.Sprintf("row %d: ANOMALY_SCORE %v", i, r["ANOMALY_SCORE"]))
			continue
		}
		if i < warm {
			if score != 0 {
				problems = append(problems, fmt.Sprintf("row %d scored %v during the warm-up", i, score))
			}
			continue
		}
		if r[label] == "NORMAL" {
			maxNormal = max(maxNormal, score)
		} else {
			minAnom = min(minAnom, score)
			anomalies++
		}
		if explained == nil {
			continue
		}
		var ex map[string]map[string]string
		if err := json.Unmarshal([]byte(fmt.Sprint(r["ANOMALY_EXPLANATION"])), &ex); err != nil {
			problems = append(problems, fmt.Sprintf("row %d: ANOMALY_EXPLANATION: %v", i, err))
			continue
		}
		sum := 0.0
		for _, c := range explained {
			a, err := strconv.ParseFloat(ex[c]["ATTRIBUTION_SCORE"], 64)
			if err != nil {
				problems = append(problems, fmt.Sprintf("row %d: %s: ATTRIBUTION_SCORE %q", i, c, ex[c]["ATTRIBUTION_SCORE"]))
			}
			if _, err := strconv.ParseFloat(ex[c]["STRENGTH"], 64); err != nil {
				problems = append(problems, fmt.Sprintf("row %d: %s: STRENGTH %q", i, c, ex[c]["STRENGTH"]))
			}
			sum += a
			if l := r[label]; l != "NORMAL" && !seen[l] && ex[c]["DIRECTION"] != l {
				problems = append(problems, fmt.Sprintf("row %d (%s): %s has DIRECTION %q", i, l, c, ex[c]["DIRECTION"]))
			}
		}
		if l := r[label]; l != "NORMAL" {
			seen[fmt.Sprint(l)] = true
		}
		if math.Abs(sum-score) > 0.00006*float64(len(explained)) {
			problems = append(problems, fmt.Sprintf("row %d: attributions sum to %v, score %v", i, sum, score))
		}
	}
	if anomalies == 0 || !(minAnom > maxNormal) {
		problems = append(problems, fmt.Sprintf("%d anomalies after the warm-up, lowest score %v, highest NORMAL score %v: want every anomaly above every NORMAL row", anomalies, minAnom, maxNormal))
	}
	return problems
}

// kdaCheckHotspots checks HOTSPOTS output: every row echoed with a
// HOTSPOTS_RESULT; once the window is full the densest hotspot is the
// cluster around (2, 7), denser than the window on average.
func kdaCheckHotspots(rows map[string][]map[string]any) []string {
	var problems []string
	out := rows["DESTINATION_SQL_STREAM"]
	if len(out) != 1200 {
		return []string{fmt.Sprintf("%d rows, want 1200", len(out))}
	}
	for i, r := range out {
		if _, ok := r["x"].(float64); !ok || r["is_hot"] == nil {
			problems = append(problems, fmt.Sprintf("row %d: input columns not echoed: %v", i, r))
		}
		var res struct {
			Hotspots []struct {
				Density   float64   `json:"density"`
				MinValues []float64 `json:"minValues"`
				MaxValues []float64 `json:"maxValues"`
			} `json:"hotspots"`
		}
		if err := json.Unmarshal([]byte(fmt.Sprint(r["HOTSPOTS_RESULT"])), &res); err != nil {
			problems = append(problems, fmt.Sprintf("row %d: HOTSPOTS_RESULT: %v", i, err))
			continue
		}
		if i < 999 {
			continue
		}
		if len(res.Hotspots) == 0 {
			problems = append(problems, fmt.Sprintf("row %d: no hotspot", i))
			continue
		}
		h := res.Hotspots[0]
		if h.Density <= 1 || len(h.MinValues) != 2 || len(h.MaxValues) != 2 ||
			h.MinValues[0] > 2 || h.MaxValues[0] < 2 || h.MinValues[1] > 7 || h.MaxValues[1] < 7 ||
			h.MaxValues[0]-h.MinValues[0] > 1.5 || h.MaxValues[1]-h.MinValues[1] > 1.5 {
			problems = append(problems, fmt.Sprintf("row %d: densest hotspot %+v, want a dense box around (2, 7)", i, h))
		}
		for k := 1; k < len(res.Hotspots); k++ {
			if res.Hotspots[k].Density > res.Hotspots[k-1].Density {
				problems = append(problems, fmt.Sprintf("row %d: hotspots not densest first", i))
			}
		}
	}
	return problems
}
