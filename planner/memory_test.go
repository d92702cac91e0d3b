package planner

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMemoryWatchCheck(t *testing.T) {
	t.Parallel()
	states := &stateRegistry{}
	for _, s := range []struct {
		pump  string
		bytes int64
	}{{"SMALL", 10 << 20}, {"BIG", 700 << 20}, {"MID", 100 << 20}} {
		l := &stateLimit{pump: s.pump}
		l.bytes.Store(s.bytes)
		states.add(l)
	}
	cases := []struct {
		name            string
		before, afterGC int64
		want            string // "" for no error
	}{
		{name: "below the limit", before: 900 << 20},
		{name: "garbage above the limit is collected first", before: 2 << 30, afterGC: 900 << 20},
		{name: "above the limit names the biggest state", before: 2 << 30, afterGC: 1200 << 20,
			want: "memory limit exceeded: the process holds 1.2 GiB of heap, more than max_memory = 1.0 GiB; the biggest state is pump BIG with 700 MiB (810 MiB in 3 stateful operators)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			heap := tc.before
			gcs := 0
			w := &memoryWatch{limit: 1 << 30, heap: func() int64 { return heap }, gc: func() { gcs++; heap = tc.afterGC }, states: states}
			err := w.check()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrMemoryLimit) || !strings.HasPrefix(err.Error(), tc.want) || gcs != 1 {
				t.Fatalf("check = %v after %d collections, want %q", err, gcs, tc.want)
			}
		})
	}
}

func TestDefaultMaxMemory(t *testing.T) {
	t.Parallel()
	meminfo := "MemTotal:       16777216 kB\nMemFree:         1000 kB\n"
	cases := []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{name: "machine", files: map[string]string{"/proc/meminfo": meminfo}, want: 12 << 30},
		{name: "cgroup v2 below the machine", files: map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory.max": "4294967296\n"}, want: 3 << 30},
		{name: "cgroup v2 without a limit", files: map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory.max": "max\n"}, want: 12 << 30},
		{name: "cgroup v1 unlimited", files: map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, want: 12 << 30},
		{name: "cgroup v1 limit", files: map[string]string{"/proc/meminfo": meminfo, "/sys/fs/cgroup/memory/memory.limit_in_bytes": "1073741824"}, want: 3 << 28},
		{name: "nothing readable: no limit", files: map[string]string{}, want: 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			read := func(p string) ([]byte, error) {
				if s, ok := tc.files[p]; ok {
					return []byte(s), nil
				}
				return nil, os.ErrNotExist
			}
			if got := defaultMaxMemory(read); got != tc.want {
				t.Fatalf("defaultMaxMemory = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestMaxMemoryStopsTheJob is the user's runaway job: an endless source
// into a windowed aggregate. Past max_memory the watchdog stops the job
// with an error naming the pump whose state is biggest, instead of the
// OS killing the process. (The test's own heap is far above 1MiB.)
func TestMaxMemoryStopsTheJob(t *testing.T) {
	t.Parallel()
	conns := &runConnectors{sink: &memSink{}}
	s := NewSession(Config{Connectors: conns})
	_, err := execText(t, s, `CREATE STREAM src (k BIGINT) WITH (connector = 'seq', count = '-1');
CREATE STREAM out (k BIGINT, n BIGINT) WITH (connector = 'mem');
CREATE PUMP counter AS INSERT INTO out SELECT STREAM k, COUNT(*) FROM src GROUP BY k, TUMBLE(ROWTIME, INTERVAL '1' HOUR);
SET max_memory = '1MiB'`)
	if err != nil {
		t.Fatal(err)
	}
	job, err := s.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err = job.Run(ctx)
	if !errors.Is(err, ErrMemoryLimit) || !strings.Contains(err.Error(), "more than max_memory = 1 MiB; the biggest state is pump COUNTER with ") {
		t.Fatalf("Run = %v, want ErrMemoryLimit naming pump COUNTER", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the job ran until the test's deadline (%v)", time.Since(start))
	}
}
