package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaGroupTwoProcessesOneStopsHalfway runs two eddy processes in one
// consumer group over a 3-partition topic; one is stopped halfway and the
// other takes over its partitions. Every input row reaches the outputs at
// least once (checkpoints commit the group's offsets), none is missing.
func TestKafkaGroupTwoProcessesOneStopsHalfway(t *testing.T) {
	t.Parallel()
	addr := kafkaBroker(t)
	const n = 3000 // produced in two waves: before and after one process stops
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produceWave := func(from, to int) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var recs []*kgo.Record
		for i := from; i < to; i++ {
			recs = append(recs, &kgo.Record{Topic: "bids", Key: []byte(fmt.Sprint(i % 97)),
				Value: []byte(fmt.Sprintf(`{"auction":%d,"bidder":1,"price":1,"dateTime":"2024-05-01T10:00:00.000Z"}`, i))})
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produceWave(0, n/2)

	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(`
CREATE STREAM bids (auction BIGINT) WITH (connector = 'kafka', topic = 'bids', brokers = '%s',
  group = 'eddy-test', start = 'earliest');
CREATE STREAM ids (auction BIGINT);
CREATE PUMP p AS INSERT INTO ids SELECT STREAM auction FROM bids;
`, addr))
	start := func(name string) (*exec.Cmd, string, *bytes.Buffer) {
		out := filepath.Join(dir, name+".jsonl")
		cmd := eddyCmd("run", app, "--state", filepath.Join(dir, name+"-state"), "--set", "checkpoint_interval=200ms",
			"--output", "IDS=file:"+out)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		return cmd, out, &errb
	}
	seen := func(paths ...string) map[string]bool {
		got := map[string]bool{}
		for _, p := range paths {
			data, _ := os.ReadFile(p)
			for _, l := range strings.Split(string(data), "\n") {
				if l != "" {
					got[l] = true
				}
			}
		}
		return got
	}
	a, outA, errA := start("a")
	b, outB, errB := start("b")
	deadline := time.Now().Add(60 * time.Second)
	for len(seen(outA, outB)) < n/2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	a.Process.Signal(syscall.SIGINT)                       // process A leaves the group halfway
	if err := a.Wait(); a.ProcessState.ExitCode() != 130 { // SIGINT, flushed
		t.Fatalf("process a: %v\n%s", err, errA.String())
	}
	produceWave(n/2, n) // only B is left to read these
	for len(seen(outA, outB)) < n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	b.Process.Signal(syscall.SIGINT)
	if err := b.Wait(); b.ProcessState.ExitCode() != 130 {
		t.Fatalf("process b: %v\n%s", err, errB.String())
	}
	got := seen(outA, outB)
	var missing []int
	for i := 0; i < n; i++ {
		if !got[fmt.Sprintf(`{"AUCTION":%d}`, i)] {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d rows missing (e.g. %v); a read %d, b read %d\nstderr a: %s\nstderr b: %s", len(missing), n, missing[:min(5, len(missing))], len(seen(outA)), len(seen(outB)), errA.String(), errB.String())
	}
	t.Logf("a delivered %d distinct rows, b %d", len(seen(outA)), len(seen(outB)))
}
