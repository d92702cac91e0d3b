package function

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
)

// TestScenarios runs each function behavior over Lambda, HTTP and a local
// command.
func TestScenarios(t *testing.T) {
	t.Parallel()
	type want struct {
		accepted int64
		rejected []string // record ids
		hints    [][]int  // per event, the retryHint of each record
		ids      [][]string
	}
	tests := []struct {
		name       string
		mode       string
		maxRetries int
		timeout    time.Duration
		want       want
	}{
		{name: "all ok in one invocation", mode: "ok", maxRetries: 2,
			want: want{accepted: 4, hints: [][]int{{0, 0, 0, 0}}, ids: [][]string{{"1", "2", "3", "4"}}}},
		{name: "only failed records are retried with a higher retryHint", mode: "fail-odd-once", maxRetries: 2,
			want: want{accepted: 4, hints: [][]int{{0, 0, 0, 0}, {1, 1}}, ids: [][]string{{"1", "2", "3", "4"}, {"1", "3"}}}},
		{name: "a record that keeps failing reaches the error stream", mode: "fail-two", maxRetries: 2,
			want: want{accepted: 3, rejected: []string{"2"}, hints: [][]int{{0, 0, 0, 0}, {1}, {2}}, ids: [][]string{{"1", "2", "3", "4"}, {"2"}, {"2"}}}},
		{name: "a record missing from the response is retried", mode: "drop-three", maxRetries: 1,
			want: want{accepted: 3, rejected: []string{"3"}, hints: [][]int{{0, 0, 0, 0}, {1}}, ids: [][]string{{"1", "2", "3", "4"}, {"3"}}}},
		{name: "an invocation error retries the whole batch", mode: "error", maxRetries: 1,
			want: want{rejected: []string{"1", "2", "3", "4"}, hints: [][]int{{0, 0, 0, 0}, {1, 1, 1, 1}}, ids: [][]string{{"1", "2", "3", "4"}, {"1", "2", "3", "4"}}}},
		{name: "a slow function times out", mode: "slow", maxRetries: -1, timeout: 300 * time.Millisecond,
			want: want{rejected: []string{"1", "2", "3", "4"}, hints: [][]int{{0, 0, 0, 0}}, ids: [][]string{{"1", "2", "3", "4"}}}},
	}
	for _, tr := range transports {
		for _, tc := range tests {
			t.Run(tr.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				inv, sent := tr.make(t, tc.mode, tc.timeout)
				rj := &rejects{}
				ctx := context.Background()
				s, err := New(ctx, sinks.Env{Stream: "OUT", Schema: testSchema, Reject: rj.reject}, Config{
					Invoker: inv,
					Caller:  CallerConfig{MaxRetries: tc.maxRetries, Backoff: time.Millisecond},
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Write(ctx, testBatch(t, mem, testSchema, `[{"ID":1,"NAME":"a"},{"ID":2},{"ID":3,"NAME":"c"},{"ID":4,"NAME":"d"}]`)); err != nil {
					t.Fatal(err)
				}
				if err := s.(sinks.Flusher).Flush(ctx); err != nil {
					t.Fatal(err)
				}
				st := s.(StatsReporter).Stats()
				if err := s.Close(ctx); err != nil {
					t.Fatal(err)
				}
				if st.Records != tc.want.accepted || st.Failed != int64(len(tc.want.rejected)) {
					t.Errorf("stats %+v, want %d accepted, %d failed", st, tc.want.accepted, len(tc.want.rejected))
				}
				rows, errs := rj.get()
				var got []string
				for i, row := range rows {
					var id int
					fmt.Sscanf(row, `{"ID":%d`, &id)
					got = append(got, fmt.Sprint(id))
					if !errors.Is(errs[i], ErrGaveUp) {
						t.Errorf("reject %q: %v is not ErrGaveUp", row, errs[i])
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want.rejected) {
					t.Errorf("rejected %v, want %v", got, tc.want.rejected)
				}
				evs := decodeEvents(t, sent())
				var hints [][]int
				var ids [][]string
				for _, ev := range evs {
					var h []int
					var id []string
					for _, r := range ev.Records {
						h, id = append(h, r.Meta.RetryHint), append(id, r.RecordID)
					}
					hints, ids = append(hints, h), append(ids, id)
				}
				if fmt.Sprint(hints) != fmt.Sprint(tc.want.hints) || fmt.Sprint(ids) != fmt.Sprint(tc.want.ids) {
					t.Errorf("events carried ids %v hints %v, want %v %v", ids, hints, tc.want.ids, tc.want.hints)
				}
			})
		}
	}
}

// blockedInvoker answers nothing until its context ends.
type blockedInvoker struct{}

func (blockedInvoker) Invoke(ctx context.Context, _ []byte) ([]byte, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestWriteBoundsManySmallRows: while the function does not answer, Write
// blocks once the pending records cost the sink's limit, counting each
// record's own memory and not only its few bytes of data, so a stream of
// tiny rows cannot queue millions of records.
func TestWriteBoundsManySmallRows(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const payload = 64 << 10 // the sink holds 4 payloads at most
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := New(ctx, sinks.Env{Stream: "OUT", Schema: testSchema}, Config{
		Invoker: blockedInvoker{}, BatchInterval: time.Millisecond, Format: "csv",
		Caller: CallerConfig{MaxPayload: payload, MaxRetries: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := `[` + strings.Repeat(`{"ID":1},`, 999) + `{"ID":1}]`
	accepted := 0
	for accepted < 1_000_000 {
		wctx, wcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		err := s.Write(wctx, testBatch(t, mem, testSchema, rows))
		wcancel()
		if err != nil {
			break // blocked: the limit is reached
		}
		accepted += 1000
	}
	// The batch in flight and the pending one, each 4 payloads' worth of
	// records costing at least 64 bytes, and a batch of rows over.
	if limit := 2*4*payload/64 + 2000; accepted > limit {
		t.Errorf("Write accepted %d tiny rows without blocking, want at most %d", accepted, limit)
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer ccancel()
	s.Close(cctx) // gives up on the unanswered records
}
