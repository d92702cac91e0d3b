package main

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources/generator"
)

// runNexmarkRows runs r through the SQL front end, planner and operators
// with a checked allocator and returns the output rows, each the values of
// cols joined by spaces (integers in decimal, timestamps in epoch ms,
// decimals in plain notation), sorted.
func runNexmarkRows(t *testing.T, r nexmarkRun, cols ...string) []string {
	t.Helper()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	var (
		mu   sync.Mutex
		rows []string
	)
	r.alloc = alloc
	r.onBatch = func(b arrow.RecordBatch) error {
		idx := make([]int, len(cols))
		for i, c := range cols {
			f := b.Schema().FieldIndices(c)
			if len(f) != 1 {
				return fmt.Errorf("output has no column %s: %s", c, b.Schema())
			}
			idx[i] = f[0]
		}
		vals := make([]string, len(cols))
		mu.Lock()
		defer mu.Unlock()
		for row := range int(b.NumRows()) {
			for i, c := range idx {
				vals[i] = nexmarkValue(b.Column(c), row)
			}
			rows = append(rows, strings.Join(vals, " "))
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := r.run(ctx)
	if err != nil {
		t.Fatalf("nexmark %s: %v", r.query, err)
	}
	if n != int64(len(rows)) {
		t.Fatalf("nexmark %s: the sink counted %d rows, onBatch saw %d", r.query, n, len(rows))
	}
	slices.Sort(rows)
	return rows
}

// nexmarkValue renders one output value for comparison with Go results.
func nexmarkValue(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "NULL"
	}
	switch a := col.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return strconv.FormatInt(int64(a.Value(i))*int64(unit.Multiplier())/int64(time.Millisecond), 10)
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return big.NewFloat(0).SetInt(a.Value(i).BigInt()).Text('f', 0) + "e-" + strconv.Itoa(int(scale))
	}
	return col.ValueStr(i)
}

// nexmarkBids returns the bids among the first events Nexmark events.
func nexmarkBids(t *testing.T, events int64) []generator.Bid {
	t.Helper()
	g, err := generator.NewNexmark(generator.NexmarkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var bids []generator.Bid
	for range events {
		if ev := g.Next(); ev.Kind == generator.BidEvent {
			bids = append(bids, ev.Bid)
		}
	}
	return bids
}

func sortedLines(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// diffRows fails t with the first difference of got and want.
func diffRows(t *testing.T, got, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("the Go computation expects no rows; the test checks nothing")
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("row %d of %d: got %q, want %q", i, len(want), got[i], want[i])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
}

const sessionGapMs = 10_000

// expectedNexmark computes each query's output from the generator's Go API
// and returns the columns to compare and the sorted rows.
func expectedNexmark(query string, bids []generator.Bid) ([]string, []string) {
	type key struct{ a, b int64 }
	switch query {
	case "q0":
		var want []string
		for _, b := range bids {
			want = append(want, fmt.Sprintf("%d %d %d %d %s", b.Auction, b.Bidder, b.Price, b.DateTime, b.Extra))
		}
		slices.Sort(want)
		return []string{"AUCTION", "BIDDER", "PRICE", "DATE_TIME", "EXTRA"}, want
	case "q1":
		var want []string
		for _, b := range bids {
			want = append(want, fmt.Sprintf("%d %de-3", b.Auction, b.Price*908))
		}
		slices.Sort(want)
		return []string{"AUCTION", "PRICE"}, want
	case "q2":
		var want []string
		for _, b := range bids {
			if b.Auction%123 == 0 {
				want = append(want, fmt.Sprintf("%d %d", b.Auction, b.Price))
			}
		}
		slices.Sort(want)
		return []string{"AUCTION", "PRICE"}, want
	case "tumble":
		type agg struct{ n, sum, max int64 }
		m := map[key]*agg{}
		for _, b := range bids {
			k := key{b.Auction, b.DateTime / 10_000 * 10_000}
			a := m[k]
			if a == nil {
				a = &agg{max: b.Price}
				m[k] = a
			}
			a.n++
			a.sum += b.Price
			a.max = max(a.max, b.Price)
		}
		want := map[string]bool{}
		for k, a := range m {
			want[fmt.Sprintf("%d %d %d %d %d %d", k.a, k.b, k.b+10_000, a.n, a.sum, a.max)] = true
		}
		return []string{"AUCTION", "WINDOW_START", "WINDOW_END", "NUM", "TOTAL", "MAXPRICE"}, sortedLines(want)
	case "q5-hop":
		m := map[key]int64{}
		for _, b := range bids {
			last := b.DateTime / 2_000 * 2_000
			for s := last - 8_000; s <= last; s += 2_000 {
				m[key{b.Auction, s}]++
			}
		}
		want := map[string]bool{}
		for k, n := range m {
			want[fmt.Sprintf("%d %d %d %d", k.a, k.b, k.b+10_000, n)] = true
		}
		return []string{"AUCTION", "STARTTIME", "ENDTIME", "NUM"}, sortedLines(want)
	case "q7-max":
		m := map[int64]int64{}
		for _, b := range bids {
			end := b.DateTime/10_000*10_000 + 10_000
			if p, ok := m[end]; !ok || b.Price > p {
				m[end] = b.Price
			}
		}
		want := map[string]bool{}
		for end, p := range m {
			want[fmt.Sprintf("%d %d", p, end)] = true
		}
		return []string{"MAXPRICE", "DATE_TIME"}, sortedLines(want)
	case "q11":
		// Bids come in DATE_TIME order; a bid less than the gap after its
		// bidder's last bid extends the session ([t, t+gap) windows that
		// overlap merge).
		type session struct{ start, last, n int64 }
		open := map[int64]*session{}
		var want []string
		emit := func(bidder int64, s *session) {
			want = append(want, fmt.Sprintf("%d %d %d %d", bidder, s.n, s.start, s.last+sessionGapMs))
		}
		for _, b := range bids {
			s := open[b.Bidder]
			if s != nil && b.DateTime-s.last < sessionGapMs {
				s.last, s.n = b.DateTime, s.n+1
				continue
			}
			if s != nil {
				emit(b.Bidder, s)
			}
			open[b.Bidder] = &session{start: b.DateTime, last: b.DateTime, n: 1}
		}
		for bidder, s := range open {
			emit(bidder, s)
		}
		slices.Sort(want)
		return []string{"BIDDER", "BID_COUNT", "STARTTIME", "ENDTIME"}, want
	}
	panic("expectedNexmark: no Go computation for " + query)
}

// TestNexmarkQueriesMatchGo runs each query on the generator through SQL
// and compares every output row with the same computation done in Go over
// the generator's Go API.
func TestNexmarkQueriesMatchGo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		query  string
		events int64
		batch  int
	}{
		{name: "q0 passes every bid through", query: "q0", events: 20_000},
		{name: "q1 converts prices exactly", query: "q1", events: 50_000},
		{name: "q2 keeps auctions divisible by 123", query: "q2", events: 200_000},
		{name: "q2 with odd batch sizes", query: "q2", events: 100_000, batch: 777},
		{name: "tumble counts sums and maxes per auction and window", query: "tumble", events: 200_000},
		{name: "tumble with small batches", query: "tumble", events: 60_000, batch: 100},
		{name: "q5-hop counts bids per auction in five overlapping windows", query: "q5-hop", events: 100_000},
		{name: "q7-max finds each window's highest price", query: "q7-max", events: 200_000},
		{name: "q11 counts bids per bidder session", query: "q11", events: 200_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cols, want := expectedNexmark(tc.query, nexmarkBids(t, tc.events))
			got := runNexmarkRows(t, nexmarkRun{query: tc.query, events: tc.events, batchSize: tc.batch}, cols...)
			diffRows(t, got, want)
		})
	}
}

// TestNexmarkQ2OnlyMultiplesOf123 checks q2's filter row by row and its
// count against the generator's Go API.
func TestNexmarkQ2OnlyMultiplesOf123(t *testing.T) {
	t.Parallel()
	const events = 150_000
	got := runNexmarkRows(t, nexmarkRun{query: "q2", events: events}, "AUCTION")
	for _, row := range got {
		a, err := strconv.ParseInt(row, 10, 64)
		if err != nil || a%123 != 0 {
			t.Fatalf("q2 output auction %q is not a multiple of 123", row)
		}
	}
	want := 0
	for _, b := range nexmarkBids(t, events) {
		if b.Auction%123 == 0 {
			want++
		}
	}
	if want == 0 || len(got) != want {
		t.Fatalf("q2 output %d rows, the generator has %d bids with AUCTION %% 123 = 0", len(got), want)
	}
}

// TestNexmarkQ12CountsEveryBidOnce runs q12 (processing-time windows): its
// windows depend on the wall clock, but per bidder the counts must add up
// to the bidder's bids, and every window is an aligned 10 s window.
func TestNexmarkQ12CountsEveryBidOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		clock func() time.Time
	}{
		{name: "wall clock", clock: time.Now},
		{name: "clock crossing windows", clock: steppingClock(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const events = 100_000
			got := runNexmarkRows(t, nexmarkRun{query: "q12", events: events, clock: tc.clock}, "BIDDER", "BID_COUNT", "WINDOW_START", "WINDOW_END")
			sum := map[int64]int64{}
			windows := map[int64]bool{}
			for _, row := range got {
				var bidder, n, ws, we int64
				if _, err := fmt.Sscan(row, &bidder, &n, &ws, &we); err != nil {
					t.Fatalf("row %q: %v", row, err)
				}
				if ws%10_000 != 0 || we-ws != 10_000 {
					t.Fatalf("row %q: window is not an aligned 10 s window", row)
				}
				sum[bidder] += n
				windows[ws] = true
			}
			want := map[int64]int64{}
			for _, b := range nexmarkBids(t, events) {
				want[b.Bidder]++
			}
			if len(sum) != len(want) {
				t.Fatalf("q12 has %d bidders, the generator %d", len(sum), len(want))
			}
			for bidder, n := range want {
				if sum[bidder] != n {
					t.Fatalf("bidder %d: q12 counts %d bids, the generator has %d", bidder, sum[bidder], n)
				}
			}
			if tc.name == "clock crossing windows" && len(windows) < 2 {
				t.Fatalf("the stepping clock should spread bids over several windows, got %d", len(windows))
			}
		})
	}
}

// steppingClock returns a clock that advances by step at every reading.
func steppingClock(start time.Time, step time.Duration) func() time.Time {
	var (
		mu  sync.Mutex
		now = start
	)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(step)
		return now
	}
}
