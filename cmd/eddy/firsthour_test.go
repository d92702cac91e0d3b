package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestFirstHour runs testdata/firsthour.sh, the first hour of a new user
// scripted (go install, version, help, discover, the quickstart,
// --explain, a report), in a temporary directory, with a loopback
// listener standing for a Kafka broker that --explain must not contact.
func TestFirstHour(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	if _, err := exec.LookPath("timeout"); err != nil {
		t.Skip("timeout (coreutils) is not installed")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	trap, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer trap.Close()
	var contacted atomic.Int64
	go func() {
		for {
			c, err := trap.Accept()
			if err != nil {
				return
			}
			contacted.Add(1)
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("testdata", "firsthour.sh"))
	cmd.Env = append(os.Environ(), "REPO="+repo, "WORK="+t.TempDir(), "TRAP="+trap.Addr().String())
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("firsthour.sh: %v\n%s", err, out)
	}
	t.Logf("firsthour.sh took %v:\n%s", time.Since(start).Round(time.Millisecond), out)
	if n := contacted.Load(); n != 0 {
		t.Errorf("eddy run --explain connected to the broker %d times", n)
	}
}
