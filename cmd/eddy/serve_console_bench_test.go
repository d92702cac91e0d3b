package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// consoleBenchEvents is how many bids one run of BenchmarkConsoleLiveView
// generates, as fast as the pipeline takes them.
const consoleBenchEvents = 2_000_000

// BenchmarkConsoleLiveView runs an unthrottled Nexmark bid generator
// through a pump into a destination in eddy serve, in turn with nobody
// watching and with the console's live view (Server-Sent Events, read as
// the page reads them) on the source stream. It reports the watched
// events/s, the unwatched ones and the overhead in percent, which must
// stay under 5: by wall time (overhead_%) and, since wall time on a
// shared machine varies with other work, by the process's CPU seconds
// per event (cpu_overhead_%), which the live view's sampling, encoding and
// serving would raise if they cost the pipeline work.
func BenchmarkConsoleLiveView(b *testing.B) {
	s, _, err := startServer([]string{"--listen", "127.0.0.1:0", "--data", b.TempDir(), "--stop-timeout", "20s"}, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer s.shutdown()
	login, err := http.Post(s.url+"/console/login", "application/json", strings.NewReader(`{"token":""}`))
	if err != nil {
		b.Fatal(err)
	}
	login.Body.Close()
	cookie := login.Cookies()[0]
	code := fmt.Sprintf(`CREATE STREAM BIDS (AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL VARCHAR, URL VARCHAR, DATE_TIME TIMESTAMP, EXTRA VARCHAR)
  WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '%d');
CREATE OR REPLACE STREAM DESTINATION_SQL_STREAM (AUCTION BIGINT, PRICE BIGINT);
CREATE OR REPLACE PUMP P AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM AUCTION, PRICE FROM BIDS WHERE PRICE > 0;
`, consoleBenchEvents)
	run := 0
	// once runs the application once, watched or not, and returns how long
	// its events took, in wall time and in the process's CPU seconds.
	once := func(watched bool) (time.Duration, float64) {
		run++
		app := fmt.Sprintf("bench%d", run)
		post(b, s.url+"/v1/applications", serve.Submission{Name: app, Code: code})
		rows := make(chan int, 1)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if watched {
			req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/console/live/"+app+"/BIDS", nil)
			req.AddCookie(cookie)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("live view: %v %v", err, resp)
			}
			go func() {
				defer resp.Body.Close()
				n := 0
				sc := bufio.NewScanner(resp.Body)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
						var ev struct{ Rows [][]string }
						json.Unmarshal([]byte(data), &ev)
						n += len(ev.Rows)
					}
				}
				rows <- n
			}()
		}
		start, cpu0 := time.Now(), cpuSeconds()
		post(b, s.url+"/v1/applications/"+app+"/start", map[string]string{"position": "TRIM_HORIZON"})
		waitReady(b, s.url, app)
		took, cpu := time.Since(start), cpuSeconds()-cpu0
		cancel()
		if watched {
			if n := <-rows; n == 0 {
				b.Fatal("the live view saw no rows")
			}
		}
		req, _ := http.NewRequest("DELETE", s.url+"/v1/applications/"+app, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		return took, cpu
	}
	// Watched and unwatched runs alternate, so that a change of the
	// machine's load weighs on both alike.
	b.ReportAllocs()
	var watched, unwatched time.Duration
	var watchedCPU, unwatchedCPU float64
	add := func(w bool) {
		took, cpu := once(w)
		if w {
			watched += took
			watchedCPU += cpu
		} else {
			unwatched += took
			unwatchedCPU += cpu
		}
	}
	i := 0
	for b.Loop() {
		add(i%2 == 1)
		add(i%2 == 0)
		i++
	}
	events := float64(i) * consoleBenchEvents
	b.ReportMetric(events/watched.Seconds(), "events/s")
	b.ReportMetric(events/unwatched.Seconds(), "unwatched_events/s")
	b.ReportMetric(100*(watched.Seconds()-unwatched.Seconds())/unwatched.Seconds(), "overhead_%")
	b.ReportMetric(events/watchedCPU, "events/cpu-s")
	b.ReportMetric(events/unwatchedCPU, "unwatched_events/cpu-s")
	b.ReportMetric(100*(watchedCPU-unwatchedCPU)/unwatchedCPU, "cpu_overhead_%")
}

func post(b *testing.B, url string, body any) {
	b.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		msg, _ := io.ReadAll(resp.Body)
		b.Fatalf("POST %s: %d %s", url, resp.StatusCode, msg)
	}
}

// waitReady waits until the application's run has ended.
func waitReady(b *testing.B, base, app string) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/v1/applications/" + app)
		if err != nil {
			b.Fatal(err)
		}
		var info serve.AppInfo
		json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if info.Status == serve.StatusReady {
			if info.LastError != "" {
				b.Fatalf("%s failed: %s", app, info.LastError)
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("%s still runs", app)
}
