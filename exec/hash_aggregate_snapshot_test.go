package exec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var stateTestSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

var stateTestBatches = []string{
	`[{"k":"a","n":1,"i":1,"f":1.5,"d":"1.25","s":"x","b":true},{"k":null,"n":2,"i":2,"f":2,"d":"2.00","s":"y","b":false},{"k":"a","n":1,"i":3,"f":null,"d":null,"s":"w","b":null}]`,
	`[{"k":"b","n":null,"i":null,"f":4,"d":"3.10","s":null,"b":true},{"k":"c","n":3,"i":5,"f":2.5,"d":"0.75","s":"z","b":false},{"k":null,"n":null,"i":6,"f":1,"d":"1.00","s":"a","b":true}]`,
	`[{"k":"d","n":4,"i":7,"f":0.5,"d":"9.99","s":"q","b":false},{"k":"a","n":1,"i":-2,"f":3,"d":"-1.00","s":"x","b":false}]`,
}

// stateTestSpecs uses every accumulator kind.
func stateTestSpecs() []AggSpec {
	i := aggTestCol{2, arrow.PrimitiveTypes.Int64}
	f := aggTestCol{3, arrow.PrimitiveTypes.Float64}
	d := aggTestCol{4, stateTestSchema.Field(4).Type}
	s := aggTestCol{5, arrow.BinaryTypes.String}
	b := aggTestCol{6, arrow.FixedWidthTypes.Boolean}
	return []AggSpec{
		{Func: "COUNT"}, {Func: "COUNT", Arg: i}, {Func: "COUNT", Arg: s, Distinct: true},
		{Func: "SUM", Arg: i}, {Func: "SUM", Arg: f}, {Func: "SUM", Arg: d},
		{Func: "AVG", Arg: i}, {Func: "AVG", Arg: d},
		{Func: "MIN", Arg: i}, {Func: "MAX", Arg: f}, {Func: "MIN", Arg: d}, {Func: "MAX", Arg: s}, {Func: "MIN", Arg: b},
		{Func: "VAR_SAMP", Arg: f}, {Func: "STDDEV_POP", Arg: i},
		{Func: "FIRST_VALUE", Arg: s}, {Func: "LAST_VALUE", Arg: i, IgnoreNulls: true}, {Func: "FIRST_VALUE", Arg: d},
	}
}

func foldJSON(t *testing.T, mem memory.Allocator, h *HashAggregator, keys []Expr, js string) {
	t.Helper()
	b, _, err := array.RecordFromJSON(mem, stateTestSchema, strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if err := AggregateBatch(&EvalContext{Alloc: mem}, h, keys, stateTestSpecs(), b, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func buildString(t *testing.T, mem memory.Allocator, h *HashAggregator) string {
	t.Helper()
	keys, aggs, err := h.Build(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseAll(keys)
	defer releaseAll(aggs)
	return fmt.Sprint(keys, aggs)
}

func TestHashAggregatorStateRoundTrip(t *testing.T) {
	t.Parallel()
	k := aggTestCol{0, arrow.BinaryTypes.String}
	n := aggTestCol{1, arrow.PrimitiveTypes.Int32}
	cases := []struct {
		name   string
		keys   []Expr
		delete []uint32
	}{
		{"no keys", nil, nil},
		{"string key with null", []Expr{k}, nil},
		{"int key with deleted groups", []Expr{n}, []uint32{0, 2}},
		{"composite key with deleted groups", []Expr{k, n}, []uint32{1, 3}},
		{"string key all deleted", []Expr{k}, []uint32{0, 1, 2, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var types []arrow.DataType
			for _, e := range tc.keys {
				types = append(types, e.DataType())
			}
			h1, err := NewHashAggregator(types, stateTestSpecs())
			if err != nil {
				t.Fatal(err)
			}
			foldJSON(t, mem, h1, tc.keys, stateTestBatches[0])
			foldJSON(t, mem, h1, tc.keys, stateTestBatches[1])
			h1.Delete(tc.delete)

			cols, free, err := h1.StateColumns(mem)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cols {
				if !arrow.TypeEqual(c.DataType(), h1.StateTypes()[i]) {
					t.Errorf("state column %d is %s, StateTypes says %s", i, c.DataType(), h1.StateTypes()[i])
				}
			}
			h2, _ := NewHashAggregator(types, stateTestSpecs())
			err = h2.LoadStateColumns(cols, h1.Len(), free)
			releaseAll(cols)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := buildString(t, mem, h2), buildString(t, mem, h1); got != want {
				t.Fatalf("restored:\n%s\nwant\n%s", got, want)
			}
			if h1.SizeBytes() != h2.SizeBytes() && len(tc.delete) == 0 {
				t.Logf("SizeBytes %d vs %d (capacities may differ)", h2.SizeBytes(), h1.SizeBytes())
			}
			// Ids and free ids come back as they were: new groups land
			// in the same places, so both build in the same order.
			foldJSON(t, mem, h1, tc.keys, stateTestBatches[2])
			foldJSON(t, mem, h2, tc.keys, stateTestBatches[2])
			if got, want := buildString(t, mem, h2), buildString(t, mem, h1); got != want {
				t.Fatalf("after more rows:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestLoadStateRejectsMismatches(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	types := []arrow.DataType{arrow.BinaryTypes.String}
	keys := []Expr{aggTestCol{0, arrow.BinaryTypes.String}}
	h, _ := NewHashAggregator(types, stateTestSpecs())
	foldJSON(t, mem, h, keys, stateTestBatches[0])
	cols, free, err := h.StateColumns(mem)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseAll(cols)
	dupKeys, _, _ := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["a","a"]`))
	defer dupKeys.Release()
	int64s, _, _ := array.FromJSON(mem, arrow.PrimitiveTypes.Int64, strings.NewReader(`[1,2]`))
	defer int64s.Release()
	swap := func(i int, a arrow.Array) []arrow.Array {
		c := append([]arrow.Array(nil), cols...)
		c[i] = a
		return c
	}
	cases := []struct {
		name string
		cols []arrow.Array
		rows int
		free []uint32
	}{
		{"too few columns", cols[:3], 2, free},
		{"too many columns", append(append([]arrow.Array(nil), cols...), int64s), 2, free},
		{"wrong key type", swap(0, int64s), 2, free},
		{"wrong state type", swap(4, dupKeys), 2, free},
		{"wrong row count", cols, 3, free},
		{"duplicate keys", swap(0, dupKeys), 2, free},
		{"free id out of range", cols, 2, []uint32{7}},
		{"repeated free id", cols, 2, []uint32{2, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h2, _ := NewHashAggregator(types, stateTestSpecs())
			if err := h2.LoadStateColumns(tc.cols, tc.rows, tc.free); !errors.Is(err, ErrAggState) {
				t.Errorf("LoadStateColumns = %v, want ErrAggState", err)
			}
			if h2.Len() != 0 || h2.Table().Cap() != 0 {
				t.Errorf("aggregator not left empty: %d groups", h2.Len())
			}
		})
	}
}

func TestValidateArrayRejectsBadBuffers(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, _, _ := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["ab","c"]`))
	defer s.Release()
	i, _, _ := array.FromJSON(mem, arrow.PrimitiveTypes.Int64, strings.NewReader(`[1,2,3]`))
	defer i.Release()
	if err := ValidateArray(s); err != nil {
		t.Fatalf("valid string array: %v", err)
	}
	if err := ValidateArray(i); err != nil {
		t.Fatalf("valid int array: %v", err)
	}
	bufs := s.Data().Buffers()
	// Offsets 0, 50, 3: out of bounds in the middle, in order at the end.
	offs := memory.NewBufferBytes(arrow.Int32Traits.CastToBytes([]int32{0, 50, 3}))
	badOffs := array.NewData(arrow.BinaryTypes.String, 2, []*memory.Buffer{nil, offs, bufs[2]}, nil, 0, 0)
	defer badOffs.Release()
	short := array.NewData(arrow.PrimitiveTypes.Int64, 5, i.Data().Buffers(), nil, 0, 0)
	defer short.Release()
	cases := []struct {
		name string
		data arrow.ArrayData
	}{
		{"string offsets out of bounds", badOffs},
		{"values shorter than length", short},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						// Arrow refuses to make the array at all: fine too.
						err = ErrAggState
					}
				}()
				a := array.MakeFromData(tc.data)
				defer a.Release()
				err = ValidateArray(a)
			}()
			if !errors.Is(err, ErrAggState) {
				t.Errorf("ValidateArray = %v, want ErrAggState", err)
			}
		})
	}
}

func TestSizeBytesFollowsStrings(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	keys := []Expr{aggTestCol{0, arrow.BinaryTypes.String}}
	h, _ := NewHashAggregator([]arrow.DataType{arrow.BinaryTypes.String}, stateTestSpecs())
	foldJSON(t, mem, h, keys, stateTestBatches[1])
	h.Reset()
	base := h.SizeBytes() // capacities stay; the strings are gone
	for range 3 {
		foldJSON(t, mem, h, keys, stateTestBatches[1])
	}
	if h.SizeBytes() <= base {
		t.Errorf("SizeBytes %d did not grow from %d", h.SizeBytes(), base)
	}
	h.Reset()
	if h.SizeBytes() != base {
		t.Errorf("SizeBytes after Reset = %d, want %d", h.SizeBytes(), base)
	}
}
