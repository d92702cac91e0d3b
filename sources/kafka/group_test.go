package kafka

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// groupOpts are the options of a fast-rebalancing group member.
func groupOpts(addr, topic, group string) map[string]string {
	return map[string]string{
		"brokers": addr, "topic": topic, "group": group, "batch_size": "4", "linger": "10ms", "poll_interval": "20ms",
		"session_timeout": "1s", "heartbeat_interval": "100ms",
	}
}

func bids(from, to int, nparts int) []msg {
	var ms []msg
	for i := from; i < to; i++ {
		ms = append(ms, msg{partition: int32(i % nparts), value: bid(int64(i), 1, int64(i), time.Now())})
	}
	return ms
}

func auctions(rows []row) map[int]int {
	seen := map[int]int{}
	for _, r := range rows {
		a, _ := strconv.Atoi(r["AUCTION"])
		seen[a]++
	}
	return seen
}

func TestCommitThenRestartResumes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		group bool // restart through the group's committed offsets, else Seek
	}{
		{"group offsets committed at the checkpoint", true},
		{"seek to the checkpoint position", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := startBroker(t, 3, "bids")
			produce(t, addr, "bids", bids(0, 60, 3))
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx := context.Background()
			a, err := New(ctx, testEnv(mem, bidSchema(), nil), groupOpts(addr, "bids", "g"))
			if err != nil {
				t.Fatal(err)
			}
			first := readRows(t, a, 20, 20*time.Second)
			pos, err := a.Position()
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Commit(ctx, pos); err != nil {
				t.Fatal(err)
			}
			// Rows read after the checkpoint are lost with the process: they
			// must come again.
			uncommitted := readRows(t, a, 4, 10*time.Second)
			a.Close()

			opts := groupOpts(addr, "bids", "g")
			if !tc.group {
				delete(opts, "group")
			}
			b, err := New(ctx, testEnv(mem, bidSchema(), nil), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if !tc.group {
				if err := b.Seek(ctx, pos); err != nil {
					t.Fatal(err)
				}
			}
			rest := readRows(t, b, 60-len(first), 20*time.Second)
			seen := auctions(append(first, rest...))
			for i := range 60 {
				if seen[i] != 1 {
					t.Errorf("auction %d read %d times after the restart, want once", i, seen[i])
				}
			}
			again := auctions(rest)
			for a := range auctions(uncommitted) {
				if again[a] != 1 {
					t.Errorf("uncommitted auction %d not read again", a)
				}
			}
		})
	}
}

// member reads from a source in its own goroutine until told to stop.
type member struct {
	mu   sync.Mutex
	rows []row
	stop chan struct{}
	done chan error
}

func runMember(src Source) *member {
	m := &member{stop: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		ctx := context.Background()
		for {
			select {
			case <-m.stop:
				// Checkpoint what was read, then leave the group.
				pos, err := src.Position()
				if err == nil {
					err = src.Commit(ctx, pos)
				}
				m.done <- errors.Join(err, src.Close())
				return
			default:
			}
			rec, err := src.Next(ctx)
			if err != nil {
				m.done <- err
				return
			}
			rows := rowsOf(rec)
			rec.Release()
			m.mu.Lock()
			m.rows = append(m.rows, rows...)
			m.mu.Unlock()
		}
	}()
	return m
}

func (m *member) list() []row {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]row(nil), m.rows...)
}

func TestGroupSplitsPartitionsAndTakesOver(t *testing.T) {
	t.Parallel()
	addr := startBroker(t, 3, "bids")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	var srcs []*source
	for range 2 {
		s, err := New(ctx, testEnv(mem, bidSchema(), nil), groupOpts(addr, "bids", "pair"))
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, s.(*source))
	}
	a, b := runMember(srcs[0]), runMember(srcs[1])
	// Wait until the two members share the three partitions.
	owned := func(s *source) int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.owned)
	}
	deadline := time.Now().Add(20 * time.Second)
	for owned(srcs[0])+owned(srcs[1]) != 3 || owned(srcs[0]) == 0 || owned(srcs[1]) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the group did not split: %d and %d partitions", owned(srcs[0]), owned(srcs[1]))
		}
		time.Sleep(20 * time.Millisecond)
	}
	produce(t, addr, "bids", bids(0, 60, 3))
	for len(a.list())+len(b.list()) < 60 {
		if time.Now().After(deadline) {
			t.Fatalf("read %d + %d of 60 rows", len(a.list()), len(b.list()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(a.list()) == 0 || len(b.list()) == 0 {
		t.Errorf("one member read nothing: %d and %d rows", len(a.list()), len(b.list()))
	}
	close(a.stop) // a leaves; b takes over its partitions
	if err := <-a.done; err != nil {
		t.Fatal(err)
	}
	produce(t, addr, "bids", bids(60, 120, 3))
	deadline = time.Now().Add(30 * time.Second)
	for {
		seen := auctions(append(a.list(), b.list()...))
		missing := 0
		for i := range 120 {
			if seen[i] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 120 rows never read", missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := owned(srcs[1]); n != 3 {
		t.Errorf("the remaining member owns %d partitions, want 3", n)
	}
	close(b.stop)
	if err := <-b.done; err != nil {
		t.Fatal(err)
	}
}
