package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleChartsAndReports drives the application page of a real eddy
// serve in headless Chromium: its charts, drawn from the server's metrics
// history, show the ticker's rates; its reports panel lists the runs of
// the application's report, runs it on demand, and opens a run's HTML in
// a sandboxed frame.
func TestConsoleChartsAndReports(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	token := "tok-charts-0123456789"
	s := startTestServer(t, "--data", dir, "--token-file", writeFile(t, dir, "token", token+"\n"), "--history-interval", "250ms")
	ctx, cancel := browser(t, 1280, 900)
	defer cancel()
	// Every request goes to the server, and nothing breaks the page's
	// Content-Security-Policy (the report frame has its own).
	onlyServerRequests(t, ctx, s.url)
	do(t, ctx, "log in",
		chromedp.Navigate(s.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token+"\n"),
		chromedp.WaitVisible(`//td[contains(., "No applications yet")]`),
	)
	code, _ := json.Marshal(servedReportApp)
	// Submitted through the console's own API call, as its editor does.
	sub := `{"name": "reporting", "code": ` + string(code) + `, "start": "NOW", "settings": {"checkpoint_interval": "500ms"}}`
	do(t, ctx, "submit",
		chromedp.Evaluate[chromedp.Void](`call('POST', '/v1/applications', `+sub+`).then(() => { location.hash = '#/apps/reporting'; })`),
		chromedp.WaitVisible(`//span[@id="app-state" and .="RUNNING"]`),
	)

	// The charts: rows/s in and out above zero, the watermark's lag drawn,
	// each chart summarized for screen readers.
	do(t, ctx, "charts",
		chromedp.WaitVisible(chromedp.CSS("svg#chart-rates")),
		chromedp.WaitReady(`//*[local-name()="path" and @data-series="in" and number(@data-latest) > 0 and contains(@d, "L")]`),
		chromedp.WaitReady(`//*[local-name()="path" and @data-series="out" and number(@data-latest) > 0]`),
		chromedp.WaitReady(`//*[local-name()="path" and @data-series="watermark" and number(@data-latest) >= 0 and contains(@d, "L")]`),
	)
	label := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('chart-rates').getAttribute('aria-label')`))
	if !strings.HasPrefix(label, "Rows per second") || !strings.Contains(label, "latest: in ") || strings.Contains(label, "in 0.0/s") || strings.Contains(label, "in –") {
		t.Errorf("rates chart label %q, want the latest non-zero rates", label)
	}
	if title := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#chart-lag title').textContent`)); !strings.HasPrefix(title, "Lag") || !strings.Contains(title, "watermark behind the clock ") {
		t.Errorf("lag chart title %q", title)
	}
	ticks := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#chart-rates text.tick')].map(e => e.textContent).filter(s => /^\d\d:\d\d/.test(s))`))
	if len(ticks) == 0 {
		t.Error("the rates chart has no time labels")
	}

	// The reports panel: a scheduled run, then one asked for.
	do(t, ctx, "reports",
		chromedp.WaitVisible(`//section[@id="reports"]//table[@data-report="PRICES"]//tr[@data-run]/td[2][contains(., "succeeded")]`),
		chromedp.Click(`//table[@data-report="PRICES"]//button[.="Run now"]`),
		chromedp.WaitVisible(`//table[@data-report="PRICES"]//tr[@data-run]/td[1][contains(., "(run now)")]`),
	)
	do(t, ctx, "open a run",
		chromedp.Click(`//table[@data-report="PRICES"]//tr[@data-run][1]//button[.="Open"]`),
		chromedp.WaitReady(`//iframe[@id="report-frame" and @data-loaded="1"]`),
	)
	sandbox := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('report-frame').getAttribute('sandbox')`))
	if sandbox != "" {
		t.Errorf("report frame sandbox=%q, want an empty sandbox (no scripts, no same origin)", sandbox)
	}
	// The frame's document is opaque to the page (sandboxed): the page
	// fetches what it shows.
	doc := get(t, ctx, chromedp.Evaluate[string](`fetch(document.getElementById('report-frame').src, {credentials: 'same-origin'}).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if !strings.Contains(doc, "<table") || !strings.Contains(doc, "Ticks per symbol, last hour") || !strings.Contains(doc, "<svg") {
		t.Errorf("the framed report is not the rendered HTML:\n%.500s", doc)
	}
	if v := get(t, ctx, chromedp.Evaluate[[]string](`window.cspViolations`)); len(v) > 0 {
		t.Errorf("content security policy violations: %v", v)
	}
	shot := get(t, ctx, chromedp.FullScreenshot(100))
	// On a phone the charts stack, and the runs' table and the frame stay
	// within the screen.
	do(t, ctx, "narrow", chromedp.EmulateViewport(390, 800))
	if !get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`)) {
		t.Error("the application page with charts and reports is wider than a 390px screen")
	}
	if !bytes.HasPrefix(shot, []byte("\x89PNG")) || len(shot) < 10000 {
		t.Fatalf("screenshot: %d bytes", len(shot))
	}
	if p := os.Getenv("EDDY_CHARTS_PICTURE"); p != "" {
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getenv("EDDY_UPDATE_CONSOLE_PICTURE") != "" {
		if err := os.WriteFile(filepath.Join("serve", "console", "testdata", "charts.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
