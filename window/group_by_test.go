package window_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// col is a test-only column reference expression.
type col struct {
	idx  int
	dt   arrow.DataType
	name string
}

func (c col) DataType() arrow.DataType { return c.dt }
func (c col) String() string           { return c.name }
func (c col) Eval(_ *exec.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	a := b.Column(c.idx)
	a.Retain()
	return a, nil
}

// jsonSource returns one batch per JSON literal ("[]" is an empty batch).
type jsonSource struct {
	mem     memory.Allocator
	schema  *arrow.Schema
	batches []string
	i       int
	wm      []int64 // optional watermark after each batch
	hasWM   bool
}

func (s *jsonSource) Schema() *arrow.Schema { return s.schema }
func (s *jsonSource) Next(context.Context) (arrow.RecordBatch, error) {
	if s.i >= len(s.batches) {
		return nil, io.EOF
	}
	b, _, err := array.RecordFromJSON(s.mem, s.schema, strings.NewReader(s.batches[s.i]))
	s.i++
	return b, err
}
func (s *jsonSource) Close() error { return nil }

type wmSource struct{ *jsonSource }

func (s wmSource) Watermark() int64 { return s.wm[s.i-1] }

var bidSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "ROWTIME", Type: exec.TimestampType},
}, nil)

// errs collects error records.
type errs struct {
	mu   sync.Mutex
	recs []exec.ErrorRecord
}

func (e *errs) ReportError(r exec.ErrorRecord) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.recs = append(e.recs, r)
}

// rowStrings renders rows as "a|b|c", timestamps as ms integers.
func rowStrings(b arrow.RecordBatch) []string {
	var out []string
	for i := range int(b.NumRows()) {
		var parts []string
		for _, c := range b.Columns() {
			switch {
			case c.IsNull(i):
				parts = append(parts, "null")
			case c.DataType().ID() == arrow.TIMESTAMP:
				parts = append(parts, strconv.FormatInt(int64(c.(*array.Timestamp).Value(i)), 10))
			default:
				parts = append(parts, c.ValueStr(i))
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// drain runs op to io.EOF and returns its output rows per Next call.
func drain(t *testing.T, op exec.Operator) [][]string {
	t.Helper()
	var out [][]string
	for {
		b, err := op.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, rowStrings(b))
		b.Release()
	}
}

func flat(x [][]string) []string {
	var out []string
	for _, r := range x {
		out = append(out, r...)
	}
	return out
}

func mustAssigner(t *testing.T, a window.Assigner, err error) window.Assigner {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func countSum() []exec.AggSpec {
	return []exec.AggSpec{
		{Func: "COUNT", Name: "c"},
		{Func: "SUM", Arg: col{1, arrow.PrimitiveTypes.Int64, "v"}, Name: "s"},
		{Func: "MAX", Arg: col{1, arrow.PrimitiveTypes.Int64, "v"}, Name: "m"},
	}
}

func TestGroupBy(t *testing.T) {
	t.Parallel()
	key := []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}
	tumble := func(t *testing.T) window.Assigner {
		a, err := window.Tumbling(10*time.Millisecond, 0)
		return mustAssigner(t, a, err)
	}
	hop := func(t *testing.T) window.Assigner {
		a, err := window.Hopping(10*time.Millisecond, 5*time.Millisecond, 0)
		return mustAssigner(t, a, err)
	}
	session := func(t *testing.T) window.Assigner {
		a, err := window.Session(5 * time.Millisecond)
		return mustAssigner(t, a, err)
	}
	stagger := func(t *testing.T) window.Assigner {
		a, err := window.Stagger(10 * time.Millisecond)
		return mustAssigner(t, a, err)
	}
	cumulate := func(t *testing.T) window.Assigner {
		a, err := window.Cumulate(5*time.Millisecond, 10*time.Millisecond)
		return mustAssigner(t, a, err)
	}
	cases := []struct {
		name     string
		assigner func(*testing.T) window.Assigner
		lateness time.Duration
		batches  []string
		want     [][]string // rows per Next: k|start|end|count|sum|max|ROWTIME
		late     int
	}{
		{
			name:     "tumbling row at window end goes to next window",
			assigner: tumble,
			batches: []string{
				`[{"k":"a","v":1,"ROWTIME":0},{"k":"b","v":5,"ROWTIME":3},{"k":"a","v":2,"ROWTIME":9}]`,
				`[{"k":"a","v":7,"ROWTIME":10}]`,
			},
			want: [][]string{{}, {"a|0|10|2|3|2|10", "b|0|10|1|5|5|10"}, {"a|10|20|1|7|7|20"}},
		},
		{
			name:     "tumbling empty windows emit nothing",
			assigner: tumble,
			batches:  []string{`[{"k":"a","v":1,"ROWTIME":5}]`, `[{"k":"a","v":1,"ROWTIME":45}]`},
			want:     [][]string{{}, {"a|0|10|1|1|1|10"}, {"a|40|50|1|1|1|50"}},
		},
		{
			name:     "tumbling out of order within lateness",
			assigner: tumble,
			lateness: 5 * time.Millisecond,
			batches: []string{
				`[{"k":"a","v":1,"ROWTIME":8},{"k":"a","v":1,"ROWTIME":12}]`,
				`[{"k":"a","v":4,"ROWTIME":7}]`,
				`[{"k":"a","v":1,"ROWTIME":15}]`,
			},
			want: [][]string{{}, {}, {"a|0|10|2|5|4|10"}, {"a|10|20|2|2|1|20"}},
		},
		{
			name:     "tumbling late rows beyond lateness go to the error sink",
			assigner: tumble,
			batches: []string{
				`[{"k":"a","v":1,"ROWTIME":8},{"k":"a","v":1,"ROWTIME":25}]`,
				`[{"k":"a","v":9,"ROWTIME":3},{"k":"a","v":2,"ROWTIME":26}]`,
			},
			want: [][]string{{"a|0|10|1|1|1|10"}, {}, {"a|20|30|2|3|2|30"}},
			late: 1,
		},
		{
			name:     "tumbling null keys group together",
			assigner: tumble,
			batches:  []string{`[{"k":null,"v":1,"ROWTIME":1},{"k":"a","v":2,"ROWTIME":2},{"k":null,"v":3,"ROWTIME":3}]`},
			want:     [][]string{{}, {"null|0|10|2|4|3|10", "a|0|10|1|2|2|10"}},
		},
		{
			name:     "hopping combines panes",
			assigner: hop,
			batches: []string{
				`[{"k":"a","v":1,"ROWTIME":1},{"k":"a","v":2,"ROWTIME":6},{"k":"b","v":3,"ROWTIME":12}]`,
			},
			want: [][]string{
				{"a|-5|5|1|1|1|5", "a|0|10|2|3|2|10"},
				{"a|5|15|1|2|2|15", "b|5|15|1|3|3|15", "b|10|20|1|3|3|20"},
			},
		},
		{
			name:     "cumulate grows within the max window",
			assigner: cumulate,
			batches:  []string{`[{"k":"a","v":1,"ROWTIME":1},{"k":"a","v":2,"ROWTIME":6}]`},
			want:     [][]string{{"a|0|5|1|1|1|5"}, {"a|0|10|2|3|2|10"}},
		},
		{
			name:     "session closes after the gap",
			assigner: session,
			batches: []string{
				`[{"k":"a","v":1,"ROWTIME":0},{"k":"a","v":2,"ROWTIME":3},{"k":"b","v":4,"ROWTIME":3}]`,
				`[{"k":"a","v":5,"ROWTIME":20}]`,
			},
			want: [][]string{{}, {"a|0|8|2|3|2|8", "b|3|8|1|4|4|8"}, {"a|20|25|1|5|5|25"}},
		},
		{
			name:     "session merges when a late row bridges two sessions",
			assigner: session,
			lateness: 20 * time.Millisecond,
			batches: []string{
				`[{"k":"a","v":1,"ROWTIME":0},{"k":"a","v":2,"ROWTIME":8}]`,
				`[{"k":"a","v":3,"ROWTIME":4}]`,
			},
			want: [][]string{{}, {}, {"a|0|13|3|6|3|13"}},
		},
		{
			name:     "session row exactly at the gap starts a new session",
			assigner: session,
			batches:  []string{`[{"k":"a","v":1,"ROWTIME":0},{"k":"a","v":2,"ROWTIME":5}]`},
			want:     [][]string{{"a|0|5|1|1|1|5"}, {"a|5|10|1|2|2|10"}},
		},
		{
			name:     "stagger window opens at the key's first row",
			assigner: stagger,
			batches: []string{
				`[{"k":"a","v":1,"ROWTIME":3},{"k":"b","v":1,"ROWTIME":7},{"k":"a","v":2,"ROWTIME":12}]`,
				`[{"k":"a","v":4,"ROWTIME":13}]`,
			},
			want: [][]string{{}, {"a|3|13|2|3|2|13"}, {"b|7|17|1|1|1|17", "a|13|23|1|4|4|23"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src := &jsonSource{mem: mem, schema: bidSchema, batches: tc.batches}
			sink := &errs{}
			op, err := window.NewGroupBy(src, window.Config{
				Keys: key, KeyNames: []string{"k"}, Aggs: countSum(), Assigner: tc.assigner(t),
				Lateness: tc.lateness, Errors: sink, Alloc: mem,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			got := drain(t, op)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("output\n got %v\nwant %v", got, tc.want)
			}
			if len(sink.recs) != tc.late {
				t.Errorf("late rows reported: %d, want %d", len(sink.recs), tc.late)
			}
			for _, r := range sink.recs {
				if r.Name != "LATE" || r.DataRow == "" {
					t.Errorf("bad late record %+v", r)
				}
			}
			if n := op.(window.StateCounter).LiveGroups(); n != 0 {
				t.Errorf("live groups after EOF = %d, want 0", n)
			}
		})
	}
}

func TestGroupByStateFreedAfterClose(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"tumbling", "hopping", "session"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var sb strings.Builder
			sb.WriteString("[")
			for i := range 1000 {
				if i > 0 {
					sb.WriteString(",")
				}
				fmt.Fprintf(&sb, `{"k":"k%d","v":%d,"ROWTIME":%d}`, i, i, i%10)
			}
			sb.WriteString("]")
			src := &jsonSource{mem: mem, schema: bidSchema, batches: []string{sb.String(), `[{"k":"z","v":0,"ROWTIME":100}]`}}
			var a window.Assigner
			var err error
			switch kind {
			case "tumbling":
				a, err = window.Tumbling(10*time.Millisecond, 0)
			case "hopping":
				a, err = window.Hopping(10*time.Millisecond, 2*time.Millisecond, 0)
			default:
				a, err = window.Session(10 * time.Millisecond)
			}
			// The rows cycle through 0..9ms: a lateness of 10ms keeps them
			// all on time.
			op, err2 := window.NewGroupBy(src, window.Config{
				Keys: []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}, Aggs: countSum(), Assigner: mustAssigner(t, a, err),
				Lateness: 10 * time.Millisecond, Alloc: mem,
			})
			if err2 != nil {
				t.Fatal(err2)
			}
			defer op.Close()
			sc := op.(window.StateCounter)
			b, _ := op.Next(context.Background())
			b.Release()
			if sc.LiveGroups() < 1000 {
				t.Fatalf("live groups = %d, want at least 1000", sc.LiveGroups())
			}
			b, _ = op.Next(context.Background())
			if b.NumRows() < 1000 {
				t.Errorf("closed rows = %d, want at least 1000", b.NumRows())
			}
			b.Release()
			if n := sc.LiveGroups(); n != 1 {
				t.Errorf("live groups after the windows closed = %d, want 1 (the new row)", n)
			}
		})
	}
}

func TestGroupByIdleInputClosesLastWindow(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	src := &jsonSource{mem: mem, schema: bidSchema, batches: []string{`[{"k":"a","v":1,"ROWTIME":5}]`, `[]`, `[]`, `[]`}}
	wm, err := window.NewWatermark(src, 2, 0, time.Second, clock)
	if err != nil {
		t.Fatal(err)
	}
	a, err := window.Tumbling(time.Second, 0)
	op, err := window.NewGroupBy(wm, window.Config{Aggs: countSum(), Assigner: mustAssigner(t, a, err), Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	steps := []struct {
		advance time.Duration
		rows    int64
	}{{0, 0}, {500 * time.Millisecond, 0}, {600 * time.Millisecond, 1}, {500 * time.Millisecond, 0}}
	for i, st := range steps {
		now = now.Add(st.advance)
		b, err := op.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b.NumRows() != st.rows {
			t.Errorf("step %d: %d rows, want %d", i, b.NumRows(), st.rows)
		}
		b.Release()
	}
}

func TestGroupByInputWatermarkAndPartial(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := wmSource{&jsonSource{mem: mem, schema: bidSchema,
		batches: []string{`[{"k":"a","v":1,"ROWTIME":1}]`, `[{"k":"a","v":2,"ROWTIME":12}]`, `[]`},
		wm:      []int64{0, 5, 10}}}
	a, err := window.Tumbling(20*time.Millisecond, 0)
	// A lateness far beyond the rows' spread leaves the input's explicit
	// watermarks in charge of event time.
	op, err := window.NewGroupBy(src, window.Config{
		Keys: []exec.Expr{col{0, arrow.BinaryTypes.String, "k"}}, Aggs: countSum()[:1], Assigner: mustAssigner(t, a, err),
		Lateness: 100 * time.Millisecond, Emit: window.EmitPolicy{Every: 5 * time.Millisecond}, Alloc: mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	got := drain(t, op)
	want := [][]string{{}, {"a|0|20|2|true|20"}, {"a|0|20|2|true|20"}, {"a|0|20|2|false|20"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

// TestKDAExample06 reproduces the two-window strategy output of KDA example
// 06: a late XYZ row forms an extra partial row in the next ROWTIME window.
func TestKDAExample06(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "TICKER_SYMBOL", Type: arrow.BinaryTypes.String},
		{Name: "ARRIVAL_STEP", Type: exec.TimestampType},
		{Name: "ROWTIME", Type: exec.TimestampType},
	}, nil)
	const m0 = 1468947900000 // 2016-07-19 17:05:00
	var rows []string
	add := func(n int, ticker string, rowtime, arrival int64) {
		for range n {
			rows = append(rows, fmt.Sprintf(`{"TICKER_SYMBOL":%q,"ARRIVAL_STEP":%d,"ROWTIME":%d}`, ticker, arrival, rowtime))
		}
	}
	add(10, "ABC", m0-30000, m0-60000)
	add(15, "DEF", m0-20000, m0-60000)
	add(6, "XYZ", m0-10000, m0-60000)
	add(11, "ABC", m0+10000, m0)
	add(11, "DEF", m0+20000, m0)
	add(1, "XYZ", m0+30000, m0-60000) // late-arriving record
	src := &jsonSource{mem: mem, schema: schema, batches: []string{"[" + strings.Join(rows, ",") + "]", `[{"TICKER_SYMBOL":"ABC","ARRIVAL_STEP":0,"ROWTIME":1468948020000}]`}}
	a, err := window.Tumbling(60*time.Second, 0)
	op, err := window.NewGroupBy(src, window.Config{
		Keys: []exec.Expr{col{0, arrow.BinaryTypes.String, "TICKER_SYMBOL"}, col{1, exec.TimestampType, "APPROXIMATE_ARRIVAL_TIME"}},
		Aggs: []exec.AggSpec{{Func: "COUNT", Name: "symbol_count"}}, Assigner: mustAssigner(t, a, err), Alloc: mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	got := flat(drain(t, op))
	// ticker | arrival step | window_start | window_end(=ingest_time step end) | count | ROWTIME
	want := []string{
		"ABC|1468947840000|1468947840000|1468947900000|10|1468947900000",
		"DEF|1468947840000|1468947840000|1468947900000|15|1468947900000",
		"XYZ|1468947840000|1468947840000|1468947900000|6|1468947900000",
		"ABC|1468947900000|1468947900000|1468947960000|11|1468947960000",
		"DEF|1468947900000|1468947900000|1468947960000|11|1468947960000",
		"XYZ|1468947840000|1468947900000|1468947960000|1|1468947960000",
		"ABC|0|1468948020000|1468948080000|1|1468948080000",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got\n%v\nwant\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestKDAExample12 reproduces the stagger window output of KDA example 12.
func TestKDAExample12(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "EVENT_MINUTE", Type: exec.TimestampType},
		{Name: "TICKER_SYMBOL", Type: arrow.BinaryTypes.String},
		{Name: "ROWTIME", Type: exec.TimestampType},
	}, nil)
	const h11 = 1528887600000 // 11:00:00
	s := func(sec int64) int64 { return h11 + sec*1000 }
	in := fmt.Sprintf(`[{"EVENT_MINUTE":%d,"TICKER_SYMBOL":"AMZN","ROWTIME":%d},{"EVENT_MINUTE":%d,"TICKER_SYMBOL":"AMZN","ROWTIME":%d},`+
		`{"EVENT_MINUTE":%d,"TICKER_SYMBOL":"AMZN","ROWTIME":%d},{"EVENT_MINUTE":%d,"TICKER_SYMBOL":"AMZN","ROWTIME":%d}]`,
		s(0), s(20), s(0), s(30), s(0), s(65), s(60), s(75))
	src := &jsonSource{mem: mem, schema: schema, batches: []string{in}}
	a, err := window.Stagger(time.Minute)
	op, err := window.NewGroupBy(src, window.Config{
		Keys:     []exec.Expr{col{0, exec.TimestampType, "EVENT_TIME"}, col{1, arrow.BinaryTypes.String, "TICKER_SYMBOL"}},
		Aggs:     []exec.AggSpec{{Func: "COUNT", Arg: col{1, arrow.BinaryTypes.String, "TICKER_SYMBOL"}, Name: "ticker_count"}},
		Assigner: mustAssigner(t, a, err), Alloc: mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	got := flat(drain(t, op))
	want := []string{
		fmt.Sprintf("%d|AMZN|%d|%d|3|%d", s(0), s(20), s(80), s(80)),
		fmt.Sprintf("%d|AMZN|%d|%d|1|%d", s(60), s(75), s(135), s(135)),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}
