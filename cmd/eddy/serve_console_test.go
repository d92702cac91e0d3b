package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

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

// pasteCode replaces the editor's text as a user's paste does: Ctrl+A,
// then a paste event carrying the text (what the clipboard would deliver).
func pasteCode(code string) chromedp.Action[chromedp.Void] {
	text, _ := json.Marshal(code)
	return chromedp.Steps(
		chromedp.Focus(chromedp.CSS(".cm-content")),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.Evaluate[chromedp.Void](`(() => { const d = new DataTransfer(); d.setData('text/plain', `+string(text)+`);
			document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: d, bubbles: true, cancelable: true })); })()`))
}

// editorText is the editor's text as the page shows it.
const editorText = `[...document.querySelectorAll('.cm-content > .cm-line')].map(l => l.textContent).join('\n')`

// cspViolations collects the page's Content-Security-Policy violations in
// window.cspViolations, from the start of every document.
const cspViolations = `window.cspViolations = []; document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber + ' on ' + (e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 80) : e.target)));`

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

	onlyServerRequests(t, ctx, s.url)

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

	// A typo: FROMM makes TICKS the unexpected token, line 6 column 9.
	// Ctrl+Enter in the editor runs it; the error is a lint diagnostic on
	// TICKS, with its message under the line and in the problems box.
	typo := strings.Replace(consoleApp, "  FROM TICKS", "  FROMM TICKS", 1)
	do(t, ctx, "positioned error",
		chromedp.Click(chromedp.CSS("#new-app")),
		chromedp.WaitVisible(chromedp.CSS(".cm-content")),
		chromedp.SendKeys(chromedp.CSS("#app-name"), "tickers"),
		pasteCode(typo),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(chromedp.CSS(".cm-lintRange-error")),
		chromedp.WaitVisible(chromedp.CSS("#error-message")),
	)
	if got := get(t, ctx, chromedp.Evaluate[string](editorText)); got != typo {
		t.Errorf("the editor holds %q, want the pasted %q", got, typo)
	}
	msg := get(t, ctx, chromedp.Text(chromedp.CSS("#error-message")))
	if !strings.HasPrefix(msg, "6:9: ") || !strings.Contains(msg, "TICKS") {
		t.Errorf("inline error = %q, want 6:9 at TICKS", msg)
	}
	editorShot := get(t, ctx, chromedp.CaptureScreenshot())
	if p := get(t, ctx, chromedp.Text(chromedp.CSS("#problems"))); !strings.Contains(p, msg) {
		t.Errorf("problems = %q, want it to hold %q", p, msg)
	}
	// The diagnostic covers TICKS on the sixth line from its ninth column,
	// the lint gutter marks that line, and the message sits right under it.
	where := get(t, ctx, chromedp.Evaluate[[]string](`(() => {
		const mark = document.querySelector('.cm-lintRange-error'), line = mark.closest('.cm-line');
		const r = document.createRange(); r.setStart(line, 0); r.setEndBefore(mark);
		const lines = [...document.querySelectorAll('.cm-content > .cm-line')];
		const gutter = document.querySelector('.cm-lint-marker-error').getBoundingClientRect(), lr = line.getBoundingClientRect();
		const box = document.querySelector('.cm-eddy-error').getBoundingClientRect();
		return [String(lines.indexOf(line) + 1), String(r.toString().length + 1), mark.textContent,
			String(Math.abs((gutter.top + gutter.bottom) / 2 - (lr.top + lr.bottom) / 2) < lr.height / 2),
			String(Math.abs(box.top - lr.bottom) < 2)];
	})()`))
	if want := []string{"6", "9", "TICKS", "true", "true"}; strings.Join(where, " ") != strings.Join(want, " ") {
		t.Errorf("diagnostic at line, column, text, gutter on its line, message under it = %v, want %v", where, want)
	}
	// Eddy's keywords (STREAM, PUMP as well as CREATE) are highlighted as
	// keywords; names are not.
	colors := get(t, ctx, chromedp.Evaluate[map[string]string](`(() => {
		const out = {};
		for (const s of document.querySelectorAll('.cm-line span')) if (!(s.textContent in out)) out[s.textContent] = getComputedStyle(s).color;
		out['(line)'] = getComputedStyle(document.querySelector('.cm-line')).color;
		return out;
	})()`))
	if kw := colors["CREATE"]; kw == "" || kw == colors["(line)"] || colors["STREAM"] != kw || colors["PUMP"] != kw || colors["SELECT"] != kw {
		t.Errorf("keyword colours: CREATE %q STREAM %q PUMP %q SELECT %q, plain text %q; want keywords alike and not plain",
			colors["CREATE"], colors["STREAM"], colors["PUMP"], colors["SELECT"], colors["(line)"])
	}
	if c, ok := colors["TICKER_SYMBOL"]; ok && c == colors["CREATE"] {
		t.Error("the name TICKER_SYMBOL is highlighted as a keyword")
	}

	// On a narrow screen the editor, its diagnostic and message included,
	// scrolls inside its own box.
	do(t, ctx, "narrow editor", chromedp.EmulateViewport(390, 800))
	if !get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`)) {
		t.Error("the editor with an error is wider than a 390px screen")
	}
	do(t, ctx, "wide again", chromedp.EmulateViewport(1280, 800), chromedp.Focus(chromedp.CSS(".cm-content")))

	// The fix, typed: the cursor sits on TICKS; delete " M", type " ". The
	// diagnostic goes with the edit.
	do(t, ctx, "fix the typo",
		chromedp.KeyEvent(kb.Backspace),
		chromedp.KeyEvent(kb.Backspace),
		chromedp.KeyEvent(" "),
		chromedp.WaitNotPresent(chromedp.CSS(".cm-lintRange-error")),
		chromedp.WaitNotPresent(chromedp.CSS("#error-message")),
	)
	if got := get(t, ctx, chromedp.Evaluate[string](editorText)); got != consoleApp {
		t.Errorf("after the fix the editor holds %q, want %q", got, consoleApp)
	}
	// Keyboard: Tab indents the line and Shift+Tab takes it back; Escape
	// then Tab leaves the editor for the Save button.
	do(t, ctx, "tab indents", chromedp.KeyEvent(kb.Tab))
	indented := get(t, ctx, chromedp.Evaluate[string](editorText))
	do(t, ctx, "shift-tab", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	if want := strings.Replace(consoleApp, "  FROM TICKS", "    FROM TICKS", 1); indented != want {
		t.Errorf("after Tab the editor holds %q, want line 6 indented", indented)
	}
	if got := get(t, ctx, chromedp.Evaluate[string](editorText)); got != consoleApp {
		t.Errorf("after Shift+Tab the editor holds %q, want %q", got, consoleApp)
	}
	do(t, ctx, "leave the editor", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Tab))
	if f := get(t, ctx, chromedp.Evaluate[string](`document.activeElement.id`)); f != "save" {
		t.Errorf("Escape then Tab moved the focus to %q, want the Save button", f)
	}
	if v := get(t, ctx, chromedp.Evaluate[[]string](`window.cspViolations`)); len(v) > 0 {
		t.Errorf("content security policy violations: %v", v)
	}

	// Fixed, it runs: the application page shows it RUNNING with rows flowing.
	do(t, ctx, "run",
		chromedp.Click(chromedp.CSS("#run")),
		chromedp.WaitVisible(`//span[@id="app-state" and .="RUNNING"]`),
		chromedp.WaitVisible(`//div[@id="cards"]/div[contains(., "Rows out")]/b[number(.) > 0]`),
		chromedp.WaitVisible(`//div[@id="cards"]/div[contains(., "Output")]/b[contains(., "/s") and not(starts-with(., "0.0"))]`),
	)
	if got := get(t, ctx, chromedp.Evaluate[string](editorText)); got != consoleApp {
		t.Errorf("the application page's editor holds %q, want the saved code", got)
	}

	// The pipeline graph: the source feeds both pumps, each writes its
	// stream, each stream its destination; rows/s and the readers' queue
	// fill on the edges, event time under the streams.
	do(t, ctx, "pipeline graph",
		chromedp.WaitVisible(chromedp.CSS("svg#graph")),
		chromedp.WaitVisible(`//*[local-name()="text" and @data-rate="s:TICKS>p:STREAM_PUMP" and contains(., "/s") and not(starts-with(., "0.0"))]`),
		chromedp.WaitVisible(`//*[local-name()="text" and @data-rate="s:DESTINATION_SQL_STREAM>d:DESTINATION_SQL_STREAM" and contains(., "/s")]`),
		chromedp.WaitVisible(`//*[local-name()="text" and @data-queue="s:TICKS>p:STREAM_PUMP" and contains(., " batches queued") and contains(., "q ")]`),
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
	for name, png := range map[string][]byte{"console.png": shot, "console-editor.png": editorShot} {
		if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10000 {
			t.Fatalf("screenshot %s: %d bytes", name, len(png))
		}
		if os.Getenv("EDDY_UPDATE_CONSOLE_PICTURE") != "" {
			if err := os.WriteFile(filepath.Join("serve", "console", "testdata", name), png, 0o644); err != nil {
				t.Fatal(err)
			}
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

// onlyServerRequests makes t fail, at its end, if the page in ctx requests
// anything outside the server at base (no CDN, no fonts; data: URLs
// aside), and collects the page's Content-Security-Policy violations in
// window.cspViolations from the start of every document.
func onlyServerRequests(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	var (
		mu      sync.Mutex
		foreign []string
	)
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && !strings.HasPrefix(e.Request.URL, base+"/") && !strings.HasPrefix(e.Request.URL, "data:") {
			mu.Lock()
			foreign = append(foreign, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspViolations}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(foreign) > 0 {
			t.Errorf("the page requested URLs outside the server: %v", foreign)
		}
	})
}
