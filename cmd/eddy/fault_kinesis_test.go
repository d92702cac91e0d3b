package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// restartableKinesalite runs kinesalite (node, in memory) on a fixed
// port, so that it can be killed and started again on the same port: an
// empty server, whose streams the test creates again.
type restartableKinesalite struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
	c    *kinesis.Client
}

func newRestartableKinesalite(t *testing.T) *restartableKinesalite {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		skipOrFail(t, "kinesalite cannot start (run .ci/setup-kinesis.sh): node is not installed")
	}
	if _, err := os.Stat(filepath.Join(kinesalite.Dir(), "node_modules", "kinesalite")); err != nil {
		skipOrFail(t, "kinesalite cannot start (run .ci/setup-kinesis.sh): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &restartableKinesalite{t: t, port: l.Addr().(*net.TCPAddr).Port}
	l.Close()
	k.c = kinesalite.NewClient(k.endpoint())
	k.start()
	t.Cleanup(k.kill)
	return k
}

func (k *restartableKinesalite) endpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", k.port) }

// start runs the server and waits until it answers.
func (k *restartableKinesalite) start() {
	k.t.Helper()
	script, _ := filepath.Abs(filepath.Join("testdata", "fault", "kinesalite_serve.js"))
	for attempt := 0; ; attempt++ {
		cmd := exec.Command("node", script, fmt.Sprint(k.port), kinesalite.Dir())
		cmd.Stderr = os.Stderr
		if _, err := cmd.StdinPipe(); err != nil {
			k.t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			k.t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			skipOrFail(k.t, "kinesalite cannot start: %v", err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if strings.TrimSpace(line) == fmt.Sprint(k.port) {
			k.cmd = cmd
			return
		}
		cmd.Process.Kill()
		cmd.Wait()
		if attempt == 50 {
			k.t.Fatalf("kinesalite did not listen on port %d again", k.port)
		}
		time.Sleep(50 * time.Millisecond) // the port is not free yet
	}
}

// kill stops the server with SIGKILL: its streams are gone.
func (k *restartableKinesalite) kill() {
	if k.cmd != nil {
		k.cmd.Process.Kill()
		k.cmd.Wait()
		k.cmd = nil
	}
}

func (k *restartableKinesalite) createStream(name string) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := &kinesalite.Server{Endpoint: k.endpoint(), Client: k.c}
	if err := srv.CreateStream(ctx, name, 1); err != nil {
		k.t.Fatal(err)
	}
}

// put writes records from..to-1 to stream ticks: {"seq":i}.
func (k *restartableKinesalite) put(from, to int) {
	k.t.Helper()
	ctx := context.Background()
	for i := from; i < to; i += 100 {
		var entries []types.PutRecordsRequestEntry
		for j := i; j < min(i+100, to); j++ {
			entries = append(entries, types.PutRecordsRequestEntry{Data: fmt.Appendf(nil, `{"seq":%d}`, j), PartitionKey: aws.String("k")})
		}
		if _, err := k.c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("ticks"), Records: entries}); err != nil {
			k.t.Fatal(err)
		}
	}
}

// TestFaultKinesaliteRestart kills kinesalite in the middle of a run that
// copies a Kinesis stream to a file, and starts it again on the same port
// with the stream created anew (kinesalite keeps nothing: the records and
// sequence numbers the source knew are gone). The Kinesis source retries
// only throttling and expired iterators, by its documentation, so Eddy
// must stop with exit 1 and a message naming the failed Kinesis call,
// within a deadline (no hang), with the rows before the failure in the
// file exactly once; if a future source recovers instead, the rows put
// after the restart must all arrive.
func TestFaultKinesaliteRestart(t *testing.T) {
	t.Parallel()
	k := newRestartableKinesalite(t)
	k.createStream("ticks")
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	in := url.Values{"endpoint": {k.endpoint()}, "region": {kinesalite.Region},
		"access_key_id": {kinesalite.AccessKeyID}, "secret_access_key": {kinesalite.SecretAccessKey},
		"start": {"trim_horizon"}, "poll_interval": {"20ms"}}
	app := writeFile(t, dir, "app.sql", `
CREATE STREAM ticks (seq BIGINT);
CREATE STREAM copied (seq BIGINT);
CREATE PUMP p AS INSERT INTO copied SELECT STREAM seq FROM ticks;
`)
	c := startEddy(t, nil, "run", app, "--state", filepath.Join(dir, "state"), "--set", "checkpoint_interval=100ms",
		"--input", "TICKS=kinesis:ticks?"+in.Encode(), "--output", "COPIED=file:"+out)
	const n = 1000
	k.put(0, n)
	if !waitFor(20*time.Second, func() bool { return len(readLines(t, out)) >= n || c.exited() }) {
		t.Fatalf("only %d rows copied before the restart; stderr:\n%s", len(readLines(t, out)), c.stderr.String())
	}
	k.kill()
	time.Sleep(300 * time.Millisecond)
	k.start()
	k.createStream("ticks")
	k.put(n, 2*n)
	var before []string
	for i := 0; i < n; i++ {
		before = append(before, fmt.Sprintf(`{"SEQ":%d}`, i))
	}
	recovered := waitFor(20*time.Second, func() bool { return len(readLines(t, out)) >= 2*n || c.exited() }) && !c.exited()
	if recovered {
		c.term()
		if code := c.wait(15 * time.Second); code != 143 {
			t.Fatalf("exit %d after SIGTERM: %s", code, c.stderr.String())
		}
		var all []string
		for i := 0; i < 2*n; i++ {
			all = append(all, fmt.Sprintf(`{"SEQ":%d}`, i))
		}
		compareAtLeastOnce(t, "rows after a recovery", readLines(t, out), all)
		t.Logf("the source recovered after the restart")
		return
	}
	code := c.wait(60 * time.Second)
	stderr := c.stderr.String()
	if code != 1 || !strings.Contains(stderr, "kinesis") || !strings.Contains(stderr, "get records") && !strings.Contains(stderr, "shard") {
		t.Fatalf("exit %d, want 1 with a message naming the failed Kinesis call; stderr:\n%s", code, stderr)
	}
	compareExactlyOnce(t, "rows before the failure", readLines(t, out), before)
	t.Logf("eddy stopped: %s", strings.TrimSpace(stderr))
}
