package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// servedReportApp is consoleApp's ticker with its history retained and a report
// over it every second (reading the last hour).
const servedReportApp = `CREATE STREAM TICKS (TICKER_SYMBOL VARCHAR(4), SECTOR VARCHAR(16), CHANGE DOUBLE, PRICE DOUBLE)
  WITH (connector = 'generator', kind = 'ticker', rate = '50', batch_size = '5', retain = '1 hour');
CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE);
CREATE OR REPLACE PUMP STREAM_PUMP AS INSERT INTO DESTINATION_SQL_STREAM
  SELECT STREAM TICKER_SYMBOL, PRICE FROM TICKS;
CREATE REPORT PRICES EVERY INTERVAL '1' SECOND AS
  SELECT STREAM TICKER_SYMBOL, COUNT(*) AS TICKS, AVG(PRICE) AS AVG_PRICE
  FROM TICKS GROUP BY TICKER_SYMBOL ORDER BY TICKER_SYMBOL
  WITH (window = '1 hour', title = 'Ticks per symbol, last hour', retries = '0');
`

// getJSON GETs url with the token into v and returns the status.
func getJSON(t *testing.T, url, token string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, body)
		}
	}
	return resp.StatusCode
}

// pollUntil polls cond every 100ms for up to 30s.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after 30s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeMetricsHistory: a running application's history fills with
// samples of its rates at the --history-interval, behind the token, and
// goes with the application.
func TestServeMetricsHistory(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	token := "tok-history-0123456789"
	s := startTestServer(t, "--data", dir, "--token-file", writeFile(t, dir, "token", token+"\n"), "--history-interval", "200ms")
	sub, _ := json.Marshal(serve.Submission{Name: "ticks", Code: consoleApp, Start: "NOW"})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/v1/applications", strings.NewReader(string(sub)))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("submit: %v %v", err, resp)
	}
	resp.Body.Close()

	if status := getJSON(t, s.url+"/v1/applications/ticks/history", "", nil); status != http.StatusUnauthorized {
		t.Errorf("history without the token: %d, want 401", status)
	}
	var h serve.History
	pollUntil(t, "samples with rows flowing", func() bool {
		if status := getJSON(t, s.url+"/v1/applications/ticks/history", token, &h); status != 200 {
			t.Fatalf("history: %d", status)
		}
		n := len(h.Samples)
		return n >= 5 && h.Samples[n-1].In > 0 && h.Samples[n-1].Out > 0
	})
	if h.IntervalMs != 200 || h.Capacity != serve.DefaultHistorySamples {
		t.Errorf("history interval %d ms, capacity %d; want 200 and %d", h.IntervalMs, h.Capacity, serve.DefaultHistorySamples)
	}
	last := h.Samples[len(h.Samples)-1]
	// The ticker makes 50 rows/s; both destinations' rows count as output.
	if last.In < 20 || last.In > 100 || last.Out < last.In || last.Errors != 0 {
		t.Errorf("last sample %+v: want about 50 rows/s in, more out (two destinations), no errors", last)
	}
	if last.WatermarkLag < 0 {
		t.Errorf("last sample %+v: want the watermark lag of the ticker", last)
	}
	for i := 1; i < len(h.Samples); i++ {
		if h.Samples[i].Time <= h.Samples[i-1].Time {
			t.Fatalf("samples not oldest first: %+v", h.Samples)
		}
	}

	req, _ = http.NewRequest(http.MethodDelete, s.url+"/v1/applications/ticks", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("delete: %v %v", err, resp)
	}
	if status := getJSON(t, s.url+"/v1/applications/ticks/history", token, nil); status != http.StatusNotFound {
		t.Errorf("history of a deleted application: %d, want 404", status)
	}
}

// reportsOf lists an application's reports.
func reportsOf(t *testing.T, base, app string) []serve.ReportInfo {
	t.Helper()
	var out struct{ Reports []serve.ReportInfo }
	if status := getJSON(t, base+"/v1/applications/"+app+"/reports", "", &out); status != 200 {
		t.Fatalf("reports of %s: %d", app, status)
	}
	return out.Reports
}

// TestServeRunsReports: eddy serve runs an application's reports on their
// schedule over its retained history, and on demand; the runs are listed
// and their HTML served for a sandboxed frame.
func TestServeRunsReports(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "--data", tempDir(t))
	if status, answer := submitJSON(t, s.url, serve.Submission{Name: "reporting", Code: servedReportApp, Start: "NOW",
		Settings: map[string]string{"checkpoint_interval": "500ms"}}); status != 200 {
		t.Fatalf("submit: %d %s", status, answer)
	}
	var reps []serve.ReportInfo
	pollUntil(t, "a scheduled run with rows", func() bool {
		reps = reportsOf(t, s.url, "reporting")
		return len(reps) == 1 && len(reps[0].Runs) > 0 && reps[0].Runs[0].Status == serve.RunSucceeded && reps[0].Runs[0].Rows > 0
	})
	r := reps[0]
	if r.Name != "PRICES" || r.Schedule == "" || r.Format != "html" || r.Title != "Ticks per symbol, last hour" || r.NextRun == nil {
		t.Errorf("report %+v", r)
	}
	run := r.Runs[0]
	if run.Output == "" || run.Manual || run.Attempts != 1 || run.Finished.Before(run.Started) {
		t.Errorf("run %+v", run)
	}
	resp, err := http.Get(s.url + run.Output)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("run output: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("run output CSP %q, want a sandbox allowing nothing but inline styles", csp)
	}
	if !strings.Contains(string(doc), "<table") || !strings.Contains(string(doc), "TICKER_SYMBOL") || !strings.Contains(string(doc), "Ticks per symbol, last hour") {
		t.Errorf("run output is not the report's table:\n%.600s", doc)
	}

	// Run now: queued, then a manual run appears.
	before := run.ID
	req, _ := http.NewRequest(http.MethodPost, s.url+"/v1/applications/reporting/reports/prices/run", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("run now: %v %v", err, resp)
	}
	resp.Body.Close()
	pollUntil(t, "the run asked for", func() bool {
		for _, run := range reportsOf(t, s.url, "reporting")[0].Runs {
			if run.ID > before && run.Manual {
				return run.Status == serve.RunSucceeded && run.Rows > 0
			}
		}
		return false
	})

	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"an unknown report", "POST", "/v1/applications/reporting/reports/nope/run", 404},
		{"an unknown run", "GET", "/v1/applications/reporting/reports/PRICES/runs/99999", 404},
		{"a run id that is not a number", "GET", "/v1/applications/reporting/reports/PRICES/runs/x", 400},
		{"an unknown application", "GET", "/v1/applications/nope/reports", 404},
	} {
		req, _ := http.NewRequest(tc.method, s.url+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %s %s = %d, want %d", tc.name, tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}

	// Stopped, the reports stop: no next run, and run now is refused.
	req, _ = http.NewRequest(http.MethodPost, s.url+"/v1/applications/reporting/stop", strings.NewReader("{}"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("stop: %v %v", err, resp)
	}
	pollUntil(t, "the application to stop", func() bool {
		var info serve.AppInfo
		getJSON(t, s.url+"/v1/applications/reporting", "", &info)
		return info.Status == "READY"
	})
	stopped := reportsOf(t, s.url, "reporting")
	if len(stopped) != 1 || stopped[0].NextRun != nil || len(stopped[0].Runs) == 0 {
		t.Errorf("reports of the stopped application: %+v", stopped)
	}
	n := len(stopped[0].Runs)
	time.Sleep(1500 * time.Millisecond)
	if again := reportsOf(t, s.url, "reporting")[0].Runs; len(again) != n {
		t.Errorf("%d runs after the stop, then %d: reports still run", n, len(again))
	}
	req, _ = http.NewRequest(http.MethodPost, s.url+"/v1/applications/reporting/reports/PRICES/run", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted || !strings.Contains(string(body), "not running") {
		t.Errorf("run now of a stopped application: %d %s", resp.StatusCode, body)
	}
}

// TestServeReportDirIsConfined: a report's dir option is a file path like
// any other: outside --allow-path the application does not start.
func TestServeReportDirIsConfined(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	s := startTestServer(t, "--data", filepath.Join(dir, "data"), "--allow-path", filepath.Join(dir, "allowed"))
	code := strings.Replace(servedReportApp, "retries = '0'", "retries = '0', dir = '"+filepath.Join(dir, "elsewhere")+"'", 1)
	status, answer := submitJSON(t, s.url, serve.Submission{Name: "escaping", Code: code, Start: "NOW"})
	if status == 200 || !strings.Contains(answer, "outside the allowed directories") {
		t.Fatalf("submit with a report dir outside --allow-path: %d %s", status, answer)
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere")); !os.IsNotExist(err) {
		t.Errorf("the report directory outside --allow-path exists: %v", err)
	}
}
