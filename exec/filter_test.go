package exec

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var abSchema = arrow.NewSchema([]arrow.Field{
	{Name: "A", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "B", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

func TestFilter(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	cases := []struct {
		name    string
		pred    func() (Expr, error)
		batches []string
		want    []string
		errors  []string // ERROR_NAME of reported rows
	}{
		{
			name: "keeps true rows and drops false and null",
			pred: func() (Expr, error) {
				lit, _ := Literal(int64(1), arrow.PrimitiveTypes.Int64)
				return fns.Bind("greater", Column(0, "A", arrow.PrimitiveTypes.Int64), lit)
			},
			batches: []string{`[{"A":1,"B":1},{"A":2,"B":2},{"A":null,"B":3},{"A":5,"B":4}]`},
			want:    []string{`{"A":2,"B":2}`, `{"A":5,"B":4}`},
		},
		{
			name: "skips batches with no passing rows",
			pred: func() (Expr, error) {
				lit, _ := Literal(int64(100), arrow.PrimitiveTypes.Int64)
				return fns.Bind("greater", Column(0, "A", arrow.PrimitiveTypes.Int64), lit)
			},
			batches: []string{`[{"A":1,"B":1}]`, `[{"A":200,"B":2}]`},
			want:    []string{`{"A":200,"B":2}`},
		},
		{
			name: "a row failing at run time goes to the error sink",
			pred: func() (Expr, error) {
				div, err := fns.Bind("divide", Column(0, "A", arrow.PrimitiveTypes.Int64), Column(1, "B", arrow.PrimitiveTypes.Int64))
				if err != nil {
					return nil, err
				}
				zero, _ := Literal(int64(0), arrow.PrimitiveTypes.Int64)
				return fns.Bind("greater", div, zero)
			},
			batches: []string{`[{"A":4,"B":2},{"A":1,"B":0},{"A":9,"B":3}]`},
			want:    []string{`{"A":4,"B":2}`, `{"A":9,"B":3}`},
			errors:  []string{"DIVIDE_BY_ZERO"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			pred, err := tc.pred()
			if err != nil {
				t.Fatal(err)
			}
			errs := &collectErrors{}
			in := &sliceOp{schema: abSchema, batches: batchesFromJSON(t, mem, abSchema, tc.batches...)}
			f, err := NewFilter(Env{Alloc: mem, Errors: errs, Pump: "P"}, in, pred)
			if err != nil {
				t.Fatal(err)
			}
			got := drainRows(t, f)
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			var names []string
			for _, r := range errs.recs {
				names = append(names, r.Name)
				if r.Pump != "P" || r.DataRow == "" {
					t.Errorf("error record lacks pump or row: %+v", r)
				}
			}
			if strings.Join(names, ",") != strings.Join(tc.errors, ",") {
				t.Errorf("errors %v, want %v", names, tc.errors)
			}
		})
	}
}

func TestFilterRejectsNonBoolean(t *testing.T) {
	t.Parallel()
	_, err := NewFilter(Env{}, &sliceOp{schema: abSchema}, Column(0, "A", arrow.PrimitiveTypes.Int64))
	if err == nil || !strings.Contains(err.Error(), "not BOOLEAN") {
		t.Fatalf("err = %v", err)
	}
}

func TestProject(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fns := DefaultFunctions()
	sum, err := fns.Bind("add", Column(0, "A", arrow.PrimitiveTypes.Int64), Column(1, "B", arrow.PrimitiveTypes.Int64))
	if err != nil {
		t.Fatal(err)
	}
	div, err := fns.Bind("divide", Column(0, "A", arrow.PrimitiveTypes.Int64), Column(1, "B", arrow.PrimitiveTypes.Int64))
	if err != nil {
		t.Fatal(err)
	}
	errs := &collectErrors{}
	in := &sliceOp{schema: abSchema, batches: batchesFromJSON(t, mem, abSchema,
		`[{"A":4,"B":2},{"A":1,"B":0},{"A":null,"B":3}]`)}
	p, err := NewProject(Env{Alloc: mem, Errors: errs}, in, []Expr{sum, div}, []string{"S", "Q"})
	if err != nil {
		t.Fatal(err)
	}
	got := drainRows(t, p)
	p.Close()
	want := []string{`{"S":6,"Q":2}`, `{"S":null,"Q":null}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(errs.recs) != 1 || errs.recs[0].Name != "DIVIDE_BY_ZERO" || errs.recs[0].DataRow != `{"A":1,"B":0}` {
		t.Errorf("errors = %+v", errs.recs)
	}
	if !in.closed {
		t.Error("Close did not close the input")
	}
}
