package serve

import (
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// tickBatch is a batch of n rows (SYMBOL, PRICE): symbol "S<i>", price i.
func tickBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "SYMBOL", Type: arrow.BinaryTypes.String}, {Name: "PRICE", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.StringBuilder).Append("S" + strconv.Itoa(i))
		b.Field(1).(*array.Int64Builder).Append(int64(i))
	}
	return b.NewRecordBatch()
}

// newTestTap taps a fresh stream with a clock the test moves.
func newTestTap(rate, buffer int, now *time.Time) (*streamTap, *Tap) {
	st := &streamTap{}
	c := make(chan TapRow, buffer)
	t := &Tap{C: c, c: c, st: st, rate: float64(rate), tokens: float64(rate), clock: func() time.Time { return *now }}
	st.taps = append(st.taps, t)
	st.n.Store(1)
	return st, t
}

func drain(t *Tap) []TapRow {
	var out []TapRow
	for {
		select {
		case r := <-t.C:
			out = append(out, r)
		default:
			return out
		}
	}
}

func TestTapSamplesWithoutBlocking(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		rate, buffer int
		batches      []int         // rows per batch
		advance      time.Duration // clock step before each batch
		readEvery    int           // drain after every readEvery batches (0: never)
		want         int           // rows received
		wantDropped  int64
		wantFirstRow TapRow
	}{
		{"a big batch gives at most rate rows", 20, 100, []int{100000}, 0, 1, 20, 0, TapRow{"S0", "0"}},
		{"no time, no more rows", 20, 100, []int{1000, 1000, 1000}, 0, 1, 20, 0, TapRow{"S0", "0"}},
		{"a second later, rate more", 20, 100, []int{1000, 1000, 1000}, time.Second, 1, 60, 0, TapRow{"S0", "0"}},
		{"half a second, half the rate", 20, 100, []int{1000, 1000}, 500 * time.Millisecond, 1, 30, 0, TapRow{"S0", "0"}},
		{"small batches pass whole", 20, 100, []int{3, 4}, 0, 1, 7, 0, TapRow{"S0", "0"}},
		{"a reader that never reads: drops, never blocks", 20, 10, []int{1000, 1000, 1000, 1000}, time.Second, 0, 10, 70, TapRow{"S0", "0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			st, tap := newTestTap(tc.rate, tc.buffer, &now)
			var got []TapRow
			for i, n := range tc.batches {
				if i > 0 {
					now = now.Add(tc.advance)
				}
				b := tickBatch(mem, n)
				done := make(chan struct{})
				go func() { st.batch(b); close(done) }()
				select {
				case <-done:
				case <-time.After(5 * time.Second):
					t.Fatal("the tap blocked its writer")
				}
				b.Release()
				if tc.readEvery > 0 && (i+1)%tc.readEvery == 0 {
					got = append(got, drain(tap)...)
				}
			}
			got = append(got, drain(tap)...)
			if len(got) != tc.want || tap.Dropped() != tc.wantDropped {
				t.Fatalf("received %d rows, dropped %d; want %d and %d", len(got), tap.Dropped(), tc.want, tc.wantDropped)
			}
			if len(got[0]) != 2 || got[0][0] != tc.wantFirstRow[0] || got[0][1] != tc.wantFirstRow[1] {
				t.Errorf("first row %v, want %v", got[0], tc.wantFirstRow)
			}
			tap.Close()
			tap.Close()
			if _, open := <-tap.C; open {
				t.Error("C stays open after Close")
			}
			if st.n.Load() != 0 {
				t.Error("a closed tap stays registered")
			}
		})
	}
}

// BenchmarkTapBatch is the cost the pipeline pays per batch for a stream
// with and without a live view (4096-row batches, a tap at 20 rows/s).
func BenchmarkTapBatch(b *testing.B) {
	mem := memory.NewGoAllocator()
	batch := tickBatch(mem, 4096)
	defer batch.Release()
	for _, tapped := range []bool{false, true} {
		name := "untapped"
		if tapped {
			name = "tapped"
		}
		b.Run(name, func(b *testing.B) {
			st := &streamTap{}
			if tapped {
				c := make(chan TapRow, DefaultTapBuffer)
				t := &Tap{C: c, c: c, st: st, rate: DefaultTapRate, clock: time.Now}
				st.taps, _ = append(st.taps, t), st.n.Add(1)
				go func() {
					for range c {
					}
				}()
				defer t.Close()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				st.batch(batch)
			}
			b.ReportMetric(float64(b.N)*4096/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func TestTapErrorStream(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st, tap := newTestTap(1, 10, &now)
	st.record(ErrorRow{Time: "t1", Level: "ERROR", Name: "DECODE", Message: "bad json", Stream: "IN"})
	st.record(ErrorRow{Time: "t2", Level: "ERROR", Name: "DECODE", Message: "over the rate"})
	now = now.Add(time.Second)
	st.record(ErrorRow{Time: "t3", Level: "WARNING", Name: "LATE", Message: "late"})
	got := drain(tap)
	if len(got) != 2 || len(got[0]) != len(errorColumns) {
		t.Fatalf("got %v, want 2 rows of %d columns", got, len(errorColumns))
	}
	if got[0][0] != "t1" || got[0][2] != "DECODE" || got[0][3] != "bad json" || got[0][6] != "IN" || got[1][0] != "t3" {
		t.Errorf("rows %v, want t1 DECODE then t3 (t2 over the rate)", got)
	}
}

// TestTapRowsOutliveTheirBatch checks that a sampled row keeps its
// strings when the batch's buffers are overwritten after the tap saw it,
// as a source's recycler does once the batch is released.
func TestTapRowsOutliveTheirBatch(t *testing.T) {
	t.Parallel()
	b := tickBatch(memory.NewGoAllocator(), 3)
	defer b.Release()
	got := valueText(b.Column(0), 1)
	data := b.Column(0).Data().Buffers()[2].Bytes()
	for i := range data {
		data[i] = 'X'
	}
	if got != "S1" {
		t.Fatalf("the row's string became %q after its batch's buffer was reused, want S1", got)
	}
}
