package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The fault-injection suite (TestFault*) runs the eddy binary as a child
// process, injects a fault (SIGKILL, a full disk, a read-only state
// directory, a server that goes away or fails, a slow destination) and
// checks that no good row is lost, that no row is duplicated where the
// README's "Delivery guarantees" promise exactly-once, that memory stays
// bounded (the child's VmRSS, sampled while it runs) and that Eddy stops
// with a clear message and a non-zero exit when it has to. Every child
// has a deadline: a hang fails the test instead of blocking it.

// faultRSSLimit bounds the resident memory of a child running one of the
// suite's small jobs: the test binary's own code and heap plus bounded
// queues. A leak or an unbounded buffer passes it quickly.
const faultRSSLimit = 400 << 20

// faultSeed returns the seed of a test's random choices: EDDY_FAULT_SEED
// when set (to replay a failure), else a fixed default, so CI is
// reproducible. The seed is logged.
func faultSeed(t *testing.T, def int64) *rand.Rand {
	t.Helper()
	seed := def
	if v := os.Getenv("EDDY_FAULT_SEED"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("EDDY_FAULT_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (set EDDY_FAULT_SEED to replay another)", seed)
	return rand.New(rand.NewSource(seed))
}

// child is a running eddy process with its output captured and its
// resident memory sampled.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error // set when done is closed
	maxRSS int64 // KiB, guarded by mu
	mu     sync.Mutex
}

// syncBuffer is a bytes.Buffer safe for a writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startEddy starts eddy with args (and extra environment variables). The
// child is killed when the test ends, whatever happens.
func startEddy(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	c := &child{t: t, cmd: eddyCmd(args...), done: make(chan struct{})}
	c.cmd.Env = append(c.cmd.Env, env...)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	go c.sample()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// sample records the child's VmRSS every 20ms until it exits.
func (c *child) sample() {
	path := fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if kb, ok := readRSS(path); ok {
			c.mu.Lock()
			c.maxRSS = max(c.maxRSS, kb)
			c.mu.Unlock()
		}
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
	}
}

// readRSS reads VmRSS (KiB) from a /proc/PID/status file.
func readRSS(path string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// rss returns the largest resident memory seen so far, in bytes.
func (c *child) rss() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxRSS << 10
}

// checkRSS fails the test when the child's resident memory went over
// limit bytes.
func (c *child) checkRSS(limit int64) {
	c.t.Helper()
	if got := c.rss(); got > limit {
		c.t.Errorf("eddy used %d MiB of resident memory, more than the bound of %d MiB", got>>20, limit>>20)
	}
}

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// wait waits up to d for the child to exit and returns its exit code; a
// child still running then is killed and the test fails (a hang).
func (c *child) wait(d time.Duration) int {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(d):
		c.cmd.Process.Kill()
		<-c.done
		c.t.Fatalf("eddy did not exit within %s (a hang); stderr:\n%s", d, c.stderr.String())
	}
	c.checkRSS(faultRSSLimit)
	if c.err == nil {
		return 0
	}
	if ee, ok := c.err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal())
		}
		return ee.ExitCode()
	}
	c.t.Fatalf("waiting for eddy: %v", c.err)
	return -1
}

// kill sends SIGKILL and waits for the child to die.
func (c *child) kill() {
	c.cmd.Process.Kill()
	<-c.done
	c.checkRSS(faultRSSLimit)
}

// term sends SIGTERM.
func (c *child) term() { c.cmd.Process.Signal(syscall.SIGTERM) }

// runEddy runs eddy to its end within d and returns its exit code.
func runEddy(t *testing.T, d time.Duration, env []string, args ...string) (int, *child) {
	t.Helper()
	c := startEddy(t, env, args...)
	return c.wait(d), c
}

// waitFor polls cond every 20ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

// readLines returns the non-empty lines of the file at path (none when
// it does not exist).
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return splitLines(data)
}

func splitLines(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// objectLines returns the lines of every published object under dir (a
// firehose file destination), skipping Eddy's staging area and hidden
// temporary files.
func objectLines(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(info.Name(), ".") {
			if info.IsDir() && p != dir {
				return filepath.SkipDir
			}
			return nil
		}
		if !info.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, splitLines(data)...)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// compareExactlyOnce fails the test unless got holds every line of want
// exactly once and nothing else.
func compareExactlyOnce(t *testing.T, what string, got, want []string) {
	t.Helper()
	missing, dups, extra := diffLines(got, want)
	if len(missing)+len(dups)+len(extra) > 0 {
		t.Errorf("%s: %d rows, want %d exactly once: %d missing (e.g. %q), %d duplicated (e.g. %q), %d unexpected (e.g. %q)",
			what, len(got), len(want), len(missing), first(missing), len(dups), first(dups), len(extra), first(extra))
	}
}

// compareAtLeastOnce fails the test unless got holds every line of want
// at least once and nothing else; it returns how many were duplicates.
func compareAtLeastOnce(t *testing.T, what string, got, want []string) int {
	t.Helper()
	missing, dups, extra := diffLines(got, want)
	if len(missing)+len(extra) > 0 {
		t.Errorf("%s: %d rows, want each of %d at least once: %d missing (e.g. %q), %d unexpected (e.g. %q)",
			what, len(got), len(want), len(missing), first(missing), len(extra), first(extra))
	}
	return len(dups)
}

// diffLines compares two multisets of lines: the wanted lines missing
// from got, the extra copies in got of wanted lines, and lines of got
// that were not wanted at all.
func diffLines(got, want []string) (missing, dups, extra []string) {
	count := map[string]int{}
	for _, l := range want {
		count[l]++
	}
	seen := map[string]int{}
	for _, l := range got {
		seen[l]++
	}
	for l, n := range count {
		switch s := seen[l]; {
		case s < n:
			missing = append(missing, l)
		case s > n:
			dups = append(dups, l)
		}
	}
	for l := range seen {
		if count[l] == 0 {
			extra = append(extra, l)
		}
	}
	sort.Strings(missing)
	sort.Strings(dups)
	sort.Strings(extra)
	return missing, dups, extra
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// inCI reports whether the test runs under CI, where a fault that
// cannot be injected fails the test instead of skipping it.
func inCI() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips the test outside CI and fails it under CI.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if inCI() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}
