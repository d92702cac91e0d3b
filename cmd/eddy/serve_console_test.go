package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// consoleApp is the application the console test types: a ticker at 50
// rows per second into two destinations.
const consoleApp = `CREATE STREAM TICKS (TICKER_SYMBOL VARCHAR(4), SECTOR VARCHAR(16), CHANGE DOUBLE, PRICE DOUBLE)
  WITH (connector = 'generator', kind = 'ticker', rate = '50', batch_size = '5');
CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE);
CREATE OR REPLACE PUMP STREAM_PUMP AS INSERT INTO DESTINATION_SQL_STREAM
  SELECT STREAM TICKER_SYMBOL, PRICE
  FROM TICKS WHERE PRICE > 0;
CREATE OR REPLACE STREAM EXPENSIVE (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE);
CREATE OR REPLACE PUMP EXPENSIVE_PUMP AS INSERT INTO EXPENSIVE
  SELECT STREAM TICKER_SYMBOL, PRICE FROM TICKS WHERE PRICE > 100;
`

// browser starts headless Chromium at 1280×800 for the test; it skips when
// Chromium is missing outside CI (see chromium).
func browser(t *testing.T, width, height int) (context.Context, context.CancelFunc) {
	t.Helper()
	bin := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(width, height))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, tcancel := context.WithTimeout(ctx, 45*time.Second)
	return ctx, func() { tcancel(); cancel(); acancel() }
}

// setCode replaces the editor's text as typing would (an input event).
func setCode(code string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const a = document.getElementById('code'); a.value = %q; a.dispatchEvent(new Event('input')); return true; })()`, code))
}

// TestConsoleEndToEnd drives the web console of a real eddy serve with a
// token in headless Chromium: log in, create an application over the
// ticker generator in the editor, see a typo's error at its line and
// column, fix it, run it, see its rates, stop and delete it.
func TestConsoleEndToEnd(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	token := "tok-console-0123456789"
	s := startTestServer(t, "--data", dir, "--token-file", writeFile(t, dir, "token", token+"\n"))
	ctx, cancel := browser(t, 1280, 800)
	defer cancel()

	// The login form refuses a wrong token, then the (empty) applications page.
	do(t, ctx, "log in",
		chromedp.Navigate(s.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), "tok-wrong\n"),
		chromedp.WaitVisible(`//p[@id="login-error" and contains(., "wrong")]`),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("token").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#token"), token+"\n"),
		chromedp.WaitVisible(`//td[contains(., "No applications yet")]`),
	)

	// A typo: FROMM makes TICKS the unexpected token, line 6 column 8.
	typo := strings.Replace(consoleApp, "  FROM TICKS", "  FROMM TICKS", 1)
	do(t, ctx, "positioned error",
		chromedp.Click(chromedp.CSS("#new-app")),
		chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#app-name"), "tickers"),
		setCode(typo),
		chromedp.Click(chromedp.CSS("#run")),
		chromedp.WaitVisible(chromedp.CSS("#error-mark")),
	)
	msg := get(t, ctx, chromedp.Text(chromedp.CSS("#error-message")))
	gutterBad := get(t, ctx, chromedp.Text(chromedp.CSS("#gutter .bad")))
	markTop := get(t, ctx, chromedp.Evaluate[float64](`document.getElementById('error-mark').getBoundingClientRect().top - document.getElementById('mirror').getBoundingClientRect().top`))
	markLeft := get(t, ctx, chromedp.Evaluate[float64](`document.getElementById('error-mark').getBoundingClientRect().left - document.getElementById('mirror').getBoundingClientRect().left`))
	lineHeight := get(t, ctx, chromedp.Evaluate[float64](`parseFloat(getComputedStyle(document.getElementById('mirror')).lineHeight)`))
	charWidth := get(t, ctx, chromedp.Evaluate[float64](`(() => { const c = document.createElement('span'); c.textContent = 'M'.repeat(100); document.getElementById('mirror').append(c); const w = c.getBoundingClientRect().width / 100; c.remove(); return w; })()`))
	if !strings.HasPrefix(msg, "6:9: ") || !strings.Contains(msg, "TICKS") {
		t.Errorf("inline error = %q, want 6:9 at TICKS", msg)
	}
	if gutterBad != "6" {
		t.Errorf("gutter marks line %q, want 6", gutterBad)
	}
	// The mark sits on the sixth line (8px padding + 5 lines) and ninth column.
	if want := 8 + 5*lineHeight; markTop < want-2 || markTop > want+2 {
		t.Errorf("error mark %.1fpx from the top, want %.1f (line 6)", markTop, want)
	}
	if want := 8 + 8*charWidth; markLeft < want-2 || markLeft > want+2 {
		t.Errorf("error mark %.1fpx from the left, want %.1f (column 9)", markLeft, want)
	}

	// Fixed, it runs: the application page shows it RUNNING with rows flowing.
	do(t, ctx, "run",
		setCode(consoleApp),
		chromedp.Click(chromedp.CSS("#run")),
		chromedp.WaitVisible(`//span[@id="app-state" and .="RUNNING"]`),
		chromedp.WaitVisible(`//div[@id="cards"]/div[contains(., "Rows out")]/b[number(.) > 0]`),
		chromedp.WaitVisible(`//div[@id="cards"]/div[contains(., "Output")]/b[contains(., "/s") and not(starts-with(., "0.0"))]`),
	)

	// The pipeline graph: the source feeds both pumps, each writes its
	// stream, each stream its destination; rows/s on the edges, event
	// time under the streams.
	do(t, ctx, "pipeline graph",
		chromedp.WaitVisible(chromedp.CSS("svg#graph")),
		chromedp.WaitVisible(`//*[local-name()="text" and @data-rate="s:TICKS>p:STREAM_PUMP" and contains(., "/s") and not(starts-with(., "0.0"))]`),
		chromedp.WaitVisible(`//*[local-name()="text" and @data-rate="s:DESTINATION_SQL_STREAM>d:DESTINATION_SQL_STREAM" and contains(., "/s")]`),
		chromedp.WaitVisible(`//*[local-name()="g" and @data-node="s:TICKS"]/*[local-name()="text" and @class="sub" and (starts-with(., "watermark ") or starts-with(., "event time "))]`),
	)
	edges := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#graph path.edge')].map(e => e.dataset.edge).sort()`))
	wantEdges := []string{"p:EXPENSIVE_PUMP>s:EXPENSIVE", "p:STREAM_PUMP>s:DESTINATION_SQL_STREAM", "s:DESTINATION_SQL_STREAM>d:DESTINATION_SQL_STREAM",
		"s:EXPENSIVE>d:EXPENSIVE", "s:TICKS>p:EXPENSIVE_PUMP", "s:TICKS>p:STREAM_PUMP"}
	if strings.Join(edges, " ") != strings.Join(wantEdges, " ") {
		t.Errorf("graph edges %v, want %v", edges, wantEdges)
	}
	// Left to right: source, pump, stream, destination.
	xs := get(t, ctx, chromedp.Evaluate[[]float64](`['s:TICKS', 'p:STREAM_PUMP', 's:DESTINATION_SQL_STREAM', 'd:DESTINATION_SQL_STREAM'].map(k => document.querySelector('[data-node="' + k + '"]').getBoundingClientRect().left)`))
	for i := 1; i < len(xs); i++ {
		if xs[i] <= xs[i-1] {
			t.Errorf("graph columns not left to right: %v", xs)
		}
	}

	// Live data: the destination's rows arrive within a second of picking it.
	do(t, ctx, "live data",
		chromedp.WaitReady(`//select[@id="live-stream"]/option[@value="DESTINATION_SQL_STREAM"]`),
		chromedp.WaitReady(`//select[@id="live-stream"]/option[@value="TICKS"]`),
		chromedp.WaitReady(`//select[@id="live-stream"]/option[@value="ERROR_STREAM"]`),
	)
	picked := time.Now()
	do(t, ctx, "pick a stream",
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('live-stream'); s.value = 'DESTINATION_SQL_STREAM'; s.dispatchEvent(new Event('change')); })()`),
		chromedp.WaitVisible(`//tbody[@id="live-rows"]/tr[1]/td[2]`),
	)
	if d := time.Since(picked); d > time.Second {
		t.Errorf("first live row after %v, want within a second", d)
	}
	header := get(t, ctx, chromedp.Text(chromedp.CSS("#live thead")))
	if !strings.Contains(header, "TICKER_SYMBOL") || !strings.Contains(header, "PRICE") {
		t.Errorf("live table header = %q", header)
	}
	// Rows keep coming (20 a second at most, the last 100 kept); scrolled
	// down, the table pauses.
	do(t, ctx, "rows accumulate", chromedp.WaitVisible(`//tbody[@id="live-rows"]/tr[25]`))
	shot := get(t, ctx, chromedp.CaptureScreenshot())
	do(t, ctx, "pause", chromedp.Evaluate[chromedp.Void](`document.getElementById('live-wrap').scrollTop = 60`))
	before := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#live-rows tr').length`))
	time.Sleep(700 * time.Millisecond)
	after := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#live-rows tr').length`))
	state := get(t, ctx, chromedp.Text(chromedp.CSS("#live-state")))
	if before != after || !strings.HasPrefix(state, "Paused (") {
		t.Errorf("scrolled: %d rows then %d, state %q; want no change while paused", before, after, state)
	}
	do(t, ctx, "resume",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('live-wrap').scrollTop = 0`),
		chromedp.WaitVisible(`//span[@id="live-state" and .="Live"]`),
	)
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#live-rows tr').length`)); n <= after || n > 100 {
		t.Errorf("after resuming %d rows, want more than %d and at most 100", n, after)
	}

	// On a narrow screen nothing but the tables and the graph (each in
	// its own scrolling box) is wider than the screen.
	narrow := `document.documentElement.scrollWidth <= window.innerWidth + 1`
	do(t, ctx, "narrow application page", chromedp.EmulateViewport(390, 800))
	if !get(t, ctx, chromedp.Evaluate[bool](narrow)) {
		t.Error("the application page is wider than a 390px screen")
	}

	// The applications page lists it with its rates; stop it, then delete
	// it with the keyboard only: the focus moves to the confirmation.
	do(t, ctx, "applications page",
		chromedp.Navigate(s.url+"/console/#/"),
		chromedp.WaitVisible(`//tr[@data-app="tickers"]/td[contains(@class, "status") and .="RUNNING"]`),
		chromedp.WaitVisible(`//tr[@data-app="tickers"]/td[2][contains(., "/s") and not(starts-with(., "0.0"))]`),
	)
	if !get(t, ctx, chromedp.Evaluate[bool](narrow)) {
		t.Error("the applications page is wider than a 390px screen")
	}
	do(t, ctx, "stop and delete",
		chromedp.EmulateViewport(1280, 800),
		chromedp.Focus(`//tr[@data-app="tickers"]//button[.="Stop"]`),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`//tr[@data-app="tickers"]/td[contains(@class, "status") and .="READY"]`),
		chromedp.Focus(`//tr[@data-app="tickers"]//button[.="Delete"]`),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`//tr[@data-app="tickers"]//button[.="Yes, delete"]`),
	)
	if f := get(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent`)); f != "Yes, delete" {
		t.Errorf("after Delete the focus is on %q, want the confirmation", f)
	}
	do(t, ctx, "confirm",
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`//td[contains(., "No applications yet")]`),
	)
	if status, _ := httpGetStatus(s.url+"/v1/applications/tickers", token); status != 404 {
		t.Errorf("after the console deleted it, the application answers %d, want 404", status)
	}
	if !bytes.HasPrefix(shot, []byte("\x89PNG")) || len(shot) < 10000 {
		t.Fatalf("screenshot: %d bytes", len(shot))
	}
	if os.Getenv("EDDY_UPDATE_CONSOLE_PICTURE") != "" {
		if err := os.WriteFile(filepath.Join("serve", "console", "testdata", "console.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// httpGetStatus is the status of a GET with the token.
func httpGetStatus(url, token string) (int, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// do runs browser steps, failing the test at the first that fails.
func do(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// get runs a browser action that reads a value.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return v
}

// TestConsoleLiveViewEndsAtShutdown: a page watching a stream does not
// hold eddy serve's shutdown up until its stop timeout.
func TestConsoleLiveViewEndsAtShutdown(t *testing.T) {
	t.Parallel()
	s, _, err := startServer([]string{"--listen", "127.0.0.1:0", "--data", tempDir(t), "--stop-timeout", "20s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if status, answer := submitJSON(t, s.url, serve.Submission{Name: "watched", Code: consoleApp, Start: "NOW"}); status != 200 {
		s.shutdown()
		t.Fatalf("submit: %d %s", status, answer)
	}
	login, err := http.Post(s.url+"/console/login", "application/json", strings.NewReader(`{"token":""}`))
	if err != nil {
		t.Fatal(err)
	}
	login.Body.Close()
	req, _ := http.NewRequest("GET", s.url+"/console/live/watched/TICKS", nil)
	req.AddCookie(login.Cookies()[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		s.shutdown()
		t.Fatalf("live view: %v %v", err, resp)
	}
	ended := make(chan int, 1)
	go func() {
		defer resp.Body.Close()
		rows := 0
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), `data: {"columns":["TICKER_SYMBOL",`) && strings.Contains(sc.Text(), `"rows":[[`) {
				rows++
			}
		}
		ended <- rows
	}()
	time.Sleep(800 * time.Millisecond)
	start := time.Now()
	if err := s.shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("shutdown took %v with a live view open", d)
	}
	select {
	case rows := <-ended:
		if rows == 0 {
			t.Error("the live view got no rows before the shutdown")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the live view is still open after the shutdown")
	}
}
