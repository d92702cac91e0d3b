package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReportsRunOnScheduleInsideEddyRun keeps a stream's history while the
// app runs and lets a report scheduled every second write its files, then
// stops the run with SIGINT.
func TestReportsRunOnScheduleInsideEddyRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeFile(t, dir, "clicks.jsonl", "")
	state := filepath.Join(dir, "state")
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(`
CREATE STREAM clicks (page VARCHAR(16))
  WITH (connector = 'file', path = '%s', follow = 'true', poll_interval = '20ms', linger = '20ms', retain = '1 hour');
CREATE STREAM per_page (page VARCHAR(16), n BIGINT);
CREATE PUMP counts AS INSERT INTO per_page SELECT STREAM page, COUNT(*) FROM clicks GROUP BY page, FLOOR(ROWTIME TO SECOND);
CREATE REPORT clicks_report EVERY INTERVAL '1' SECOND AS
  SELECT STREAM page, COUNT(*) AS views FROM clicks GROUP BY page, FLOOR(ROWTIME TO HOUR)
  WITH (format = 'markdown');
`, in))
	cmd := eddyCmd("run", app, "--state", state, "--output", "PER_PAGE=discard")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	f, err := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	var found string
	for time.Now().Before(deadline) && found == "" {
		fmt.Fprintln(f, `{"page":"home"}`)
		time.Sleep(100 * time.Millisecond)
		files, _ := filepath.Glob(filepath.Join(state, "reports", "clicks_report", "*.md"))
		for _, p := range files {
			data, _ := os.ReadFile(p)
			if strings.Contains(string(data), "home") {
				found = string(data)
			}
		}
	}
	f.Close()
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != 130 {
		t.Fatalf("eddy run: %v (want exit 130 after SIGINT); stderr %s", err, errb.String())
	}
	if found == "" {
		t.Fatalf("no report with the page's views was written; stderr %s", errb.String())
	}
	if !strings.Contains(found, "VIEWS") {
		t.Errorf("report lacks its column:\n%s", found)
	}
}
