package exec

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// checkedMem returns an allocator that fails the test if anything is left
// allocated when it ends.
func checkedMem(t *testing.T) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// fixture is one input column: its type and values as a JSON array.
type fixture struct {
	typ  arrow.DataType
	json string
}

// batchOf builds a batch from JSON columns named c0, c1, …
func batchOf(t *testing.T, mem memory.Allocator, cols ...fixture) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	n := int64(-1)
	for i, c := range cols {
		fields[i] = arrow.Field{Name: "c" + string(rune('0'+i)), Type: c.typ, Nullable: true}
		a, _, err := array.FromJSON(mem, c.typ, strings.NewReader(c.json))
		if err != nil {
			for _, b := range arrs[:i] {
				b.Release()
			}
			t.Fatalf("column %d: %v", i, err)
		}
		arrs[i] = a
		n = int64(a.Len())
	}
	if n < 0 {
		n = 1
	}
	b := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, n)
	for _, a := range arrs {
		a.Release()
	}
	return b
}

// evalJSON evaluates e and returns its result as JSON and the rows that
// failed.
func evalJSON(t *testing.T, mem memory.Allocator, e Expr, batch arrow.RecordBatch) (string, []int) {
	t.Helper()
	ec := &EvalContext{Alloc: mem}
	arr, err := e.Eval(ec, batch)
	if err != nil {
		t.Fatalf("eval %s: %v", e, err)
	}
	defer arr.Release()
	if arr.Len() != int(batch.NumRows()) {
		t.Fatalf("eval %s: %d rows, want %d", e, arr.Len(), batch.NumRows())
	}
	if !arrow.TypeEqual(arr.DataType(), e.DataType()) {
		t.Fatalf("eval %s: type %s, want %s", e, arr.DataType(), e.DataType())
	}
	if v, ok := arr.(interface{ ValidateFull() error }); ok {
		if err := v.ValidateFull(); err != nil {
			t.Fatalf("eval %s: invalid array: %v", e, err)
		}
	}
	b, err := json.Marshal(arr)
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for _, re := range ec.TakeRowErrors() {
		rows = append(rows, re.Row)
	}
	return string(b), rows
}

// sameJSON compares two JSON texts by value.
func sameJSON(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("bad JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad JSON %q: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// exprCase is one table-driven expression test: a call bound against the
// default library over a batch, its JSON result and the rows that failed.
type exprCase struct {
	name    string
	fn      string
	cols    []fixture
	args    func(cols []Expr) []Expr // nil: every column in order
	want    string
	errRows []int
	str     string // the expected String(), when set
}

func lit(t testing.TB, v any, typ arrow.DataType) Expr {
	t.Helper()
	e, err := Literal(v, typ)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func runExprCases(t *testing.T, cases []exprCase) {
	t.Helper()
	fns := DefaultFunctions()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := checkedMem(t)
			batch := batchOf(t, mem, tc.cols...)
			defer batch.Release()
			cols := make([]Expr, len(tc.cols))
			for i, c := range tc.cols {
				cols[i] = Column(i, "c"+string(rune('0'+i)), c.typ)
			}
			args := cols
			if tc.args != nil {
				args = tc.args(cols)
			}
			e, err := fns.Bind(tc.fn, args...)
			if err != nil {
				t.Fatalf("bind: %v", err)
			}
			if tc.str != "" && e.String() != tc.str {
				t.Errorf("String() = %q, want %q", e.String(), tc.str)
			}
			got, rows := evalJSON(t, mem, e, batch)
			if !sameJSON(t, got, tc.want) {
				t.Errorf("%s = %s, want %s", e, got, tc.want)
			}
			if !reflect.DeepEqual(rows, tc.errRows) {
				t.Errorf("%s: row errors at %v, want %v", e, rows, tc.errRows)
			}
		})
	}
}

// benchRows is how many rows each benchmark iteration evaluates.
const benchRows = 1 << 20

// benchExpr evaluates e over benchRows rows split into batches of
// batchSize rows built by gen, and reports rows per second as events/s.
func benchExpr(b *testing.B, e Expr, batchSize int, gen func(mem memory.Allocator, n, offset int) arrow.RecordBatch) {
	b.Helper()
	mem := memory.NewGoAllocator()
	var batches []arrow.RecordBatch
	for off := 0; off < benchRows; off += batchSize {
		batches = append(batches, gen(mem, batchSize, off))
	}
	defer func() {
		for _, bt := range batches {
			bt.Release()
		}
	}()
	ec := &EvalContext{Alloc: mem}
	b.ReportAllocs()
	b.ResetTimer()
	events := 0
	for b.Loop() {
		for _, bt := range batches {
			arr, err := e.Eval(ec, bt)
			if err != nil {
				b.Fatal(err)
			}
			arr.Release()
			events += int(bt.NumRows())
		}
		if errs := ec.TakeRowErrors(); len(errs) > 0 {
			b.Fatalf("%d row errors", len(errs))
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// benchBatch wraps columns into a batch.
func benchBatch(n int, cols ...arrow.Array) arrow.RecordBatch {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: "c" + string(rune('0'+i)), Type: c.DataType(), Nullable: true}
	}
	bt := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return bt
}

var benchSizes = []int{4096, 65536}
