package report

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	_ "github.com/eddy-sql/eddy/sinks/function"
)

func TestCronSchedules(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	cases := []struct {
		name, expr, tz string
		at             string
		next, prev     string
	}{
		{"utc by default", "0 8 * * *", "", "2024-05-01T09:00:00Z", "2024-05-02T08:00:00Z", "2024-05-01T08:00:00Z"},
		{"cron_tz prefix", "CRON_TZ=Europe/Paris 0 8 * * *", "", "2024-05-01T09:00:00Z", "2024-05-02T06:00:00Z", "2024-05-01T06:00:00Z"},
		{"timezone option", "0 8 * * *", "America/New_York", "2024-05-01T09:00:00Z", "2024-05-01T12:00:00Z", "2024-04-30T12:00:00Z"},
		{"daylight saving change in Paris", "CRON_TZ=Europe/Paris 0 8 * * *", "", "2024-03-31T05:00:00Z", "2024-03-31T06:00:00Z", "2024-03-30T07:00:00Z"},
		{"weekdays only", "0 8 * * 1-5", "", "2024-05-06T07:00:00Z", "2024-05-06T08:00:00Z", "2024-05-03T08:00:00Z"},
		{"descriptor", "@hourly", "", "2024-05-01T09:30:00Z", "2024-05-01T10:00:00Z", "2024-05-01T09:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseCron(tc.expr, tc.tz)
			if err != nil {
				t.Fatal(err)
			}
			at := utc(tc.at)
			if got := s.Next(at); !got.Equal(utc(tc.next)) {
				t.Errorf("Next(%s) = %s, want %s", tc.at, got.UTC(), tc.next)
			}
			if got := s.Prev(at); !got.Equal(utc(tc.prev)) {
				t.Errorf("Prev(%s) = %s, want %s", tc.at, got.UTC(), tc.prev)
			}
		})
	}
	for _, bad := range [][2]string{{"0 8 * *", ""}, {"CRON_TZ=Mars/Olympus 0 8 * * *", ""}, {"0 8 * * *", "Nowhere/Town"}} {
		if _, err := ParseCron(bad[0], bad[1]); err == nil {
			t.Errorf("ParseCron(%q, %q) succeeded", bad[0], bad[1])
		}
	}
	e, _ := Every(15 * time.Minute)
	if got := e.Next(utc("2024-05-01T10:15:00Z")); !got.Equal(utc("2024-05-01T10:30:00Z")) {
		t.Errorf("every 15m: Next = %s", got)
	}
	if got := e.Due(utc("2024-05-01T10:00:00Z"), utc("2024-05-01T11:00:00Z"), 2); len(got) != 2 || !got[1].Equal(utc("2024-05-01T11:00:00Z")) {
		t.Errorf("Due with limit 2 = %v, want the newest two", got)
	}
}

// files lists the report files written in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	var out []string
	for _, p := range m {
		out = append(out, filepath.Base(p))
	}
	return out
}

func TestCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		catchUp string
		want    []string
	}{
		{"all missed runs", "all", []string{"r-20240501T101500Z.csv", "r-20240501T103000Z.csv", "r-20240501T104500Z.csv", "r-20240501T110000Z.csv"}},
		{"only the latest", "latest", []string{"r-20240501T101500Z.csv", "r-20240501T110000Z.csv"}},
		{"none", "none", []string{"r-20240501T101500Z.csv"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			state := t.TempDir()
			keep(t, state, "TICKS", 0, ticks(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), 5*time.Minute, 12, "AMZN"))
			stmts, reps := app(t, state, `CREATE STREAM ticks (sym VARCHAR(4), price DOUBLE) WITH (retain = '2 hours');
CREATE REPORT r EVERY INTERVAL '15' MINUTE AS SELECT STREAM sym, price FROM ticks WITH (format = 'csv', catch_up = '`+tc.catchUp+`')`)
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			var logs []string
			cfg := Config{Connectors: &testConnectors{alloc: alloc, clock: time.Now}, Alloc: alloc, StateDir: state,
				Log: func(s string) { logs = append(logs, s) }}
			start := func() *Scheduler { return NewScheduler(cfg, NewRunner(cfg, stmts), reps, "") }
			at := func(hm string) time.Time {
				v, _ := time.Parse("15:04", hm)
				return time.Date(2024, 5, 1, v.Hour(), v.Minute(), 0, 0, time.UTC)
			}
			s := start()
			s.Tick(context.Background(), at("10:01")) // first start: the schedule begins
			s.Tick(context.Background(), at("10:15"))
			s.Tick(context.Background(), at("10:16")) // nothing new
			// Eddy is down from 10:16 to 11:05; a new process starts.
			start().Tick(context.Background(), at("11:05"))
			dir := DefaultDir(state, reps[0])
			if got := files(t, dir); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("reports %v, want %v\nlog:\n%s", got, tc.want, strings.Join(logs, "\n"))
			}
			b, err := os.ReadFile(filepath.Join(dir, "r-20240501T101500Z.csv"))
			if err != nil || string(b) != "SYM,PRICE\nAMZN,100\nAMZN,101\nAMZN,102\n" {
				t.Fatalf("10:15 report = %q, %v", b, err)
			}
			last, _ := os.ReadFile(filepath.Join(state, "reports", "r.last"))
			if strings.TrimSpace(string(last)) != "2024-05-01T11:00:00Z" {
				t.Fatalf("last run recorded %q", last)
			}
		})
	}
}

// webhook is a function endpoint under KDA's Lambda output contract that
// fails its first failures invocations with a 500.
type webhook struct {
	mu       sync.Mutex
	failures int
	calls    atomic.Int64
	got      []string
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	w.calls.Add(1)
	body, _ := io.ReadAll(req.Body)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failures > 0 {
		w.failures--
		http.Error(rw, "down for maintenance", http.StatusInternalServerError)
		return
	}
	var ev struct {
		Records []struct {
			RecordID string `json:"recordId"`
			Data     []byte `json:"data"`
		} `json:"records"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	type reply struct {
		RecordID string `json:"recordId"`
		Result   string `json:"result"`
	}
	var out struct {
		Records []reply `json:"records"`
	}
	for _, r := range ev.Records {
		w.got = append(w.got, string(r.Data))
		out.Records = append(out.Records, reply{r.RecordID, "Ok"})
	}
	json.NewEncoder(rw).Encode(out)
}

func TestFailingDestinationIsRetried(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		failures int
		retries  int
		ok       bool
	}{
		{"delivered on the third attempt", 2, 3, true},
		{"given up after the retries", 5, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hook := &webhook{failures: tc.failures}
			srv := httptest.NewServer(hook)
			defer srv.Close()
			state := t.TempDir()
			keep(t, state, "TICKS", 0, ticks(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), 5*time.Minute, 3, "AMZN"))
			stmts, reps := app(t, state, `CREATE STREAM ticks (sym VARCHAR(4), price DOUBLE) WITH (retain = '2 hours');
CREATE REPORT r EVERY INTERVAL '15' MINUTE AS SELECT STREAM sym, price FROM ticks
WITH (format = 'json', destination = 'function', url = '`+srv.URL+`', max_retries = '0', batch_interval = '1ms', retries = '`+string(rune('0'+tc.retries))+`', retry_backoff = '1s')`)
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			var slept []time.Duration
			var logs []string
			var outcomes []Outcome
			cfg := Config{Connectors: &testConnectors{alloc: alloc, clock: time.Now}, Alloc: alloc, StateDir: state,
				Log:   func(s string) { logs = append(logs, s) },
				Ran:   func(o Outcome) { outcomes = append(outcomes, o) },
				Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
			s := NewScheduler(cfg, NewRunner(cfg, stmts), reps, "")
			where, err := s.RunOnce(context.Background(), reps[0], time.Date(2024, 5, 1, 10, 15, 0, 0, time.UTC))
			if tc.ok != (err == nil) {
				t.Fatalf("RunOnce = %q, %v\nlog:\n%s", where, err, strings.Join(logs, "\n"))
			}
			if len(outcomes) != 1 || outcomes[0].Report != "R" || (outcomes[0].Err == nil) != tc.ok ||
				outcomes[0].Attempts != min(tc.failures, tc.retries)+1 || outcomes[0].File != "" || outcomes[0].Finished.Before(outcomes[0].Started) {
				t.Fatalf("Ran heard %+v, want one outcome of R after %d attempts", outcomes, min(tc.failures, tc.retries)+1)
			}
			if tc.ok && (outcomes[0].Where != "function" || outcomes[0].Rows != 3) {
				t.Fatalf("Ran heard %+v, want 3 rows delivered to function", outcomes[0])
			}
			wantSleeps := min(tc.failures, tc.retries)
			if len(slept) != wantSleeps || (wantSleeps > 1 && slept[1] != 2*slept[0]) {
				t.Fatalf("backoff %v, want %d doubling waits", slept, wantSleeps)
			}
			if !tc.ok {
				if len(hook.got) != 0 || !strings.Contains(logs[len(logs)-1], "giving up after 2 attempts") {
					t.Fatalf("delivered %d, log %q", len(hook.got), logs)
				}
				return
			}
			if len(hook.got) != 1 {
				t.Fatalf("the endpoint got %d reports, want 1", len(hook.got))
			}
			var row struct {
				Report, Format, Content string
			}
			if err := json.Unmarshal([]byte(hook.got[0]), &row); err != nil {
				t.Fatal(err)
			}
			if row.Report != "R" || row.Format != "json" || !strings.Contains(row.Content, `"PRICE": 101`) {
				t.Fatalf("delivered %+v", row)
			}
		})
	}
}
