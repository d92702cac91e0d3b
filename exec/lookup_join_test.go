package exec

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var (
	probeSchema = arrow.NewSchema([]arrow.Field{
		{Name: "K", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "S", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "V", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	refSchema = arrow.NewSchema([]arrow.Field{
		{Name: "RK", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "RS", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "LIMIT", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
)

const refRows = `[
 {"RK":1,"RS":"a","NAME":"one","LIMIT":10},
 {"RK":2,"RS":"b","NAME":"two","LIMIT":20},
 {"RK":2,"RS":"c","NAME":"two again","LIMIT":5},
 {"RK":null,"RS":"n","NAME":"null key","LIMIT":0},
 {"RK":3,"RS":null,"NAME":"three","LIMIT":30}]`

// staticHandle returns a handle loaded with the JSON rows, indexed on keySets.
func staticHandle(t *testing.T, mem memory.Allocator, rows string, keySets ...[]int) *TableHandle {
	t.Helper()
	h := NewTableHandle("REF", refSchema, TableLoader{Load: func(context.Context) (*LookupTable, error) {
		rec, _, err := array.RecordFromJSON(mem, refSchema, strings.NewReader(rows))
		if err != nil {
			return nil, err
		}
		return NewLookupTable(rec, keySets, "v1")
	}})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLookupJoin(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	k := Column(0, "K", arrow.PrimitiveTypes.Int64)
	s := Column(1, "S", arrow.BinaryTypes.String)
	cases := []struct {
		name      string
		left      bool
		keys      []Expr
		tableKeys []int
		residual  func() (Expr, error)
		batches   []string
		want      []string
	}{
		{
			name: "inner int key drops unmatched and null keys",
			keys: []Expr{k}, tableKeys: []int{0},
			batches: []string{`[{"K":1,"S":"x","V":1},{"K":9,"S":"y","V":2},{"K":null,"S":"z","V":3},{"K":3,"S":"w","V":4}]`},
			want: []string{
				`{"K":1,"S":"x","V":1,"RK":1,"RS":"a","NAME":"one","LIMIT":10}`,
				`{"K":3,"S":"w","V":4,"RK":3,"RS":null,"NAME":"three","LIMIT":30}`,
			},
		},
		{
			name: "left keeps unmatched and null keys with nulls",
			left: true, keys: []Expr{k}, tableKeys: []int{0},
			batches: []string{`[{"K":9,"S":"y","V":2},{"K":null,"S":"z","V":3},{"K":1,"S":"x","V":1}]`},
			want: []string{
				`{"K":9,"S":"y","V":2,"RK":null,"RS":null,"NAME":null,"LIMIT":null}`,
				`{"K":null,"S":"z","V":3,"RK":null,"RS":null,"NAME":null,"LIMIT":null}`,
				`{"K":1,"S":"x","V":1,"RK":1,"RS":"a","NAME":"one","LIMIT":10}`,
			},
		},
		{
			name: "several matches give several rows in table order",
			left: true, keys: []Expr{k}, tableKeys: []int{0},
			batches: []string{`[{"K":2,"S":"x","V":1},{"K":1,"S":"y","V":2}]`},
			want: []string{
				`{"K":2,"S":"x","V":1,"RK":2,"RS":"b","NAME":"two","LIMIT":20}`,
				`{"K":2,"S":"x","V":1,"RK":2,"RS":"c","NAME":"two again","LIMIT":5}`,
				`{"K":1,"S":"y","V":2,"RK":1,"RS":"a","NAME":"one","LIMIT":10}`,
			},
		},
		{
			name: "string key",
			keys: []Expr{s}, tableKeys: []int{1},
			batches: []string{`[{"K":0,"S":"c","V":1},{"K":0,"S":"n","V":2},{"K":0,"S":null,"V":3},{"K":0,"S":"q","V":4}]`},
			want: []string{
				`{"K":0,"S":"c","V":1,"RK":2,"RS":"c","NAME":"two again","LIMIT":5}`,
				`{"K":0,"S":"n","V":2,"RK":null,"RS":"n","NAME":"null key","LIMIT":0}`,
			},
		},
		{
			name: "several keys must all match; a null in any never matches",
			left: true, keys: []Expr{k, s}, tableKeys: []int{0, 1},
			batches: []string{`[{"K":2,"S":"c","V":1},{"K":2,"S":"a","V":2},{"K":3,"S":null,"V":3}]`},
			want: []string{
				`{"K":2,"S":"c","V":1,"RK":2,"RS":"c","NAME":"two again","LIMIT":5}`,
				`{"K":2,"S":"a","V":2,"RK":null,"RS":null,"NAME":null,"LIMIT":null}`,
				`{"K":3,"S":null,"V":3,"RK":null,"RS":null,"NAME":null,"LIMIT":null}`,
			},
		},
		{
			name: "residual in a left join turns failed pairs into an unmatched row",
			left: true, keys: []Expr{k}, tableKeys: []int{0},
			residual: func() (Expr, error) {
				return fns.Bind("less", Column(2, "V", arrow.PrimitiveTypes.Int64), Column(6, "LIMIT", arrow.PrimitiveTypes.Int64))
			},
			batches: []string{`[{"K":2,"S":"x","V":7},{"K":1,"S":"y","V":50},{"K":2,"S":"z","V":1}]`},
			want: []string{
				`{"K":2,"S":"x","V":7,"RK":2,"RS":"b","NAME":"two","LIMIT":20}`,
				`{"K":1,"S":"y","V":50,"RK":null,"RS":null,"NAME":null,"LIMIT":null}`,
				`{"K":2,"S":"z","V":1,"RK":2,"RS":"b","NAME":"two","LIMIT":20}`,
				`{"K":2,"S":"z","V":1,"RK":2,"RS":"c","NAME":"two again","LIMIT":5}`,
			},
		},
		{
			name: "residual in an inner join filters pairs",
			keys: []Expr{k}, tableKeys: []int{0},
			residual: func() (Expr, error) {
				return fns.Bind("less", Column(2, "V", arrow.PrimitiveTypes.Int64), Column(6, "LIMIT", arrow.PrimitiveTypes.Int64))
			},
			batches: []string{`[{"K":2,"S":"x","V":7},{"K":1,"S":"y","V":50}]`},
			want:    []string{`{"K":2,"S":"x","V":7,"RK":2,"RS":"b","NAME":"two","LIMIT":20}`},
		},
		{
			name: "empty and fully unmatched batches",
			keys: []Expr{k}, tableKeys: []int{0},
			batches: []string{`[]`, `[{"K":8,"S":"x","V":7}]`, `[{"K":1,"S":"y","V":5}]`},
			want:    []string{`{"K":1,"S":"y","V":5,"RK":1,"RS":"a","NAME":"one","LIMIT":10}`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			h := staticHandle(t, mem, refRows, tc.tableKeys)
			cfg := LookupJoinConfig{Table: h, Left: tc.left, Keys: tc.keys, TableKeys: tc.tableKeys}
			if tc.residual != nil {
				var err error
				if cfg.Residual, err = tc.residual(); err != nil {
					t.Fatal(err)
				}
			}
			in := &sliceOp{schema: probeSchema, batches: batchesFromJSON(t, mem, probeSchema, tc.batches...)}
			j, err := NewLookupJoin(Env{Alloc: mem}, in, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := drainRows(t, j)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestLookupJoinSwapsVersionsBetweenBatches(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	contents := []string{`[{"RK":1,"RS":"a","NAME":"old","LIMIT":1}]`, `[{"RK":1,"RS":"a","NAME":"new","LIMIT":1}]`}
	fail := false
	loads := 0
	h := NewTableHandle("REF", refSchema, TableLoader{Load: func(context.Context) (*LookupTable, error) {
		if fail {
			return nil, errors.New("object gone")
		}
		rec, _, err := array.RecordFromJSON(mem, refSchema, strings.NewReader(contents[min(loads, 1)]))
		loads++
		if err != nil {
			return nil, err
		}
		return NewLookupTable(rec, [][]int{{0}}, "")
	}})
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	in := &sliceOp{schema: probeSchema, batches: batchesFromJSON(t, mem, probeSchema,
		`[{"K":1,"S":"x","V":1}]`, `[{"K":1,"S":"x","V":2}]`, `[{"K":1,"S":"x","V":3}]`)}
	j, err := NewLookupJoin(Env{Alloc: mem}, in, LookupJoinConfig{Table: h, Keys: []Expr{Column(0, "K", arrow.PrimitiveTypes.Int64)}, TableKeys: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	next := func() string {
		b, err := j.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer b.Release()
		return b.Column(5).(*array.String).Value(0)
	}
	if got := next(); got != "old" {
		t.Fatalf("first batch joined %q, want old", got)
	}
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "new" {
		t.Fatalf("after refresh joined %q, want new", got)
	}
	fail = true
	if err := h.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "table REF: object gone") {
		t.Fatalf("failed reload: err = %v", err)
	}
	if got := next(); got != "new" {
		t.Fatalf("after a failed reload joined %q, want the kept version", got)
	}
	if ok, failed := h.Reloads(); ok != 2 || failed != 1 {
		t.Errorf("reloads = %d ok, %d failed; want 2, 1", ok, failed)
	}
}

func TestLookupJoinForwardsPartitions(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	h := staticHandle(t, mem, refRows, []int{0})
	in := &partedOp{sliceOp: sliceOp{schema: probeSchema, batches: batchesFromJSON(t, mem, probeSchema, `[{"K":1,"S":"x","V":1}]`)}}
	j, err := NewLookupJoin(Env{Alloc: mem}, in, LookupJoinConfig{Table: h, Keys: []Expr{Column(0, "K", arrow.PrimitiveTypes.Int64)}, TableKeys: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	b, err := j.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b.Release()
	if o := OriginOf(j); o != 7 {
		t.Errorf("origin = %d, want 7", o)
	}
	if p := PartitionsOf(j); len(p) != 1 || p[0].Name != "p7" || !p[0].Backlog {
		t.Errorf("partitions = %+v", p)
	}
	if w := j.(Watermarker).Watermark(); w != 42 {
		t.Errorf("watermark = %d, want 42", w)
	}
}

// partedOp is a sliceOp with one partition of origin 7 and a watermark.
type partedOp struct{ sliceOp }

func (p *partedOp) Origin() Origin { return 7 }
func (p *partedOp) Partitions() []Partition {
	return []Partition{{Origin: 7, Name: "p7", Backlog: true, Watermark: NoWatermark, Lag: -1}}
}
func (p *partedOp) Watermark() int64 { return 42 }
