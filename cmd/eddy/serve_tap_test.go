package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// An intermediate stream (written by one pump, read by another) of a
// running application can be tapped, and its rows arrive.
func TestServeTapIntermediateStream(t *testing.T) {
	t.Parallel()
	m, err := serve.NewManager(serve.Options{Dir: t.TempDir(), Connectors: newServeConnectors})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m.Close(ctx)
	}()
	code := `CREATE STREAM TICKS (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE)
  WITH (connector = 'generator', kind = 'ticker', rate = '200', batch_size = '5');
CREATE STREAM MID (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE);
CREATE PUMP P1 AS INSERT INTO MID SELECT STREAM TICKER_SYMBOL, PRICE * 2 FROM TICKS;
CREATE STREAM DESTINATION_SQL_STREAM (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE);
CREATE PUMP P2 AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM TICKER_SYMBOL, PRICE FROM MID;
`
	if err := m.Create(&serve.AppConfig{Name: "inner", Code: code}); err != nil {
		t.Fatal(err)
	}
	// A tap made before the start sees the run from its first rows.
	tap, err := m.Tap("inner", "mid", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tap.Close()
	if err := m.Start("inner", serve.PositionNow); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(10 * time.Second)
	for got := 0; got < 5; got++ {
		select {
		case row := <-tap.C:
			if len(row) != 3 || row[0] == "" || row[1] == "" {
				t.Fatalf("row %q, want (TICKER_SYMBOL, PRICE, ROWTIME)", row)
			}
		case <-timeout:
			t.Fatalf("%d rows of MID in 10s, want 5", got)
		}
	}
	if cols := tap.Columns(); len(cols) != 3 || cols[0] != "TICKER_SYMBOL" || cols[1] != "PRICE" || cols[2] != "ROWTIME" {
		t.Errorf("columns %q, want TICKER_SYMBOL, PRICE, ROWTIME", cols)
	}
	// Once the graph is watched, MID's edge counts its rows.
	if _, ok, err := m.Graph("inner"); err != nil || !ok {
		t.Fatalf("Graph: ok %v, err %v", ok, err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		g, _, _ := m.Graph("inner")
		if g.Rows["MID"] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("graph rows %v after 10s, want MID > 0", g.Rows)
		}
	}
	// Every stream of the run reports its queue's fill, and MID its
	// newest event time.
	g, _, _ := m.Graph("inner")
	if tm := g.Times["MID"]; tm.MaxTime == nil {
		t.Errorf("MID has no event time in the graph: %+v", g.Times)
	}
	for _, name := range []string{"TICKS", "MID", "DESTINATION_SQL_STREAM"} {
		q, ok := g.Queues[name]
		if !ok || q.Capacity < 1 || q.Queued < 0 || q.Queued > q.Capacity {
			t.Errorf("queue of %s: %+v (reported: %v), want 0 ≤ queued ≤ capacity", name, q, ok)
		}
	}
	streams, err := m.TapStreams("inner")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, s := range streams {
		kinds[s.Name] = s.Kind
	}
	want := map[string]string{"TICKS": "source", "MID": "stream", "DESTINATION_SQL_STREAM": "destination", "ERROR_STREAM": "error_stream"}
	for name, kind := range want {
		if kinds[name] != kind {
			t.Errorf("TapStreams: %s is %q, want %q (all: %+v)", name, kinds[name], kind, streams)
		}
	}
}

// innerApp is a ticker into a stream between two pumps.
const innerApp = `CREATE STREAM TICKS (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE)
  WITH (connector = 'generator', kind = 'ticker', rate = '50', batch_size = '5');
CREATE STREAM MID (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE);
CREATE PUMP P1 AS INSERT INTO MID SELECT STREAM TICKER_SYMBOL, PRICE FROM TICKS;
CREATE STREAM DESTINATION_SQL_STREAM (TICKER_SYMBOL VARCHAR(4), PRICE DOUBLE);
CREATE PUMP P2 AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM TICKER_SYMBOL, PRICE FROM MID;
`

// The console's pipeline shows rows/s on the edges of a stream between
// pumps, and offers it in the live view's picker.
func TestConsoleInnerStreamEdge(t *testing.T) {
	t.Parallel()
	s := startTestServer(t, "--data", tempDir(t))
	if status, answer := submitJSON(t, s.url, serve.Submission{Name: "inner", Code: innerApp, Start: "NOW"}); status != 200 {
		t.Fatalf("submit: %d %s", status, answer)
	}
	ctx, cancel := browser(t, 1280, 800)
	defer cancel()
	do(t, ctx, "open", chromedp.Navigate(s.url+"/console/#/apps/inner"), chromedp.WaitVisible(chromedp.CSS("svg#graph")))
	do(t, ctx, "inner edges",
		chromedp.WaitVisible(`//*[local-name()="text" and @data-rate="p:P1>s:MID" and contains(., "/s") and not(starts-with(., "0.0"))]`),
		chromedp.WaitVisible(`//*[local-name()="text" and @data-rate="s:MID>p:P2" and contains(., "/s") and not(starts-with(., "0.0"))]`),
		chromedp.WaitReady(`//option[@value="MID" and contains(., "(stream)")]`), // options of a closed select are never visible
	)
}
