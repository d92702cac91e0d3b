package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// formsApp keeps the ticker stream and reports on it with the query forms
// only bounded queries may use: LIMIT, ORDER BY without a time prefix and
// DISTINCT without a monotonic column.
const formsApp = `
CREATE STREAM ticks (sym VARCHAR(4), price DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = '%s', format = 'json', rowtime = 'TS', retain = '2 hours');

CREATE REPORT top_two EVERY INTERVAL '1' HOUR AS
  SELECT STREAM sym, MAX(price) AS top FROM ticks GROUP BY sym ORDER BY top DESC LIMIT 2
  WITH (format = 'csv');

CREATE REPORT symbols EVERY INTERVAL '1' HOUR AS
  SELECT STREAM DISTINCT sym FROM ticks ORDER BY sym
  WITH (format = 'csv');

CREATE REPORT dearest_first_minute EVERY INTERVAL '1' HOUR AS
  SELECT STREAM sym, price FROM ticks WHERE ROWTIME < TIMESTAMP '2024-05-01 10:02:00'
  ORDER BY FLOOR(ticks.ROWTIME TO MINUTE), price DESC LIMIT 4
  WITH (format = 'csv');
`

func TestReportQueryForms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(formsApp, filepath.ToSlash(writeTicks(t, dir, 120))))
	var out, errb bytes.Buffer
	if code := run([]string{"run", app, "--state", state, "--set", "checkpoint_interval=1h"}, nil, &out, &errb); code != 0 {
		t.Fatalf("eddy run = %d: %s", code, errb.String())
	}
	cases := []struct {
		name, report, at, want string
	}{
		{"order by and limit", "top_two", "20240501T120000Z", "SYM,TOP\nWMT,130\nTGT,120\n"},
		{"distinct over history", "symbols", "20240501T120000Z", "SYM\nAMZN\nTGT\nWMT\n"},
		{"time prefix then price, limited", "dearest_first_minute", "20240501T110000Z", "SYM,PRICE\nWMT,126\nTGT,113\nAMZN,100\nWMT,122\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			outDir := t.TempDir()
			var stdout, stderr bytes.Buffer
			if code := cmdReport([]string{app, "--state", state, "--out", outDir, "--at", tc.at[:4] + "-" + tc.at[4:6] + "-" + tc.at[6:8] + "T" + tc.at[9:11] + ":00:00Z", "--report", tc.report}, &stdout, &stderr); code != 0 {
				t.Fatalf("eddy report = %d: %s", code, stderr.String())
			}
			doc, err := os.ReadFile(filepath.Join(outDir, tc.report+"-"+tc.at+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			if string(doc) != tc.want {
				t.Errorf("report:\n%s\nwant:\n%s", doc, tc.want)
			}
		})
	}
}
