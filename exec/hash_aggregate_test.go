package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// aggTestCol is a test-only column reference.
type aggTestCol struct {
	idx int
	dt  arrow.DataType
}

func (c aggTestCol) DataType() arrow.DataType { return c.dt }
func (c aggTestCol) String() string           { return fmt.Sprintf("$%d", c.idx) }
func (c aggTestCol) Eval(_ *EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	a := b.Column(c.idx)
	a.Retain()
	return a, nil
}

// aggTestSource returns one batch per JSON literal.
type aggTestSource struct {
	mem     memory.Allocator
	schema  *arrow.Schema
	batches []string
}

func (s *aggTestSource) Schema() *arrow.Schema { return s.schema }
func (s *aggTestSource) Next(context.Context) (arrow.RecordBatch, error) {
	if len(s.batches) == 0 {
		return nil, io.EOF
	}
	b, _, err := array.RecordFromJSON(s.mem, s.schema, strings.NewReader(s.batches[0]))
	s.batches = s.batches[1:]
	return b, err
}
func (s *aggTestSource) Close() error { return nil }

func TestHashAggregate(t *testing.T) {
	t.Parallel()
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "d", Type: dec, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	batches := []string{
		`[{"k":"a","i":1,"f":1.5,"d":"1.25","s":"x","n":1},{"k":null,"i":2,"f":2,"d":"2.00","s":"y","n":2},{"k":"a","i":3,"f":null,"d":null,"s":"w","n":1}]`,
		`[{"k":"b","i":null,"f":4,"d":"3.10","s":null,"n":3},{"k":"a","i":5,"f":2.5,"d":"0.75","s":"z","n":1},{"k":null,"i":6,"f":1,"d":"1.00","s":"a","n":null}]`,
	}
	i := aggTestCol{1, arrow.PrimitiveTypes.Int64}
	f := aggTestCol{2, arrow.PrimitiveTypes.Float64}
	d := aggTestCol{3, dec}
	s := aggTestCol{4, arrow.BinaryTypes.String}
	n := aggTestCol{5, arrow.PrimitiveTypes.Int32}
	cases := []struct {
		name string
		keys []Expr
		agg  AggSpec
		want string // per group in first-seen order: "key=value"
	}{
		{"count star", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "count"}, "a=3 (null)=2 b=1"},
		{"count skips nulls", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "COUNT", Arg: i}, "a=3 (null)=2 b=0"},
		{"count distinct", nil, AggSpec{Func: "COUNT", Arg: n, Distinct: true}, "=3"},
		{"sum ints", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "SUM", Arg: i}, "a=9 (null)=8 b=(null)"},
		{"sum floats", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "SUM", Arg: f}, "a=4 (null)=3 b=4"},
		{"sum decimals", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "SUM", Arg: d}, "a=2 (null)=3 b=3.1"},
		{"avg ints", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "AVG", Arg: i}, "a=3 (null)=4 b=(null)"},
		{"avg decimals", nil, AggSpec{Func: "AVG", Arg: d}, "=1.62"},
		{"min strings", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "MIN", Arg: s}, "a=w (null)=a b=(null)"},
		{"max ints by int32 key", []Expr{n}, AggSpec{Func: "MAX", Arg: i}, "1=5 2=2 3=(null) (null)=6"},
		{"max decimal", nil, AggSpec{Func: "MAX", Arg: d}, "=3.1"},
		{"var samp", nil, AggSpec{Func: "VAR_SAMP", Arg: i}, "=4.300000000000001"},
		{"stddev pop", nil, AggSpec{Func: "STDDEV_POP", Arg: f}, "=1.0295630140987"},
		{"first value", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "FIRST_VALUE", Arg: s}, "a=x (null)=y b=(null)"},
		{"last value ignore nulls", []Expr{aggTestCol{0, arrow.BinaryTypes.String}}, AggSpec{Func: "LAST_VALUE", Arg: f, IgnoreNulls: true}, "a=2.5 (null)=1 b=4"},
		{"composite keys", []Expr{aggTestCol{0, arrow.BinaryTypes.String}, n}, AggSpec{Func: "COUNT"}, "a,1=3 (null),2=1 b,3=1 (null),(null)=1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tc.agg.Name = "x"
			op, err := NewHashAggregate(&aggTestSource{mem: mem, schema: schema, batches: batches},
				HashAggregateConfig{Keys: tc.keys, Aggs: []AggSpec{tc.agg}, Alloc: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer op.Close()
			b, err := op.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			if _, err := op.Next(context.Background()); !errors.Is(err, io.EOF) {
				t.Fatalf("second Next: %v, want io.EOF", err)
			}
			var got []string
			nk := len(tc.keys)
			for r := range int(b.NumRows()) {
				var ks []string
				for j := range nk {
					ks = append(ks, b.Column(j).ValueStr(r))
				}
				got = append(got, strings.Join(ks, ",")+"="+b.Column(nk).ValueStr(r))
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got %q, want %q", g, tc.want)
			}
		})
	}
}

func TestSumOverflow(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64}}, nil)
	op, err := NewHashAggregate(&aggTestSource{mem: mem, schema: schema, batches: []string{`[{"i":9223372036854775807},{"i":1}]`}},
		HashAggregateConfig{Aggs: []AggSpec{{Func: "SUM", Arg: aggTestCol{0, arrow.PrimitiveTypes.Int64}, Name: "s"}}, Alloc: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if _, err := op.Next(context.Background()); !errors.Is(err, ErrAggregateOverflow) {
		t.Errorf("err = %v, want ErrAggregateOverflow", err)
	}
}

func TestHashAggregatorMergeAndDelete(t *testing.T) {
	t.Parallel()
	for _, dt := range []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String} {
		t.Run(dt.String(), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: dt, Nullable: true}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
			k := `1`
			if dt.ID() == arrow.STRING {
				k = `"1"`
			}
			b, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"k":`+k+`,"v":1},{"k":null,"v":2},{"k":`+k+`,"v":3}]`))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			specs := []AggSpec{{Func: "SUM", Arg: aggTestCol{1, arrow.PrimitiveTypes.Int64}}, {Func: "FIRST_VALUE", Arg: aggTestCol{1, arrow.PrimitiveTypes.Int64}}}
			h1, _ := NewHashAggregator([]arrow.DataType{dt}, specs)
			h2, _ := NewHashAggregator([]arrow.DataType{dt}, specs)
			ec := &EvalContext{Alloc: mem}
			for _, h := range []*HashAggregator{h1, h2} {
				if err := AggregateBatch(ec, h, []Expr{aggTestCol{0, dt}}, specs, b, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := h1.Merge(h2); err != nil {
				t.Fatal(err)
			}
			keys, aggs, err := h1.Build(mem)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(keys[0], aggs[0], aggs[1])
			releaseAll(keys)
			releaseAll(aggs)
			if want := "[1 (null)] [8 4] [1 2]"; got != want && got != `["1" (null)] [8 4] [1 2]` {
				t.Errorf("got %s, want %s", got, want)
			}
			h1.Delete([]uint32{0, 1})
			if h1.Len() != 0 {
				t.Errorf("Len after delete = %d", h1.Len())
			}
		})
	}
}
