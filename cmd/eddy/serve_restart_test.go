package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// serveProcess is eddy serve run as a child process.
type serveProcess struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer
}

// startServeProcess runs this test binary as eddy serve and waits until
// it listens and has resumed its applications.
func startServeProcess(t *testing.T, args ...string) *serveProcess {
	t.Helper()
	cmd := eddyCmd(append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	pr, pw := io.Pipe()
	p := &serveProcess{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		rx := regexp.MustCompile(`msg=listening url=(\S+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.stderr.Write(append(sc.Bytes(), '\n'))
			if m := rx.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case p.url = <-urls:
	case <-time.After(20 * time.Second):
		t.Fatalf("eddy serve did not start: %s", p.stderr.String())
	}
	waitHTTP(t, p.url+"/readyz")
	return p
}

// waitHTTP polls url until it answers 200.
func waitHTTP(t *testing.T, u string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := httpGet(u, "")
		if err == nil && resp == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v (status %d)", u, err, resp)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// committedSeqs reads the SEQ values of a JSON-lines file (missing: none).
func committedSeqs(t *testing.T, path string) []int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r struct{ SEQ int64 }
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, r.SEQ)
	}
	return out
}

// TestServeRestartAfterKill kills the server (SIGKILL) while an
// application reads a Kinesis stream into an exactly-once file
// destination, restarts it, and checks that the application resumed on
// its own and that the file holds every record exactly once, as an
// uninterrupted run would.
func TestServeRestartAfterKill(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	if err := srv.CreateStream(t.Context(), "events", 2); err != nil {
		t.Fatal(err)
	}
	dir := tempDir(t)
	data, outDir := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	out := filepath.Join(outDir, "seqs.jsonl")
	args := []string{"--data", data, "--allow-path", outDir, "--checkpoint-interval", "100ms", "--config", serveConfig(t, dir, srv)}
	p := startServeProcess(t, args...)

	app := writeFile(t, dir, "seqs.sql", `CREATE STREAM "SOURCE_SQL_STREAM_001" (SEQ BIGINT);
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (SEQ BIGINT, DOUBLED BIGINT);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM SEQ, SEQ * 2 FROM "SOURCE_SQL_STREAM_001";
`)
	in := url.Values{"start": {"trim_horizon"}, "poll_interval": {"20ms"}, "endpoint": {srv.Endpoint}, "region": {kinesalite.Region},
		"access_key_id": {kinesalite.AccessKeyID}, "secret_access_key": {kinesalite.SecretAccessKey}}
	var stdout, stderr bytes.Buffer
	code := run([]string{"submit", app, "--server", p.url, "--input", "SOURCE_SQL_STREAM_001=kinesis:events?" + in.Encode(),
		"--output", "DESTINATION_SQL_STREAM=file:" + out}, nil, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "seqs: ") {
		t.Fatalf("submit: exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	seqs := func(first, n int) []map[string]any {
		v := make([]map[string]any, n)
		for i := range v {
			v[i] = map[string]any{"SEQ": first + i}
		}
		return v
	}
	// A writer puts 1000 records in 25 calls, 40ms apart; the server is
	// killed once the first output is committed, while records still come.
	const total = 1000
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for i := 0; i < total; i += 40 {
			putJSON(t, srv.Client, "events", seqs(i, 40))
			time.Sleep(40 * time.Millisecond)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for len(committedSeqs(t, out)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no output committed: %s", p.stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	before := len(committedSeqs(t, out))
	if before >= total {
		t.Fatalf("every row was committed before the kill; the test did not kill mid-stream")
	}
	<-wrote

	p = startServeProcess(t, args...)
	var stdout2 bytes.Buffer
	deadline = time.Now().Add(40 * time.Second)
	for len(committedSeqs(t, out)) < total {
		if time.Now().After(deadline) {
			t.Fatalf("%d rows after the restart (%d before it): %s", len(committedSeqs(t, out)), before, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let duplicates, if any, arrive
	if code := run([]string{"apps", "--server", p.url}, nil, &stdout2, &stderr); code != 0 || !regexp.MustCompile(`(?m)^seqs\s+RUNNING\s`).MatchString(stdout2.String()) {
		t.Fatalf("eddy apps: exit %d: %s%s", code, stdout2.String(), stderr.String())
	}
	got := committedSeqs(t, out)
	seen := make([]int, total)
	for _, s := range got {
		if s < 0 || s >= total {
			t.Fatalf("unexpected SEQ %d", s)
		}
		seen[s]++
	}
	for s, n := range seen {
		if n != 1 {
			t.Errorf("SEQ %d written %d times (%d rows committed before the kill)", s, n, before)
		}
	}
	t.Logf("%d rows committed before the kill, %d in all", before, len(got))
}
