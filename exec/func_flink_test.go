package exec

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestFlinkFunctions(t *testing.T) {
	t.Parallel()
	f64 := arrow.PrimitiveTypes.Float64
	consts := func(vals ...any) func([]Expr) []Expr {
		return func(c []Expr) []Expr {
			out := []Expr{c[0]}
			for _, v := range vals {
				switch x := v.(type) {
				case string:
					out = append(out, lit(t, x, str))
				case int:
					out = append(out, lit(t, int64(x), i64))
				}
			}
			return out
		}
	}
	runExprCases(t, []exprCase{
		{name: "json_value scalar kinds", fn: "json_value", cols: []fixture{{str, `["{\"a\":[1,\"t\\u00e9\",true,null,{}]}"]`}}, args: consts("$.a[1]"), want: `["té"]`},
		{name: "json_value null and container are NULL", fn: "json_value", cols: []fixture{{str, `["{\"a\":null,\"b\":{}}", "{\"a\":{}}"]`}}, args: consts("$.a"), want: `[null, null]`},
		{name: "json_value bad json is NULL", fn: "json_value", cols: []fixture{{str, `["{\"a\":1", "x", null]`}}, args: consts("$.a"), want: `[null, null, null]`},
		{name: "json_query container", fn: "json_query", cols: []fixture{{str, `["{\"a\":{\"b\":[1, 2]}}", "{\"a\":1}"]`}}, args: consts("$['a'].b"), want: `["[1, 2]", null]`},
		{name: "md5", fn: "md5", cols: []fixture{{str, `["", null]`}}, want: `["d41d8cd98f00b204e9800998ecf8427e", null]`},
		{name: "sha256", fn: "sha256", cols: []fixture{{str, `["abc"]`}}, want: `["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"]`},
		{name: "repeat", fn: "repeat", cols: []fixture{{str, `["ab", "ab", null]`}}, args: consts(3), want: `["ababab", "ababab", null]`},
		{name: "repeat too long is a row error", fn: "repeat", cols: []fixture{{str, `["abcd", null]`}}, args: consts(1 << 23), want: `[null, null]`, errRows: []int{0}},
		{name: "overlay", fn: "overlay", cols: []fixture{{str, `["abcdef", "ab"]`}}, args: consts("XY", 3, 1), want: `["abXYdef", "abXY"]`},
		{name: "overlay bad position", fn: "overlay", cols: []fixture{{str, `["abc"]`}}, args: consts("X", 0), want: `[null]`, errRows: []int{0}},
		{name: "truncate double", fn: "truncate", cols: []fixture{{f64, `[1.999, -1.999, 0.29, null]`}}, args: consts(2), want: `[1.99, -1.99, 0.29, null]`},
		{name: "truncate integer negative digits", fn: "truncate", cols: []fixture{{i64, `[1999, -1999]`}}, args: consts(-2), want: `[1900, -1900]`},
		{name: "regexp_replace lookahead on regexp2", fn: "regexp_replace", cols: []fixture{{str, `["price 10 USD 20 EUR"]`}}, args: consts(`\d+(?= USD)`, "#"), want: `["price # USD 20 EUR"]`},
	})
}

func TestRandSeeded(t *testing.T) {
	t.Parallel()
	mem := checkedMem(t)
	fns := DefaultFunctions()
	run := func(sizes ...int) []float64 {
		e, err := fns.Bind("rand", lit(t, int64(42), i64))
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		ec := &EvalContext{Alloc: mem}
		for _, n := range sizes {
			bt := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, int64(n))
			arr, err := e.Eval(ec, bt)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, arr.(*array.Float64).Float64Values()...)
			arr.Release()
			bt.Release()
		}
		return out
	}
	a, b := run(5), run(2, 3)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("RAND(42) depends on batch boundaries: %v vs %v", a, b)
	}
	for _, x := range a {
		if x < 0 || x >= 1 {
			t.Fatalf("RAND out of [0, 1): %v", x)
		}
	}
	if a[0] == a[1] {
		t.Fatalf("RAND(42) repeats: %v", a)
	}
}

// BenchmarkFlinkFunctions runs the Flink family over string and number
// columns.
func BenchmarkFlinkFunctions(b *testing.B) {
	fns := DefaultFunctions()
	jsonRows := func(mem memory.Allocator, n, off int) arrow.RecordBatch {
		bld := array.NewStringBuilder(mem)
		defer bld.Release()
		for i := 0; i < n; i++ {
			bld.Append(fmt.Sprintf(`{"id":%d,"user":{"name":"u%d","tags":["a","b"]},"ok":true}`, off+i, (off+i)%97))
		}
		return benchBatch(n, bld.NewArray())
	}
	floats := func(mem memory.Allocator, n, off int) arrow.RecordBatch {
		bld := array.NewFloat64Builder(mem)
		defer bld.Release()
		for i := 0; i < n; i++ {
			bld.Append(float64(off+i) / 7)
		}
		return benchBatch(n, bld.NewArray())
	}
	cases := []struct {
		name string
		bind func() (Expr, error)
		gen  func(memory.Allocator, int, int) arrow.RecordBatch
	}{
		{"json_value", func() (Expr, error) { return fns.Bind("json_value", Column(0, "s", str), lit(b, "$.user.name", str)) }, jsonRows},
		{"json_query", func() (Expr, error) { return fns.Bind("json_query", Column(0, "s", str), lit(b, "$.user.tags", str)) }, jsonRows},
		{"md5", func() (Expr, error) { return fns.Bind("md5", Column(0, "s", str)) }, benchWords},
		{"sha256", func() (Expr, error) { return fns.Bind("sha256", Column(0, "s", str)) }, benchWords},
		{"repeat", func() (Expr, error) { return fns.Bind("repeat", Column(0, "s", str), lit(b, int64(3), i64)) }, benchWords},
		{"overlay", func() (Expr, error) {
			return fns.Bind("overlay", Column(0, "s", str), lit(b, "XY", str), lit(b, int64(2), i64))
		}, benchWords},
		{"regexp_replace_re2", func() (Expr, error) {
			return fns.Bind("regexp_replace", Column(0, "s", str), lit(b, "[aeiou]", str), lit(b, "_", str))
		}, benchWords},
		{"regexp_replace_regexp2", func() (Expr, error) {
			return fns.Bind("regexp_replace", Column(0, "s", str), lit(b, "[aeiou](?=[a-z])", str), lit(b, "_", str))
		}, benchWords},
		{"truncate", func() (Expr, error) {
			return fns.Bind("truncate", Column(0, "d", arrow.PrimitiveTypes.Float64), lit(b, int64(2), i64))
		}, floats},
		{"rand_seeded", func() (Expr, error) { return fns.Bind("rand", lit(b, int64(1), i64)) }, floats},
		{"uuid", func() (Expr, error) { return fns.Bind("uuid") }, floats},
	}
	for _, tc := range cases {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/batch=%d", tc.name, size), func(b *testing.B) {
				e, err := tc.bind()
				if err != nil {
					b.Fatal(err)
				}
				benchExpr(b, e, size, tc.gen)
			})
		}
	}
}
