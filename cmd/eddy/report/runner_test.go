package report

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/planner"
	shistory "github.com/eddy-sql/eddy/sources/history"
)

// quarterApp retains TICKS for 2 hours and reports every 15 minutes.
const quarterApp = `
CREATE STREAM ticks (sym VARCHAR(4), price DOUBLE) WITH (retain = '2 hours');
CREATE REPORT per_sym EVERY INTERVAL '15' MINUTE AS
  SELECT STREAM sym, COUNT(*) AS n, MIN(price) AS lo, MAX(price) AS hi
  FROM ticks GROUP BY sym, STEP(ticks.ROWTIME BY INTERVAL '15' MINUTE)
  WITH (format = 'markdown', title = 'Ticks per symbol');
CREATE REPORT recent EVERY INTERVAL '15' MINUTE AS
  SELECT STREAM sym, price, ROWTIME AS at FROM ticks
  WHERE ROWTIME >= CURRENT_TIMESTAMP - INTERVAL '5' MINUTE
  WITH (format = 'csv', window = '1 hour');
`

var t0 = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

func TestReportsOverRetainedHistory(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	// 08:00 to 11:55, a row every 5 minutes: retention (2 hours before
	// 11:55) drops what is older than 09:55.
	keep(t, state, "TICKS", 2*time.Hour, ticks(t0, 5*time.Minute, 48, "AMZN", "TGT", "AMZN"))
	segs, err := shistory.ListSegments(planner.HistoryDir(state, "TICKS"))
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) == 0 || segs[0].Max.Before(t0.Add(115*time.Minute)) {
		t.Fatalf("retention kept segments from %v", segs[0].Min)
	}
	stmts, reps := app(t, state, quarterApp)
	byName := map[string]*Report{}
	for _, r := range reps {
		byName[r.Def.Name] = r
	}
	cases := []struct {
		name   string
		report string
		at     string
		want   []string
	}{
		{"a quarter of an hour per symbol", "PER_SYM", "2024-05-01T10:15:00Z", []string{"AMZN 2 124 126", "TGT 1 125 125"}},
		{"the next quarter", "PER_SYM", "2024-05-01T10:30:00Z", []string{"AMZN 2 127 129", "TGT 1 128 128"}},
		{"the window is the period, end excluded", "PER_SYM", "2024-05-01T12:00:00Z", []string{"AMZN 2 145 147", "TGT 1 146 146"}},
		{"history older than the retention is gone", "PER_SYM", "2024-05-01T09:00:00Z", nil},
		{"current timestamp is the scheduled time", "RECENT", "2024-05-01T11:00:00Z", []string{"AMZN 135 2024-05-01T10:55:00"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			at, _ := time.Parse(time.RFC3339, tc.at)
			runAt := at.Add(3 * time.Second)
			r := NewRunner(Config{Connectors: &testConnectors{alloc: alloc, clock: time.Now}, Alloc: alloc, StateDir: state,
				Clock: func() time.Time { return runAt }}, stmts)
			var docs [][]byte
			for range 2 { // the same scheduled time gives the same report
				res, err := r.Run(context.Background(), byName[tc.report], at)
				if err != nil {
					t.Fatal(err)
				}
				if got := table(res); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					res.Release()
					t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
				doc, err := Render(res, res.Report.Format)
				res.Release()
				if err != nil {
					t.Fatal(err)
				}
				docs = append(docs, doc)
			}
			if !bytes.Equal(docs[0], docs[1]) {
				t.Fatalf("two runs for %s differ:\n%s\n%s", tc.at, docs[0], docs[1])
			}
		})
	}
}

func TestRenderings(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	keep(t, state, "TICKS", 0, ticks(time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC), time.Minute, 6, "AMZN", "TG|T"))
	stmts, reps := app(t, state, `CREATE STREAM ticks (sym VARCHAR(4), price DOUBLE) WITH (retain = '1 day');
CREATE REPORT r SCHEDULE 'CRON_TZ=Europe/Paris 15 12 * * *' AS SELECT STREAM sym, COUNT(*) AS n FROM ticks
GROUP BY sym, STEP(ticks.ROWTIME BY INTERVAL '1' DAY) WITH (title = 'Daily <ticks>')`)
	at := time.Date(2024, 5, 2, 10, 15, 0, 0, time.UTC) // 12:15 in Paris
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	r := NewRunner(Config{Connectors: &testConnectors{alloc: alloc, clock: time.Now}, Alloc: alloc, StateDir: state,
		Clock: func() time.Time { return at.Add(time.Second) }}, stmts)
	res, err := r.Run(context.Background(), reps[0], at)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	cases := []struct {
		format Format
		want   []string
	}{
		{HTML, []string{"<title>Daily &lt;ticks&gt;</title>", "2024-05-02 12:15:00 CEST", "2024-05-01 12:15:00 CEST to 2024-05-02 12:15:00 CEST",
			"<td>AMZN</td><td class=\"num\">3</td>", `<svg class="chart bar-chart"`, `<rect class="bar"`, "2 rows."}},
		{Markdown, []string{"# Daily &lt;ticks&gt;", "- **Schedule:** CRON_TZ=Europe/Paris 15 12 * * *", "| SYM | N |", "| --- | ---: |", "| TG\\|T | 3 |"}},
		{CSV, []string{"SYM,N\nAMZN,3\nTG|T,3\n"}},
		{JSON, []string{`"report": "R"`, `"scheduled_time": "2024-05-02T10:15:00.000Z"`, `"window_start": "2024-05-01T10:15:00.000Z"`, `"title": "Daily <ticks>"`, `"SYM": "AMZN",`, `"N": 3`}},
	}
	for _, tc := range cases {
		t.Run(string(tc.format), func(t *testing.T) {
			doc, err := Render(res, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(doc), w) {
					t.Errorf("%s rendering lacks %q:\n%s", tc.format, w, doc)
				}
			}
		})
	}
}

func TestLineChart(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	keep(t, state, "TICKS", 0, ticks(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), 10*time.Minute, 12, "AMZN", "TGT"))
	stmts, reps := app(t, state, `CREATE STREAM ticks (sym VARCHAR(4), price DOUBLE) WITH (retain = '1 day');
CREATE REPORT hourly EVERY INTERVAL '2' HOUR AS SELECT STREAM FLOOR(ticks.ROWTIME TO HOUR) AS hour, sym, AVG(price) AS avg_price
FROM ticks GROUP BY FLOOR(ticks.ROWTIME TO HOUR), sym`)
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	r := NewRunner(Config{Connectors: &testConnectors{alloc: alloc, clock: time.Now}, Alloc: alloc, StateDir: state}, stmts)
	res, err := r.Run(context.Background(), reps[0], time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	doc, err := Render(res, HTML)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`<svg class="chart line-chart"`, `data-series="AMZN AVG_PRICE"`, `data-series="TGT AVG_PRICE"`, ">10:00<", ">11:00<"} {
		if !strings.Contains(string(doc), w) {
			t.Errorf("chart lacks %q", w)
		}
	}
	if n := strings.Count(string(doc), `<circle class="point"`); n != 4 {
		t.Errorf("%d points, want 4 (2 hours × 2 symbols)\n%s", n, doc)
	}
	if os.Getenv("EDDY_REPORT_SAMPLE") != "" {
		os.WriteFile(os.Getenv("EDDY_REPORT_SAMPLE"), doc, 0o644)
	}
}
