package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// setField sets a console input's or select's value as a user would (an
// input or change event).
func setField(id, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event(e.tagName === 'SELECT' ? 'change' : 'input')); return true; })()`, id, value))
}

// TestConsoleSourceConfig drives the console's Sources and destinations
// panel in headless Chromium against a real eddy serve: on an application
// that only declares its output, add a file input, discover its schema,
// rename and retype columns, insert the CREATE STREAM into the SQL, add
// the follow option with the keyboard, run, and see the renamed columns'
// rows in the output file and the live view. The saved input keeps the
// JSON mapping the rename needs.
func TestConsoleSourceConfig(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	allowed := filepath.Join(dir, "allowed")
	os.MkdirAll(allowed, 0o755)
	token := "tok-console-config-0123456789"
	s := startTestServer(t, "--data", filepath.Join(dir, "data"), "--allow-path", allowed, "--token-file", writeFile(t, dir, "token", token+"\n"))
	orders := writeFile(t, allowed, "orders.jsonl", `{"order_id": 1, "customer": "ann", "amount": 12.5, "placed": "2024-05-01 10:00:00"}
{"order_id": 2, "customer": "bob", "amount": 7.25, "placed": "2024-05-01 10:00:01"}
{"order_id": 3, "customer": "cy", "amount": 30, "placed": "2024-05-01 10:00:02"}
`)
	out := filepath.Join(allowed, "big.jsonl")
	sub := serve.Submission{Name: "shop", Code: "CREATE OR REPLACE STREAM BIG_ORDERS (CUSTOMER VARCHAR(16), TOTAL DOUBLE);\n",
		Outputs: map[string]map[string]string{"BIG_ORDERS": {"connector": "file", "path": out}}}
	if status, body := postJSON(t, s.url+"/v1/applications", token, sub); status != 200 {
		t.Fatalf("submit: %d %s", status, body)
	}

	ctx, cancel := browser(t, 1280, 900)
	defer cancel()
	do(t, ctx, "log in and open the application",
		chromedp.Navigate(s.url+"/console/#/apps/shop"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token+"\n"),
		chromedp.WaitVisible(chromedp.CSS("#config")),
		// The output binding is listed with its options.
		chromedp.WaitReady(`//fieldset[@data-binding="BIG_ORDERS"]//select[@id="cfg-outputs-0-connector"]/option[@value="file" and @selected]`),
		chromedp.WaitVisible(`//input[@id="cfg-outputs-0-opt-0-key" and @value="path"]`),
	)
	if v := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('cfg-outputs-0-opt-0-value').value`)); v != out {
		t.Errorf("output path shows %q, want %q", v, out)
	}

	// Add an input with the keyboard: the focus moves to its name.
	do(t, ctx, "add an input",
		chromedp.Focus(chromedp.CSS("#cfg-inputs-add")),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("#cfg-inputs-0-name")),
	)
	if f := get(t, ctx, chromedp.Evaluate[string](`document.activeElement.id`)); f != "cfg-inputs-0-name" {
		t.Errorf("after Add input the focus is on %q, want the new input's name", f)
	}
	do(t, ctx, "bind it to the file",
		chromedp.SendKeys(chromedp.CSS("#cfg-inputs-0-name"), "ORDERS"),
		setField("cfg-inputs-0-connector", "file"),
		// Picking the connector adds its required option.
		chromedp.WaitVisible(`//input[@id="cfg-inputs-0-opt-0-key" and @value="path"]`),
		chromedp.SendKeys(chromedp.CSS("#cfg-inputs-0-opt-0-value"), orders),
		chromedp.Click(chromedp.CSS("#cfg-inputs-0-discover")),
		chromedp.WaitVisible(chromedp.CSS("#cfg-inputs-0-columns")),
	)
	names := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#cfg-inputs-0-columns tbody tr')].map(r => r.querySelector('input').value + ' ' + r.querySelector('select').value)`))
	if got, want := strings.Join(names, ", "), "order_id BIGINT, customer VARCHAR(16), amount DOUBLE, placed TIMESTAMP"; got != want {
		t.Fatalf("discovered columns %s, want %s", got, want)
	}
	// Discovery filled in the file's format.
	if v := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#config [id^="cfg-inputs-0-opt-"][id$="-key"]')].map(e => e.value).join(',')`)); v != "path,format" {
		t.Errorf("input options after discovery: %s, want path,format", v)
	}
	do(t, ctx, "edit the columns",
		setField("cfg-inputs-0-col-0-name", "ORDER_ID"),
		setField("cfg-inputs-0-col-0-type", "INTEGER"),
		setField("cfg-inputs-0-col-1-name", "CUSTOMER"),
		setField("cfg-inputs-0-col-2-name", "TOTAL"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('fieldset[data-binding="ORDERS"]').scrollIntoView()`),
	)
	shot := get(t, ctx, chromedp.CaptureScreenshot())
	do(t, ctx, "remove a column and insert into the SQL at the caret",
		chromedp.Click(`//table[@id="cfg-inputs-0-columns"]//button[contains(@aria-label, "Remove column 4")]`),
		chromedp.Focus(chromedp.CSS(".cm-content")),
		chromedp.KeyEvent(kb.Home, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.Click(chromedp.CSS("#cfg-inputs-0-insert")),
		chromedp.WaitVisible(`//span[@id="cfg-inputs-0-state" and contains(., "inserted")]`),
	)
	code := get(t, ctx, chromedp.Evaluate[string](editorText))
	wantCreate := "CREATE STREAM ORDERS (\n    ORDER_ID INTEGER,\n    CUSTOMER VARCHAR(16),\n    TOTAL DOUBLE\n);\nCREATE OR REPLACE STREAM BIG_ORDERS"
	if !strings.HasPrefix(code, wantCreate) {
		t.Fatalf("SQL after Insert:\n%s\nwant it to start with:\n%s", code, wantCreate)
	}

	// follow keeps the job reading; added with the keyboard.
	do(t, ctx, "add the follow option",
		chromedp.Focus(chromedp.CSS("#cfg-inputs-0-add-option")),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("#cfg-inputs-0-opt-3-key")),
	)
	if f := get(t, ctx, chromedp.Evaluate[string](`document.activeElement.id`)); f != "cfg-inputs-0-opt-3-key" {
		t.Errorf("after Add option the focus is on %q, want the new option's name", f)
	}
	do(t, ctx, "run",
		chromedp.SendKeys(chromedp.CSS("#cfg-inputs-0-opt-3-key"), "follow"),
		chromedp.SendKeys(chromedp.CSS("#cfg-inputs-0-opt-3-value"), "true"),
		pasteCode(code+"CREATE OR REPLACE PUMP P AS INSERT INTO BIG_ORDERS\n  SELECT STREAM CUSTOMER, TOTAL FROM ORDERS WHERE TOTAL > 10;\n"),
		chromedp.Click(chromedp.CSS("#run")),
		chromedp.WaitVisible(`//span[@id="app-state" and .="RUNNING"]`),
	)
	var got []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got, _ = os.ReadFile(out); bytes.Count(got, []byte("\n")) >= 2 {
			break
		}
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"CUSTOMER":"ann"`) || !strings.Contains(lines[0], `"TOTAL":12.5`) || !strings.Contains(lines[1], `"CUSTOMER":"cy"`) {
		t.Errorf("output file:\n%s\nwant ann 12.5 and cy 30", got)
	}

	// The saved input carries the options edited and the mapping of the
	// renamed column; the page, redrawn from the server, shows them.
	var info serve.AppInfo
	if code := getJSON(t, s.url+"/v1/applications/shop", token, &info); code != http.StatusOK {
		t.Fatalf("GET the application: %d", code)
	}
	in := info.Inputs["ORDERS"]
	if in["connector"] != "file" || in["path"] != orders || in["format"] != "json" || in["follow"] != "true" || in["mapping"] != "TOTAL=$.amount" {
		t.Errorf("saved input ORDERS = %v", in)
	}
	do(t, ctx, "live rows of the renamed columns",
		chromedp.WaitVisible(`//fieldset[@data-binding="ORDERS"]//input[@value="mapping"]`),
		chromedp.WaitReady(`//select[@id="live-stream"]/option[@value="ORDERS"]`),
		setField("live-stream", "ORDERS"),
		chromedp.WaitVisible(`//span[@id="live-state" and .="Live"]`),
	)
	// The live view shows rows that arrive once it is open.
	f, err := os.OpenFile(orders, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"order_id": 4, "customer": "dee", "amount": 5, "placed": "2024-05-01 10:00:03"}` + "\n")
	f.Close()
	do(t, ctx, "a live row", chromedp.WaitVisible(`//tbody[@id="live-rows"]/tr[1]/td[contains(., "dee")]`))
	if h := get(t, ctx, chromedp.Text(chromedp.CSS("#live thead"))); !strings.Contains(h, "TOTAL") || !strings.Contains(h, "ORDER_ID") {
		t.Errorf("live header %q, want the renamed columns", h)
	}

	// 390 px wide, the page is no wider than the screen.
	do(t, ctx, "narrow", chromedp.EmulateViewport(390, 900),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('config').scrollIntoView()`))
	if !get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth + 1`)) {
		w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		t.Errorf("the page is %dpx wide on a 390px screen", w)
	}
	narrowShot := get(t, ctx, chromedp.CaptureScreenshot())
	// Every form control of the panel has a label.
	unlabeled := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#config input, #config select')].filter(e => !e.labels.length && !e.getAttribute('aria-label')).map(e => e.id)`))
	if len(unlabeled) > 0 {
		t.Errorf("controls without a label: %v", unlabeled)
	}
	if !bytes.HasPrefix(shot, []byte("\x89PNG")) || len(shot) < 10000 {
		t.Fatalf("screenshot: %d bytes", len(shot))
	}
	if !bytes.HasPrefix(narrowShot, []byte("\x89PNG")) {
		t.Fatalf("narrow screenshot: %d bytes", len(narrowShot))
	}
	if os.Getenv("EDDY_UPDATE_CONSOLE_PICTURE") != "" {
		if err := os.WriteFile(filepath.Join("serve", "console", "testdata", "config.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
