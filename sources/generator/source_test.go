package generator

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// fakeClock is a settable clock; its sleep advances it instead of waiting.
type fakeClock struct{ now time.Time }

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	return nil
}

// withSystem appends the system columns to declared columns.
func withSystem(fields ...arrow.Field) *arrow.Schema {
	fields = append(fields,
		arrow.Field{Name: arrivalColumn, Type: timestampType},
		arrow.Field{Name: rowtimeColumn, Type: timestampType})
	return arrow.NewSchema(fields, nil)
}

func mustOptions(t testing.TB, raw map[string]string) sources.Options {
	t.Helper()
	opts, err := sources.Validate(raw, options, true)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

// discovered returns the full schema a CREATE STREAM from Discover would give.
func discovered(t testing.TB, raw map[string]string) *arrow.Schema {
	t.Helper()
	s, err := Discover(context.Background(), mustOptions(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	return withSystem(s.Fields()...)
}

// openTest opens a source on a checked allocator with a fake clock.
func openTest(t testing.TB, alloc memory.Allocator, clk *fakeClock, schema *arrow.Schema, raw map[string]string) *source {
	t.Helper()
	env := sources.Env{Stream: "S", Schema: schema, Alloc: alloc, Clock: clk.Now}
	src, err := Open(context.Background(), env, mustOptions(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	s := src.(*source)
	s.sleep = clk.sleep
	return s
}

// drain reads every batch until io.EOF, checking each schema, and returns
// the batches (which the caller releases).
func drain(t testing.TB, s sources.Source) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for {
		rb, err := s.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if !rb.Schema().Equal(s.Schema()) {
			t.Fatalf("batch schema %s, want %s", rb.Schema(), s.Schema())
		}
		out = append(out, rb)
	}
}

func releaseAll(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func totalRows(bs []arrow.RecordBatch) int {
	n := 0
	for _, b := range bs {
		n += int(b.NumRows())
	}
	return n
}

func TestSourceFullStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		raw         map[string]string
		wantRows    int
		rowtimeFrom string // column ROWTIME copies, "" = arrival
	}{
		{"ticker", map[string]string{"kind": "ticker", "rate": "0", "count": "1000"}, 1000, ""},
		{"nexmark bid", map[string]string{"kind": "nexmark", "count": "1000"}, 920, "DATE_TIME"},
		{"nexmark auction", map[string]string{"kind": "nexmark", "table": "auction", "count": "1000"}, 60, "DATE_TIME"},
		{"nexmark person", map[string]string{"kind": "nexmark", "table": "person", "count": "1000"}, 20, "DATE_TIME"},
		{"nexmark bid small batches", map[string]string{"kind": "nexmark", "count": "1000", "batch_size": "7"}, 920, "DATE_TIME"},
		{"auction rowtime expires", map[string]string{"kind": "nexmark", "table": "auction", "count": "500", "rowtime": "expires"}, 30, "EXPIRES"},
		{"nexmark rowtime arrival", map[string]string{"kind": "nexmark", "count": "100", "rowtime": "approximate_arrival_time"}, 92, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			clk := newFakeClock()
			s := openTest(t, alloc, clk, discovered(t, tc.raw), tc.raw)
			defer s.Close()
			bs := drain(t, s)
			defer releaseAll(bs)
			if got := totalRows(bs); got != tc.wantRows {
				t.Fatalf("%d rows, want %d", got, tc.wantRows)
			}
			if bs[0].NumRows() > int64(s.batchSize) {
				t.Fatalf("batch of %d rows beyond batch_size %d", bs[0].NumRows(), s.batchSize)
			}
			for _, b := range bs {
				n := int(b.NumCols())
				arrival := b.Column(n - 2).(*array.Timestamp)
				rowtime := b.Column(n - 1).(*array.Timestamp)
				want := arrival
				if tc.rowtimeFrom != "" {
					idx := b.Schema().FieldIndices(tc.rowtimeFrom)
					want = b.Column(idx[0]).(*array.Timestamp)
				}
				for i := range int(b.NumRows()) {
					if arrival.Value(i) != arrow.Timestamp(clk.now.UnixMilli()) {
						t.Fatalf("arrival %v, want the clock %v", arrival.Value(i), clk.now.UnixMilli())
					}
					if rowtime.Value(i) != want.Value(i) || rowtime.IsNull(i) {
						t.Fatalf("row %d: rowtime %v, want %v", i, rowtime.Value(i), want.Value(i))
					}
				}
			}
		})
	}
}

func TestSourceMatchesGoAPI(t *testing.T) {
	t.Parallel()
	bigint, str := arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String
	tests := []struct {
		name   string
		fields []arrow.Field
		check  func(t *testing.T, b arrow.RecordBatch, i int, bid Bid)
	}{
		{"all columns", nil, func(t *testing.T, b arrow.RecordBatch, i int, bid Bid) {
			row := []any{
				b.Column(0).(*array.Int64).Value(i), b.Column(1).(*array.Int64).Value(i),
				b.Column(2).(*array.Int64).Value(i), b.Column(3).(*array.String).Value(i),
				b.Column(4).(*array.String).Value(i), int64(b.Column(5).(*array.Timestamp).Value(i)),
				b.Column(6).(*array.String).Value(i),
			}
			want := []any{bid.Auction, bid.Bidder, bid.Price, bid.Channel, bid.URL, bid.DateTime, bid.Extra}
			for c := range row {
				if row[c] != want[c] {
					t.Fatalf("row %d column %d = %v, want %v", i, c, row[c], want[c])
				}
			}
		}},
		{"subset reordered, any case", []arrow.Field{
			{Name: "date_time", Type: timestampType}, {Name: "Price", Type: bigint}, {Name: "auction", Type: bigint},
		}, func(t *testing.T, b arrow.RecordBatch, i int, bid Bid) {
			if b.NumCols() != 5 {
				t.Fatalf("%d columns", b.NumCols())
			}
			if int64(b.Column(0).(*array.Timestamp).Value(i)) != bid.DateTime ||
				b.Column(1).(*array.Int64).Value(i) != bid.Price || b.Column(2).(*array.Int64).Value(i) != bid.Auction {
				t.Fatalf("row %d differs from %+v", i, bid)
			}
		}},
		{"camel case and converted types", []arrow.Field{
			{Name: "dateTime", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
			{Name: "PRICE", Type: arrow.PrimitiveTypes.Float64},
			{Name: "channel", Type: arrow.BinaryTypes.LargeString},
			{Name: "bidder", Type: arrow.PrimitiveTypes.Float32},
			{Name: "url", Type: str},
		}, func(t *testing.T, b arrow.RecordBatch, i int, bid Bid) {
			if int64(b.Column(0).(*array.Timestamp).Value(i)) != bid.DateTime*1000 ||
				b.Column(1).(*array.Float64).Value(i) != float64(bid.Price) ||
				b.Column(2).(*array.LargeString).Value(i) != bid.Channel ||
				b.Column(3).(*array.Float32).Value(i) != float32(bid.Bidder) ||
				b.Column(4).(*array.String).Value(i) != bid.URL {
				t.Fatalf("row %d differs from %+v", i, bid)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			raw := map[string]string{"kind": "nexmark", "count": "2000", "seed": "5", "batch_size": "300"}
			schema := discovered(t, raw)
			if tc.fields != nil {
				schema = withSystem(tc.fields...)
			}
			s := openTest(t, alloc, newFakeClock(), schema, raw)
			defer s.Close()
			bs := drain(t, s)
			defer releaseAll(bs)
			g, _ := NewNexmark(NexmarkConfig{Seed: 5})
			for _, b := range bs {
				for i := range int(b.NumRows()) {
					tc.check(t, b, i, g.NextBid())
				}
			}
			if g.Events() != 2000 {
				t.Fatalf("source made %d bids of %d events", totalRows(bs), g.Events())
			}
		})
	}
}

func TestSourceTickerColumns(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	raw := map[string]string{"kind": "ticker", "rate": "0", "count": "300", "seed": "9"}
	// KDA's getting-started stream declares CHANGE and PRICE as REAL.
	schema := withSystem(
		arrow.Field{Name: "price", Type: arrow.PrimitiveTypes.Float32},
		arrow.Field{Name: "ticker_symbol", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "CHANGE", Type: arrow.PrimitiveTypes.Float64},
		arrow.Field{Name: "sector", Type: arrow.BinaryTypes.String},
	)
	s := openTest(t, alloc, newFakeClock(), schema, raw)
	defer s.Close()
	bs := drain(t, s)
	defer releaseAll(bs)
	tk := newTicker(9)
	for _, b := range bs {
		for i := range int(b.NumRows()) {
			x := tk.next()
			sym := tickerSymbols[x.symbol]
			if b.Column(0).(*array.Float32).Value(i) != float32(x.price) ||
				b.Column(1).(*array.String).Value(i) != sym.symbol ||
				b.Column(2).(*array.Float64).Value(i) != x.change ||
				b.Column(3).(*array.String).Value(i) != sym.sector {
				t.Fatalf("row %d differs from %+v", i, x)
			}
		}
	}
}

func TestSourcePacing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		raw       map[string]string
		wantSizes []int64
		wantGaps  time.Duration // between consecutive batches
	}{
		{"100 per second flushes every 100ms", map[string]string{"kind": "ticker", "rate": "100", "count": "55"},
			[]int64{10, 10, 10, 10, 10, 5}, 100 * time.Millisecond},
		{"default ticker rate 10", map[string]string{"kind": "ticker", "count": "3"},
			[]int64{1, 1, 1}, 100 * time.Millisecond},
		{"slow rate waits for each event", map[string]string{"kind": "ticker", "rate": "2", "count": "3"},
			[]int64{1, 1, 1}, 500 * time.Millisecond},
		{"fast rate fills batches", map[string]string{"kind": "ticker", "rate": "100000", "count": "3000", "batch_size": "1000"},
			[]int64{1000, 1000, 1000}, 10 * time.Millisecond},
		{"sparse persons give empty batches", map[string]string{"kind": "nexmark", "table": "person", "rate": "100", "count": "100"},
			[]int64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0}, 100 * time.Millisecond},
		{"nexmark rate counts all events", map[string]string{"kind": "nexmark", "rate": "500", "count": "150"},
			[]int64{46, 46, 46}, 100 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			clk := newFakeClock()
			start := clk.now
			s := openTest(t, alloc, clk, discovered(t, tc.raw), tc.raw)
			defer s.Close()
			var sizes []int64
			var times []time.Time
			for {
				rb, err := s.Next(context.Background())
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, rb.NumRows())
				times = append(times, clk.now)
				rb.Release()
			}
			if len(sizes) != len(tc.wantSizes) {
				t.Fatalf("batch sizes %v, want %v", sizes, tc.wantSizes)
			}
			for i := range sizes {
				if sizes[i] != tc.wantSizes[i] {
					t.Fatalf("batch sizes %v, want %v", sizes, tc.wantSizes)
				}
			}
			prev := start
			for i, at := range times[:len(times)-1] {
				if gap := at.Sub(prev); gap != tc.wantGaps {
					t.Fatalf("batch %d came %v after the previous, want %v", i, gap, tc.wantGaps)
				}
				prev = at
			}
		})
	}
}

func TestSourceRealTimePacing(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	raw := map[string]string{"kind": "ticker", "rate": "1000", "count": "60"}
	env := sources.Env{Schema: discovered(t, raw), Alloc: alloc, Clock: time.Now}
	src, err := Open(context.Background(), env, mustOptions(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	begin := time.Now()
	bs := drain(t, src)
	defer releaseAll(bs)
	if totalRows(bs) != 60 {
		t.Fatalf("%d rows", totalRows(bs))
	}
	if el := time.Since(begin); el < 55*time.Millisecond {
		t.Fatalf("60 events at 1000/s took only %v", el)
	}
}

func TestSourceCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  map[string]string
		real bool // use real sleeping
	}{
		{"unpaced unbounded", map[string]string{"kind": "nexmark"}, false},
		{"paced waiting", map[string]string{"kind": "ticker", "rate": "1"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			clk := newFakeClock()
			s := openTest(t, alloc, clk, discovered(t, tc.raw), tc.raw)
			defer s.Close()
			if tc.real {
				s.clock, s.sleep = time.Now, sleepCtx
			}
			ctx, cancel := context.WithCancel(context.Background())
			if !tc.real {
				rb, err := s.Next(ctx)
				if err != nil {
					t.Fatal(err)
				}
				rb.Release()
				cancel()
			} else {
				time.AfterFunc(20*time.Millisecond, cancel)
			}
			begin := time.Now()
			if _, err := s.Next(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Next after cancel: %v", err)
			}
			if time.Since(begin) > 500*time.Millisecond {
				t.Fatal("cancel did not interrupt the wait")
			}
		})
	}
}

func TestSourceClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reads int
	}{
		{"before next", 0},
		{"after reads", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			raw := map[string]string{"kind": "nexmark", "table": "person"}
			s := openTest(t, alloc, newFakeClock(), discovered(t, raw), raw)
			for range tc.reads {
				rb, err := s.Next(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				rb.Release()
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if _, err := s.Next(context.Background()); err == nil {
				t.Fatal("Next after Close succeeded")
			}
		})
	}
}

func TestSourceDeterministic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  map[string]string
	}{
		{"ticker", map[string]string{"kind": "ticker", "rate": "0", "count": "5000", "seed": "3"}},
		{"person", map[string]string{"kind": "nexmark", "table": "person", "count": "20000"}},
		{"auction", map[string]string{"kind": "nexmark", "table": "auction", "count": "5000", "seed": "11"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			schema := discovered(t, tc.raw)
			run := func() string {
				s := openTest(t, alloc, newFakeClock(), schema, tc.raw)
				defer s.Close()
				bs := drain(t, s)
				defer releaseAll(bs)
				var sb strings.Builder
				for _, b := range bs {
					for c := range int(b.NumCols()) {
						sb.WriteString(b.Column(c).String())
					}
				}
				return sb.String()
			}
			a, b := run(), run()
			if a != b || len(a) < 1000 {
				t.Fatalf("runs differ (%d vs %d bytes)", len(a), len(b))
			}
		})
	}
}

func TestSourcePersonAuctionValues(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer alloc.AssertSize(t, 0)
	for _, table := range []string{"person", "auction"} {
		raw := map[string]string{"kind": "nexmark", "table": table, "count": "3000", "batch_size": "11"}
		s := openTest(t, alloc, newFakeClock(), discovered(t, raw), raw)
		bs := drain(t, s)
		g, _ := NewNexmark(NexmarkConfig{})
		var want []string
		for range 3000 {
			ev := g.Next()
			switch {
			case table == "person" && ev.Kind == PersonEvent:
				p := ev.Person
				want = append(want, strings.Join([]string{p.Name, p.EmailAddress, p.CreditCard, p.City, p.State, p.Extra}, "|"))
			case table == "auction" && ev.Kind == AuctionEvent:
				a := ev.Auction
				want = append(want, strings.Join([]string{a.ItemName, a.Description, a.Extra}, "|"))
			}
		}
		var got []string
		for _, b := range bs {
			for i := range int(b.NumRows()) {
				col := func(name string) string {
					return b.Column(b.Schema().FieldIndices(name)[0]).(*array.String).Value(i)
				}
				if table == "person" {
					got = append(got, strings.Join([]string{col("NAME"), col("EMAIL_ADDRESS"), col("CREDIT_CARD"), col("CITY"), col("STATE"), col("EXTRA")}, "|"))
				} else {
					got = append(got, strings.Join([]string{col("ITEM_NAME"), col("DESCRIPTION"), col("EXTRA")}, "|"))
				}
			}
		}
		releaseAll(bs)
		s.Close()
		if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) == 0 {
			t.Fatalf("%s: source rows differ from the Go API (%d vs %d rows)", table, len(got), len(want))
		}
	}
}

func TestSourceOpenErrors(t *testing.T) {
	t.Parallel()
	bid := map[string]string{"kind": "nexmark"}
	tests := []struct {
		name    string
		raw     map[string]string
		schema  *arrow.Schema
		wantOpt bool // wraps sources.ErrOption
	}{
		{"unknown column", bid, withSystem(arrow.Field{Name: "NOPE", Type: arrow.PrimitiveTypes.Int64}), false},
		{"wrong type", bid, withSystem(arrow.Field{Name: "URL", Type: arrow.PrimitiveTypes.Int64}), false},
		{"int column as int32", bid, withSystem(arrow.Field{Name: "PRICE", Type: arrow.PrimitiveTypes.Int32}), false},
		{"no system columns", bid, arrow.NewSchema([]arrow.Field{{Name: "PRICE", Type: arrow.PrimitiveTypes.Int64}}, nil), false},
		{"nil schema", bid, nil, false},
		{"rowtime not a timestamp", map[string]string{"kind": "nexmark", "rowtime": "price"}, withSystem(), false},
		{"rowtime unknown", map[string]string{"kind": "ticker", "rowtime": "when"}, withSystem(), false},
		{"kind unknown", map[string]string{"kind": "lottery"}, withSystem(), true},
		{"table unknown", map[string]string{"kind": "nexmark", "table": "bids"}, withSystem(), true},
		{"negative rate", map[string]string{"kind": "ticker", "rate": "-1"}, withSystem(), true},
		{"negative count", map[string]string{"kind": "ticker", "count": "-1"}, withSystem(), true},
		{"zero batch", map[string]string{"kind": "ticker", "batch_size": "0"}, withSystem(), true},
		{"zero event rate", map[string]string{"kind": "nexmark", "event_rate": "0"}, withSystem(), true},
		{"bad base time", map[string]string{"kind": "nexmark", "base_time": "yesterday"}, withSystem(), true},
		{"negative first id", map[string]string{"kind": "nexmark", "first_event_id": "-2"}, withSystem(), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			env := sources.Env{Schema: tc.schema, Alloc: alloc, Clock: time.Now}
			src, err := Open(context.Background(), env, mustOptions(t, tc.raw))
			if err == nil {
				src.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.HasPrefix(err.Error(), "generator: ") {
				t.Fatalf("error %q does not name the package", err)
			}
			if got := errors.Is(err, sources.ErrOption); got != tc.wantOpt {
				t.Fatalf("errors.Is(%v, ErrOption) = %v, want %v", err, got, tc.wantOpt)
			}
		})
	}
}

func TestMissingKindFailsValidation(t *testing.T) {
	t.Parallel()
	if _, err := sources.Validate(map[string]string{"rate": "1"}, options, true); !errors.Is(err, sources.ErrOption) {
		t.Fatalf("Validate without kind: %v", err)
	}
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  map[string]string
		want string // name:sqltype, ...
	}{
		{"ticker", map[string]string{"kind": "ticker"},
			"TICKER_SYMBOL:VARCHAR(4) SECTOR:VARCHAR(16) CHANGE:DOUBLE PRICE:DOUBLE"},
		{"nexmark default is bid", map[string]string{"kind": "NEXMARK"},
			"AUCTION:BIGINT BIDDER:BIGINT PRICE:BIGINT CHANNEL:VARCHAR URL:VARCHAR DATE_TIME:TIMESTAMP EXTRA:VARCHAR"},
		{"auction", map[string]string{"kind": "nexmark", "table": "auction"},
			"ID:BIGINT ITEM_NAME:VARCHAR DESCRIPTION:VARCHAR INITIAL_BID:BIGINT RESERVE:BIGINT DATE_TIME:TIMESTAMP EXPIRES:TIMESTAMP SELLER:BIGINT CATEGORY:BIGINT EXTRA:VARCHAR"},
		{"person", map[string]string{"kind": "nexmark", "table": "Person"},
			"ID:BIGINT NAME:VARCHAR EMAIL_ADDRESS:VARCHAR CREDIT_CARD:VARCHAR CITY:VARCHAR STATE:VARCHAR DATE_TIME:TIMESTAMP EXTRA:VARCHAR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Discover(context.Background(), mustOptions(t, tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range s.Fields() {
				sqltype, ok := f.Metadata.GetValue("sqltype")
				if !ok {
					t.Fatalf("field %s has no sqltype", f.Name)
				}
				got = append(got, f.Name+":"+sqltype)
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("got %s\nwant %s", strings.Join(got, " "), tc.want)
			}
		})
	}
	if _, err := Discover(context.Background(), mustOptions(t, map[string]string{"kind": "nope"})); !errors.Is(err, sources.ErrOption) {
		t.Fatalf("Discover of an unknown kind: %v", err)
	}
}

func TestParseOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		raw   map[string]string
		check func(c config) bool
	}{
		{"ticker defaults", map[string]string{"kind": "ticker"}, func(c config) bool {
			return c.rate == 10 && c.count == 0 && c.batchSize == 4096
		}},
		{"nexmark defaults", map[string]string{"kind": "nexmark"}, func(c config) bool {
			return c.rate == 0 && c.table == "bid" && c.nexmark.EventRate == DefaultEventRate &&
				c.nexmark.BaseTime.Equal(DefaultBaseTime()) && c.nexmark.FirstEventID == 0
		}},
		{"base time forms", map[string]string{"kind": "nexmark", "base_time": "2020-01-02 03:04:05"}, func(c config) bool {
			return c.nexmark.BaseTime.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
		}},
		{"base time with zone", map[string]string{"kind": "nexmark", "base_time": "2020-01-02T03:04:05.250+01:00"}, func(c config) bool {
			return c.nexmark.BaseTime.UnixMilli() == time.Date(2020, 1, 2, 2, 4, 5, 250e6, time.UTC).UnixMilli()
		}},
		{"flink numbering", map[string]string{"kind": "nexmark", "first_event_id": "1", "first_event_number": "1", "event_rate": "5000"}, func(c config) bool {
			return c.nexmark.FirstEventID == 1 && c.nexmark.FirstEventNumber == 1 && c.nexmark.EventRate == 5000
		}},
		{"explicit rate zero", map[string]string{"kind": "ticker", "rate": "0", "seed": "-4"}, func(c config) bool {
			return c.rate == 0 && c.seed == -4
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseOptions(mustOptions(t, tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("config %+v", c)
			}
		})
	}
}
