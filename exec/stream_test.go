package exec

import (
	"context"
	"errors"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestStreamFanOutFanIn(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := NewStream("S", abSchema, 2)
	r1, _ := s.Subscribe()
	r2, _ := s.Subscribe()
	w1, w2 := s.NewWriter(), s.NewWriter()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, w := range []*StreamWriter{w1, w2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[{"A":2,"B":2}]`) {
				if err := w.Write(ctx, b, int64(10*(i+1))); err != nil {
					t.Error(err)
				}
			}
			w.Close(ctx)
		}()
	}
	var got [2][]string
	var rg sync.WaitGroup
	for i, r := range []Operator{r1, r2} {
		rg.Add(1)
		go func() {
			defer rg.Done()
			got[i] = drainRows(t, r)
			r.Close()
		}()
	}
	wg.Wait()
	rg.Wait()
	for i := range got {
		sort.Strings(got[i])
		want := `{"A":1,"B":1} {"A":1,"B":1} {"A":2,"B":2} {"A":2,"B":2}`
		if strings.Join(got[i], " ") != want {
			t.Errorf("reader %d got %v", i, got[i])
		}
	}
	if wm := r1.(Watermarker).Watermark(); wm != math.MaxInt64 {
		t.Errorf("watermark after every writer closed = %d, want MaxInt64", wm)
	}
}

func TestStreamWatermarkIsMinimumOverWriters(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := NewStream("S", abSchema, 4)
	r, _ := s.Subscribe()
	defer r.Close()
	w1, w2 := s.NewWriter(), s.NewWriter()
	ctx := context.Background()
	b := batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[{"A":2,"B":2}]`)
	w1.Write(ctx, b[0], 100)
	got, _ := r.Next(ctx)
	got.Release()
	if wm := r.(Watermarker).Watermark(); wm != math.MinInt64 {
		t.Errorf("watermark with one writer silent = %d, want MinInt64", wm)
	}
	w2.Write(ctx, b[1], 50)
	got, _ = r.Next(ctx)
	got.Release()
	if wm := r.(Watermarker).Watermark(); wm != 50 {
		t.Errorf("watermark = %d, want 50", wm)
	}
}

func TestStreamBackpressure(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := NewStream("S", abSchema, 2)
	r, _ := s.Subscribe()
	w := s.NewWriter()
	bs := batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[{"A":2,"B":2}]`, `[{"A":3,"B":3}]`)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	for i, b := range bs {
		err := w.Write(ctx, b, 0)
		if i < 2 && err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if i == 2 && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("third write into a full queue returned %v, want to block until the deadline", err)
		}
	}
	r.Close() // releases the two queued batches
}

func TestStreamClosedReaderDoesNotBlockWriters(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := NewStream("S", abSchema, 1)
	r, _ := s.Subscribe()
	r.Close()
	w := s.NewWriter()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, b := range batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[{"A":2,"B":2}]`, `[{"A":3,"B":3}]`) {
		if err := w.Write(ctx, b, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStreamNoWritersIsEmpty(t *testing.T) {
	t.Parallel()
	s := NewStream("S", abSchema, 1)
	r, _ := s.Subscribe()
	defer r.Close()
	if _, err := r.Next(context.Background()); err != io.EOF {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	if _, err := s.Subscribe(); err != nil {
		t.Fatal(err)
	}
}

func TestErrorStream(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	es := NewErrorStream(mem)
	r, _ := es.Stream().Subscribe()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { done <- es.Run(ctx) }()
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 300; i++ {
		es.ReportError(ErrorRecord{Time: at, Level: "ERROR", Name: "DECODE", Message: "bad", DataRow: "x", Stream: "S", Origin: "f.jsonl", Offset: int64(i + 1)})
	}
	es.Close()
	rows := drainRows(t, r)
	r.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 300 || es.Count() != 300 {
		t.Fatalf("got %d rows, count %d, want 300", len(rows), es.Count())
	}
	if !strings.Contains(rows[299], `"SOURCE_OFFSET":300`) || !strings.Contains(rows[0], `"ERROR_NAME":"DECODE"`) {
		t.Errorf("rows[0] = %s, rows[299] = %s", rows[0], rows[299])
	}
	es.ReportError(ErrorRecord{Name: "AFTER"}) // must not block after Run ended
}

func TestTrackerCountsWorkUntilTheReaderAsksForMore(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tr := NewTracker()
	s := NewStream("S", abSchema, 4)
	s.Track(tr)
	r1, _ := s.Subscribe()
	r2, _ := s.Subscribe()
	w := s.NewWriter()
	ctx := context.Background()
	for _, b := range batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[{"A":2,"B":2}]`) {
		w.Write(ctx, b, 0)
	}
	if n := tr.InFlight(); n != 4 {
		t.Fatalf("in flight after two batches to two readers = %d, want 4", n)
	}
	b, _ := r1.Next(ctx)
	b.Release()
	if n := tr.InFlight(); n != 4 {
		t.Fatalf("a batch being processed still counts: in flight = %d, want 4", n)
	}
	b, _ = r1.Next(ctx) // finishes the first, takes the second
	b.Release()
	if n := tr.InFlight(); n != 3 {
		t.Fatalf("in flight = %d, want 3", n)
	}
	w.Close(ctx)
	if _, err := r1.Next(ctx); err != io.EOF {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	r2.Close() // drops its two queued batches and the EOF
	if n := tr.InFlight(); n != 1 {
		t.Fatalf("in flight while r1's reader finishes on the end = %d, want 1", n)
	}
	r1.Close()
	if n := tr.InFlight(); n != 0 {
		t.Fatalf("in flight after everything was read or dropped = %d, want 0", n)
	}
	if err := tr.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestTrackerCountsTheEndUntilTheReaderIsDone checks that the end of a
// stream (io.EOF, or ErrStopped when the job stops) counts as in flight
// until its reader asks again or closes, as a batch does: its consumer
// does work on it (a window operator emits its final windows, a
// destination writes them), and a checkpoint must not cut through that
// work. The end of one writer of several is no work: it is done at once.
func TestTrackerCountsTheEndUntilTheReaderIsDone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		stop    bool // the last writer stops rather than closes
		again   bool // the reader asks again instead of closing
		wantErr error
	}{
		{"eof_then_close", false, false, io.EOF},
		{"eof_then_next", false, true, io.EOF},
		{"stopped_then_close", true, false, ErrStopped},
		{"stopped_then_next", true, true, ErrStopped},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tr := NewTracker()
			s := NewStream("S", abSchema, 4)
			s.Track(tr)
			r, _ := s.Subscribe()
			w1, w2 := s.NewWriter(), s.NewWriter()
			w1.Close(ctx)
			if tc.stop {
				w2.Stop(ctx)
			} else {
				w2.Close(ctx)
			}
			if n := tr.InFlight(); n != 2 {
				t.Fatalf("in flight with two ends queued = %d, want 2", n)
			}
			if _, err := r.Next(ctx); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Next = %v, want %v", err, tc.wantErr)
			}
			if n := tr.InFlight(); n != 1 {
				t.Fatalf("in flight while the reader's consumer finishes on the end = %d, want 1", n)
			}
			if tc.again {
				if _, err := r.Next(ctx); !errors.Is(err, tc.wantErr) {
					t.Fatalf("Next again = %v, want %v", err, tc.wantErr)
				}
			}
			r.Close()
			if n := tr.InFlight(); n != 0 {
				t.Fatalf("in flight after the reader finished = %d, want 0", n)
			}
			r.Close()
			if n := tr.InFlight(); n != 0 {
				t.Fatalf("in flight after a second Close = %d, want 0", n)
			}
		})
	}
}

func TestStreamLateSubscriber(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	s := NewStream("S", abSchema, 4)
	early, _ := s.Subscribe()
	w1, w2 := s.NewWriter(), s.NewWriter()
	bs := batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[{"A":2,"B":2}]`)
	w1.Write(ctx, bs[0], 5)
	w1.Close(ctx) // finished before the late reader joins
	late, _ := s.Subscribe()
	w2.Write(ctx, bs[1], 7)
	w2.Close(ctx)
	if got := drainRows(t, late); len(got) != 1 || got[0] != `{"A":2,"B":2}` {
		t.Errorf("late reader got %v, want only the batch published after it joined", got)
	}
	if got := drainRows(t, early); len(got) != 2 {
		t.Errorf("early reader got %v", got)
	}
	early.Close()
	late.Close()
}

// TestStreamQueueFill: the fill of the fullest reader's queue rises as a
// reader falls behind and drops as it reads.
func TestStreamQueueFill(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := NewStream("S", abSchema, 4)
	if q, c := s.QueueFill(); q != 0 || c != 4 {
		t.Fatalf("no readers: %d/%d, want 0/4", q, c)
	}
	fast, _ := s.Subscribe()
	slow, _ := s.Subscribe()
	w := s.NewWriter()
	ctx := context.Background()
	for i, b := range batchesFromJSON(t, mem, abSchema, `[{"A":1,"B":1}]`, `[{"A":2,"B":2}]`, `[{"A":3,"B":3}]`) {
		if err := w.Write(ctx, b, int64(i)); err != nil {
			t.Fatal(err)
		}
		got, err := fast.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got.Release()
	}
	if q, c := s.QueueFill(); q != 3 || c != 4 {
		t.Errorf("a reader 3 batches behind: %d/%d, want 3/4", q, c)
	}
	got, err := slow.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got.Release()
	if q, _ := s.QueueFill(); q != 2 {
		t.Errorf("after the slow reader read one: %d queued, want 2", q)
	}
	w.Close(ctx)
	fast.Close()
	slow.Close()
}
