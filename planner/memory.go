package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrMemoryLimit is wrapped by the error of a job stopped because the
// process outgrew the max_memory setting.
var ErrMemoryLimit = errors.New("memory limit exceeded")

// stateRegistry collects the stateful operators of a running job, so the
// memory watchdog can name the biggest. Operators register themselves on
// their first Next (see stateLimit), through the job's context.
type stateRegistry struct {
	mu  sync.Mutex
	ops []*stateLimit
}

func (r *stateRegistry) add(l *stateLimit) {
	r.mu.Lock()
	r.ops = append(r.ops, l)
	r.mu.Unlock()
}

// biggest returns the pump of the largest state, its bytes, the bytes of
// every state and how many operators hold state.
func (r *stateRegistry) biggest() (pump string, bytes, total int64, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.ops {
		b := l.bytes.Load()
		total += b
		if b >= bytes {
			pump, bytes = l.pump, b
		}
	}
	return pump, bytes, total, len(r.ops)
}

type statesKey struct{}

// statesOf returns the registry of the job running under ctx, or nil.
func statesOf(ctx context.Context) *stateRegistry {
	r, _ := ctx.Value(statesKey{}).(*stateRegistry)
	return r
}

// memoryWatch stops a job before the process outgrows max_memory: a
// goroutine samples the Go heap every interval and, above the limit (after
// a forced collection, so garbage does not count), fails the job with an
// error naming the biggest stateful operator.
type memoryWatch struct {
	limit    int64
	interval time.Duration
	heap     func() int64 // bytes of heap objects; runtime/metrics by default
	gc       func()
	states   *stateRegistry
}

// memoryWatch returns the watchdog of the session's max_memory setting
// (default: defaultMaxMemory), nil when there is no limit to enforce.
func (s *Session) memoryWatch() *memoryWatch {
	limit := defaultMaxMemory(os.ReadFile)
	if v, ok := s.settings[SettingMaxMemory]; ok {
		if n, err := ParseSize(SettingMaxMemory, v); err == nil && n > 0 {
			limit = n
		}
	}
	if limit <= 0 {
		return nil
	}
	return &memoryWatch{limit: limit, interval: 100 * time.Millisecond, heap: heapBytes, gc: runtime.GC, states: &stateRegistry{}}
}

// attach returns ctx carrying the registry the job's stateful operators
// join.
func (w *memoryWatch) attach(ctx context.Context) context.Context {
	if w == nil {
		return ctx
	}
	return context.WithValue(ctx, statesKey{}, w.states)
}

// start runs the watchdog until the returned function is called (which
// waits for it); fail receives the error when the limit is passed. It also
// sets the Go runtime's soft memory limit to the limit while it runs, so the
// collector works harder before the watchdog has to stop anything.
func (w *memoryWatch) start(fail func(error)) (stop func()) {
	if w == nil {
		return func() {}
	}
	prev := debug.SetMemoryLimit(-1)
	if w.limit < prev {
		debug.SetMemoryLimit(w.limit)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(w.interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := w.check(); err != nil {
					fail(err)
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		if w.limit < prev && debug.SetMemoryLimit(-1) == w.limit {
			debug.SetMemoryLimit(prev)
		}
	}
}

// check samples the heap once; it returns an ErrMemoryLimit error when the
// heap is above the limit even after a collection.
func (w *memoryWatch) check() error {
	h := w.heap()
	if h <= w.limit {
		return nil
	}
	w.gc()
	if h = w.heap(); h <= w.limit {
		return nil
	}
	pump, bytes, total, n := w.states.biggest()
	culprit := "no stateful operator holds it: it is in flight (stream queues and batches)"
	if n > 0 && bytes > 0 {
		culprit = fmt.Sprintf("the biggest state is pump %s with %s (%s in %d stateful operators)", pump, humanBytes(bytes), humanBytes(total), n)
	}
	return fmt.Errorf("%w: the process holds %s of heap, more than max_memory = %s; %s; use smaller windows, fewer keys, or raise max_memory", ErrMemoryLimit, humanBytes(h), humanBytes(w.limit), culprit)
}

// heapBytes returns the bytes of the Go heap's objects, live or not yet
// swept.
func heapBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	return int64(min(s[0].Value.Uint64(), math.MaxInt64))
}

// humanBytes prints a byte count for people: 812 MiB, 1.5 GiB.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// defaultMaxMemory is 75% of the machine's memory (/proc/meminfo MemTotal)
// or of the cgroup's limit (memory.max, or memory.limit_in_bytes of cgroup
// v1), whichever is smaller; 0 when neither can be read.
func defaultMaxMemory(read func(string) ([]byte, error)) int64 {
	var total int64
	if b, err := read("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					total = kb << 10
				}
			}
		}
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := read(p)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 { // "max", or cgroup v1's "unlimited"
			continue
		}
		if total == 0 || n < total {
			total = n
		}
	}
	return total / 4 * 3
}
