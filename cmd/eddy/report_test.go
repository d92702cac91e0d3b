package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// reportApp keeps a ticker stream for two hours and reports on it every 15
// minutes (a table) and every hour (a chart over time).
const reportApp = `
CREATE STREAM ticks (sym VARCHAR(4), price DOUBLE, ts TIMESTAMP)
  WITH (connector = 'file', path = '%s', format = 'json', rowtime = 'TS', retain = '2 hours');

CREATE REPORT per_symbol EVERY INTERVAL '15' MINUTE AS
  SELECT STREAM sym, COUNT(*) AS trades, MIN(price) AS low, MAX(price) AS high
  FROM ticks GROUP BY sym, STEP(ticks.ROWTIME BY INTERVAL '15' MINUTE)
  WITH (format = 'markdown', title = 'Trades per symbol');

CREATE REPORT top_symbols EVERY INTERVAL '1' HOUR AS
  SELECT STREAM sym, MAX(price) AS top FROM ticks
  WHERE ROWTIME >= CURRENT_TIMESTAMP - INTERVAL '30' MINUTE
  GROUP BY sym ORDER BY top DESC, sym
  WITH (format = 'csv');

CREATE REPORT hourly_prices SCHEDULE 'CRON_TZ=Europe/Paris 0 * * * *' AS
  SELECT STREAM FLOOR(ticks.ROWTIME TO MINUTE) AS minute, sym, AVG(price) AS avg_price
  FROM ticks GROUP BY FLOOR(ticks.ROWTIME TO MINUTE), sym
  WITH (title = 'Average price per minute, last hour');
`

// writeTicks writes n ticks a minute apart from 10:00 UTC: three symbols,
// prices that drift.
func writeTicks(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	syms := []string{"AMZN", "TGT", "WMT"}
	for i := 0; i < n; i++ {
		for k, s := range syms {
			price := 100 + 10*k + (i*7+k*3)%11
			fmt.Fprintf(&b, `{"sym":%q,"price":%d,"ts":%q}`+"\n", s, price, start.Add(time.Duration(i)*time.Minute).Format("2006-01-02T15:04:05.000Z"))
		}
	}
	return writeFile(t, dir, "ticks.jsonl", b.String())
}

// retainedApp runs the application once (bounded input) so its history is
// kept in state, and returns the SQL file.
func retainedApp(t *testing.T, dir, state string) string {
	t.Helper()
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(reportApp, filepath.ToSlash(writeTicks(t, dir, 120))))
	var out, errb bytes.Buffer
	if code := run([]string{"run", app, "--state", state, "--set", "checkpoint_interval=1h"}, nil, &out, &errb); code != 0 {
		t.Fatalf("eddy run = %d: %s", code, errb.String())
	}
	return app
}

func TestReportCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	app := retainedApp(t, dir, state)
	cases := []struct {
		name string
		args []string
		file string
		want []string
	}{
		{"a quarter of an hour in markdown", []string{"--at", "2024-05-01T10:30:00Z", "--report", "per_symbol"},
			"per_symbol-20240501T103000Z.md", []string{"# Trades per symbol", "| SYM | TRADES | LOW | HIGH |", "| AMZN | 15 | 100 | 110 |", "| WMT | 15 | 120 | 130 |",
				"2024-05-01 10:15:00 UTC to 2024-05-01 10:30:00 UTC"}},
		{"a plain GROUP BY with ORDER BY over the last half hour", []string{"--at", "2024-05-01T11:00:00Z", "--report", "top_symbols"},
			"top_symbols-20240501T110000Z.csv", []string{"SYM,TOP\nWMT,130\nTGT,120\nAMZN,110\n"}},
		{"an hour in html, shown in Paris time", []string{"--at", "2024-05-01T11:00:00Z", "--report", "HOURLY_PRICES"},
			"hourly_prices-20240501T110000Z.html", []string{"<h1>Average price per minute, last hour</h1>", "2024-05-01 12:00:00 CEST", `<svg class="chart line-chart"`, "180 rows."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			if code := cmdReport(append([]string{app, "--state", state, "--out", out}, tc.args...), &stdout, &stderr); code != 0 {
				t.Fatalf("eddy report = %d: %s", code, stderr.String())
			}
			path := filepath.Join(out, tc.file)
			if strings.TrimSpace(stdout.String()) != path {
				t.Fatalf("printed %q, want %s", stdout.String(), path)
			}
			doc, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(doc), w) {
					t.Errorf("report lacks %q:\n%s", w, doc)
				}
			}
		})
	}
	var stderr bytes.Buffer
	if code := cmdReport([]string{app}, &bytes.Buffer{}, &stderr); code != 2 {
		t.Fatalf("without --state: exit %d", code)
	}
}

// chromium returns the path of a Chromium to run headless: a test without
// one skips, except under CI=true, where .ci/setup-reports.sh installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (.ci/setup-reports.sh installs it)")
	}
	t.Skip("chromium is not installed; run .ci/setup-reports.sh")
	return ""
}

func headless(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// measure is appended to a copy of the report: it writes what Chromium
// laid out (sizes of the table rows and of the chart's shapes) into the
// DOM, so --dump-dom shows the report rendered, not just parsed.
const measure = `<script>
const box = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
const rows = [...document.querySelectorAll('table.report tbody tr')].filter(box).length;
const svg = document.querySelector('svg.chart');
const lines = [...document.querySelectorAll('svg.chart polyline.series')].filter(l => l.getBBox().width > 100).length;
const points = [...document.querySelectorAll('svg.chart circle.point')].filter(box).length;
const pre = document.createElement('pre');
pre.id = 'measured';
pre.textContent = 'rows=' + rows + ' chart=' + (svg && box(svg) ? Math.round(svg.getBoundingClientRect().width) : 0) + ' lines=' + lines + ' points=' + points;
document.body.appendChild(pre);
</script>`

func TestHTMLReportRendersInChromium(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	app := retainedApp(t, dir, state)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := cmdReport([]string{app, "--state", state, "--out", out, "--at", "2024-05-01T11:00:00Z", "--report", "hourly_prices"}, &stdout, &stderr); code != 0 {
		t.Fatalf("eddy report = %d: %s", code, stderr.String())
	}
	path := strings.TrimSpace(stdout.String())
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probe, bytes.Replace(doc, []byte("</body>"), []byte(measure+"</body>"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := string(headless(t, bin, "--dump-dom", "file://"+probe))
	m := regexp.MustCompile(`rows=(\d+) chart=(\d+) lines=(\d+) points=(\d+)`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no measurements in the rendered DOM:\n%s", dom)
	}
	// 10:00 to 11:00, a row per minute and symbol; a line per symbol.
	if m[1] != "180" || m[2] == "0" || m[3] != "3" || m[4] != "180" {
		t.Fatalf("rendered %s, want 180 table rows, a chart, 3 lines and 180 points", m[0])
	}
	for _, w := range []string{"<td>AMZN</td>", `class="chart line-chart"`, ">12:00<"} {
		if !strings.Contains(dom, w) {
			t.Errorf("rendered DOM lacks %q", w)
		}
	}
	png := filepath.Join(dir, "report.png")
	headless(t, bin, "--window-size=1000,1000", "--screenshot="+png, "file://"+path)
	img, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(img, []byte("\x89PNG")) || len(img) < 10000 {
		t.Fatalf("screenshot: %d bytes, %v", len(img), err)
	}
	if os.Getenv("EDDY_UPDATE_REPORT_PICTURE") != "" {
		if err := os.WriteFile(filepath.Join("report", "testdata", "example_report.png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
