package encode

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// typeCase is one column type with its input rows and the encodings every
// format must produce, one line per row.
type typeCase struct {
	name  string
	typ   arrow.DataType
	rows  string                // JSON rows for column V
	build func(b array.Builder) // appends values instead of rows
	json  []string              // JSON lines
	csv   []string              // CSV records
	table []string              // table cells, as written (unpadded)
}

// typeCases covers every Arrow type Eddy uses, with NULLs and escaping.
var typeCases = []typeCase{
	{
		name: "bool", typ: arrow.FixedWidthTypes.Boolean,
		rows:  `[{"V":true},{"V":false},{"V":null}]`,
		json:  []string{`{"V":true}`, `{"V":false}`, `{"V":null}`},
		csv:   []string{"true", "false", ""},
		table: []string{"true", "false", "NULL"},
	},
	{
		name: "int8", typ: arrow.PrimitiveTypes.Int8,
		rows:  `[{"V":-128},{"V":127},{"V":null}]`,
		json:  []string{`{"V":-128}`, `{"V":127}`, `{"V":null}`},
		csv:   []string{"-128", "127", ""},
		table: []string{"-128", "127", "NULL"},
	},
	{
		name: "int16", typ: arrow.PrimitiveTypes.Int16,
		rows:  `[{"V":-32768},{"V":0}]`,
		json:  []string{`{"V":-32768}`, `{"V":0}`},
		csv:   []string{"-32768", "0"},
		table: []string{"-32768", "0"},
	},
	{
		name: "int32", typ: arrow.PrimitiveTypes.Int32,
		rows:  `[{"V":2147483647},{"V":null}]`,
		json:  []string{`{"V":2147483647}`, `{"V":null}`},
		csv:   []string{"2147483647", ""},
		table: []string{"2147483647", "NULL"},
	},
	{
		name: "int64", typ: arrow.PrimitiveTypes.Int64,
		rows:  `[{"V":-9223372036854775808},{"V":9223372036854775807},{"V":42}]`,
		json:  []string{`{"V":-9223372036854775808}`, `{"V":9223372036854775807}`, `{"V":42}`},
		csv:   []string{"-9223372036854775808", "9223372036854775807", "42"},
		table: []string{"-9223372036854775808", "9223372036854775807", "42"},
	},
	{
		name: "uint64", typ: arrow.PrimitiveTypes.Uint64,
		rows:  `[{"V":18446744073709551615}]`,
		json:  []string{`{"V":18446744073709551615}`},
		csv:   []string{"18446744073709551615"},
		table: []string{"18446744073709551615"},
	},
	{
		name: "float32 shortest", typ: arrow.PrimitiveTypes.Float32,
		rows:  `[{"V":0.1},{"V":-2.5},{"V":1e30},{"V":null}]`,
		json:  []string{`{"V":0.1}`, `{"V":-2.5}`, `{"V":1e+30}`, `{"V":null}`},
		csv:   []string{"0.1", "-2.5", "1e+30", ""},
		table: []string{"0.1", "-2.5", "1e+30", "NULL"},
	},
	{
		name: "float16", typ: arrow.FixedWidthTypes.Float16,
		rows:  `[{"V":1.5},{"V":null}]`,
		json:  []string{`{"V":1.5}`, `{"V":null}`},
		csv:   []string{"1.5", ""},
		table: []string{"1.5", "NULL"},
	},
	{
		name: "float64 shortest and exponents", typ: arrow.PrimitiveTypes.Float64,
		rows:  `[{"V":0.1},{"V":90.8},{"V":1e21},{"V":1e-7},{"V":0.000001},{"V":0},{"V":123456789012}]`,
		json:  []string{`{"V":0.1}`, `{"V":90.8}`, `{"V":1e+21}`, `{"V":1e-7}`, `{"V":0.000001}`, `{"V":0}`, `{"V":123456789012}`},
		csv:   []string{"0.1", "90.8", "1e+21", "1e-7", "0.000001", "0", "123456789012"},
		table: []string{"0.1", "90.8", "1e+21", "1e-7", "0.000001", "0", "123456789012"},
	},
	{
		name: "float64 nan and infinities", typ: arrow.PrimitiveTypes.Float64,
		build: func(b array.Builder) {
			fb := b.(*array.Float64Builder)
			fb.AppendValues([]float64{math.NaN(), math.Inf(1), math.Inf(-1)}, nil)
			fb.AppendNull()
		},
		json:  []string{`{"V":null}`, `{"V":null}`, `{"V":null}`, `{"V":null}`},
		csv:   []string{"NaN", "Infinity", "-Infinity", ""},
		table: []string{"NaN", "Infinity", "-Infinity", "NULL"},
	},
	{
		name: "decimal128 exact scale", typ: &arrow.Decimal128Type{Precision: 10, Scale: 3},
		rows:  `[{"V":"90.8"},{"V":"-0.5"},{"V":"0"},{"V":"1234567.001"},{"V":null}]`,
		json:  []string{`{"V":90.800}`, `{"V":-0.500}`, `{"V":0.000}`, `{"V":1234567.001}`, `{"V":null}`},
		csv:   []string{"90.800", "-0.500", "0.000", "1234567.001", ""},
		table: []string{"90.800", "-0.500", "0.000", "1234567.001", "NULL"},
	},
	{
		name: "decimal128 beyond int64", typ: &arrow.Decimal128Type{Precision: 38, Scale: 2},
		build: func(b array.Builder) {
			n, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
			b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(n))
			b.(*array.Decimal128Builder).Append(decimal128.FromI64(5))
		},
		json:  []string{`{"V":-1234567890123456789012345678.90}`, `{"V":0.05}`},
		csv:   []string{"-1234567890123456789012345678.90", "0.05"},
		table: []string{"-1234567890123456789012345678.90", "0.05"},
	},
	{
		name: "decimal128 scale zero", typ: &arrow.Decimal128Type{Precision: 5, Scale: 0},
		rows:  `[{"V":"12"},{"V":"-7"}]`,
		json:  []string{`{"V":12}`, `{"V":-7}`},
		csv:   []string{"12", "-7"},
		table: []string{"12", "-7"},
	},
	{
		name: "utf8 escaping", typ: arrow.BinaryTypes.String,
		rows: `[{"V":"plain"},{"V":"say \"hi\", ok"},{"V":"back\\slash"},{"V":"line\nbreak\ttab\r"},{"V":"\u0001\u001f"},{"V":"été 東京"},{"V":""},{"V":null}]`,
		json: []string{`{"V":"plain"}`, `{"V":"say \"hi\", ok"}`, `{"V":"back\\slash"}`, `{"V":"line\nbreak\ttab\r"}`,
			`{"V":"\u0001\u001f"}`, `{"V":"été 東京"}`, `{"V":""}`, `{"V":null}`},
		csv:   []string{"plain", `"say ""hi"", ok"`, `back\slash`, "\"line\nbreak\ttab\r\"", "\x01\x1f", "été 東京", `""`, ""},
		table: []string{"plain", `say "hi", ok`, `back\slash`, `line\nbreak\ttab\r`, `\x01\x1f`, "été 東京", "", "NULL"},
	},
	{
		name: "utf8 invalid bytes replaced", typ: arrow.BinaryTypes.String,
		build: func(b array.Builder) {
			b.(*array.StringBuilder).Append("a\xffb\xc3")
		},
		json:  []string{"{\"V\":\"a\uFFFDb\uFFFD\"}"},
		csv:   []string{"a\uFFFDb\uFFFD"},
		table: []string{"a\uFFFDb\uFFFD"},
	},
	{
		name: "large utf8", typ: arrow.BinaryTypes.LargeString,
		rows:  `[{"V":"x\"y"}]`,
		json:  []string{`{"V":"x\"y"}`},
		csv:   []string{`"x""y"`},
		table: []string{`x"y`},
	},
	{
		name: "timestamp ms", typ: &arrow.TimestampType{Unit: arrow.Millisecond},
		rows: `[{"V":"2024-05-01 10:00:00"},{"V":"2024-05-01 10:00:00.123"},{"V":"1969-12-31 23:59:59.999"},{"V":"2000-02-29 00:00:00"},{"V":null}]`,
		json: []string{`{"V":"2024-05-01T10:00:00.000Z"}`, `{"V":"2024-05-01T10:00:00.123Z"}`,
			`{"V":"1969-12-31T23:59:59.999Z"}`, `{"V":"2000-02-29T00:00:00.000Z"}`, `{"V":null}`},
		csv: []string{"2024-05-01T10:00:00.000Z", "2024-05-01T10:00:00.123Z", "1969-12-31T23:59:59.999Z", "2000-02-29T00:00:00.000Z", ""},
		table: []string{"2024-05-01 10:00:00.000", "2024-05-01 10:00:00.123", "1969-12-31 23:59:59.999",
			"2000-02-29 00:00:00.000", "NULL"},
	},
	{
		name: "timestamp us", typ: &arrow.TimestampType{Unit: arrow.Microsecond},
		rows:  `[{"V":"2024-05-01 10:00:00.000001"}]`,
		json:  []string{`{"V":"2024-05-01T10:00:00.000001Z"}`},
		csv:   []string{"2024-05-01T10:00:00.000001Z"},
		table: []string{"2024-05-01 10:00:00.000001"},
	},
	{
		name: "date32", typ: arrow.FixedWidthTypes.Date32,
		rows:  `[{"V":"2024-05-01"},{"V":"1970-01-01"},{"V":"1969-12-31"},{"V":null}]`,
		json:  []string{`{"V":"2024-05-01"}`, `{"V":"1970-01-01"}`, `{"V":"1969-12-31"}`, `{"V":null}`},
		csv:   []string{"2024-05-01", "1970-01-01", "1969-12-31", ""},
		table: []string{"2024-05-01", "1970-01-01", "1969-12-31", "NULL"},
	},
	{
		name: "time32 ms", typ: arrow.FixedWidthTypes.Time32ms,
		rows:  `[{"V":"10:00:00.500"},{"V":"00:00:00"},{"V":"23:59:59.999"},{"V":null}]`,
		json:  []string{`{"V":"10:00:00.500"}`, `{"V":"00:00:00.000"}`, `{"V":"23:59:59.999"}`, `{"V":null}`},
		csv:   []string{"10:00:00.500", "00:00:00.000", "23:59:59.999", ""},
		table: []string{"10:00:00.500", "00:00:00.000", "23:59:59.999", "NULL"},
	},
	{
		name: "duration ms", typ: arrow.FixedWidthTypes.Duration_ms,
		rows:  `[{"V":1500},{"V":-20},{"V":null}]`,
		json:  []string{`{"V":1500}`, `{"V":-20}`, `{"V":null}`},
		csv:   []string{"1500", "-20", ""},
		table: []string{"1500", "-20", "NULL"},
	},
	{
		name: "duration us as ms", typ: arrow.FixedWidthTypes.Duration_us,
		rows:  `[{"V":1500},{"V":-2}]`,
		json:  []string{`{"V":1.500}`, `{"V":-0.002}`},
		csv:   []string{"1.500", "-0.002"},
		table: []string{"1.500", "-0.002"},
	},
	{
		name: "duration s as ms", typ: arrow.FixedWidthTypes.Duration_s,
		rows:  `[{"V":2},{"V":0}]`,
		json:  []string{`{"V":2000}`, `{"V":0}`},
		csv:   []string{"2000", "0"},
		table: []string{"2000", "0"},
	},
	{
		name: "month interval", typ: arrow.FixedWidthTypes.MonthInterval,
		rows:  `[{"V":{"months":14}}]`,
		json:  []string{`{"V":14}`},
		csv:   []string{"14"},
		table: []string{"14"},
	},
	{
		name: "list falls back to text", typ: arrow.ListOf(arrow.PrimitiveTypes.Int64),
		rows:  `[{"V":[1,2]},{"V":null}]`,
		json:  []string{`{"V":"[1,2]"}`, `{"V":null}`},
		csv:   []string{`"[1,2]"`, ""},
		table: []string{"[1,2]", "NULL"},
	},
	{
		name: "binary base64", typ: arrow.BinaryTypes.Binary,
		rows:  `[{"V":"aGVsbG8="},{"V":""},{"V":null}]`,
		json:  []string{`{"V":"aGVsbG8="}`, `{"V":""}`, `{"V":null}`},
		csv:   []string{"aGVsbG8=", `""`, ""},
		table: []string{"aGVsbG8=", "", "NULL"},
	},
}

// buildCase returns the batch of a type case; the caller releases it.
func buildCase(t testing.TB, mem memory.Allocator, tc typeCase) arrow.RecordBatch {
	t.Helper()
	schema := oneColumn(tc.typ)
	if tc.build == nil {
		return batchFromJSON(t, mem, schema, tc.rows)
	}
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	tc.build(rb.Field(0))
	return rb.NewRecordBatch()
}

func lines(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return strings.Join(ss, "\n") + "\n"
}

func TestJSONTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range typeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := buildCase(t, mem, tc)
			defer b.Release()
			out, err := NewJSON().Append(nil, b)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(out), lines(tc.json); got != want {
				t.Fatalf("json:\ngot  %q\nwant %q", got, want)
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
				if !json.Valid([]byte(line)) {
					t.Errorf("invalid json line %q", line)
				}
			}
			for i, want := range tc.json {
				if got := RowJSON(b, i); got != want {
					t.Errorf("RowJSON(%d) = %q, want %q", i, got, want)
				}
			}
		})
	}
}

func TestJSONRows(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64},
		{Name: "na\"me", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "PRICE", Type: &arrow.Decimal128Type{Precision: 6, Scale: 2}, Nullable: true},
	}, nil)
	tests := []struct {
		name  string
		rows  string
		want  string
		row   int
		rowJS string
	}{
		{
			name: "keys in schema order and escaped",
			rows: `[{"ID":1,"na\"me":"a","PRICE":"1.5"},{"ID":2,"na\"me":null,"PRICE":null}]`,
			want: "{\"ID\":1,\"na\\\"me\":\"a\",\"PRICE\":1.50}\n{\"ID\":2,\"na\\\"me\":null,\"PRICE\":null}\n",
			row:  1, rowJS: `{"ID":2,"na\"me":null,"PRICE":null}`,
		},
		{name: "empty batch", rows: `[]`, want: "", row: 0, rowJS: ""},
		{name: "row out of range", rows: `[{"ID":1}]`, want: "{\"ID\":1,\"na\\\"me\":null,\"PRICE\":null}\n", row: 5, rowJS: ""},
		{name: "negative row", rows: `[{"ID":1}]`, want: "{\"ID\":1,\"na\\\"me\":null,\"PRICE\":null}\n", row: -1, rowJS: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := batchFromJSON(t, mem, schema, tc.rows)
			defer b.Release()
			enc := NewJSON()
			out, err := enc.Append(nil, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(enc.Finish(out)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if got := RowJSON(b, tc.row); got != tc.rowJS {
				t.Fatalf("RowJSON(%d) = %q, want %q", tc.row, got, tc.rowJS)
			}
		})
	}
}

func TestJSONAppendsToDst(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := oneColumn(arrow.PrimitiveTypes.Int64)
	enc := NewJSON()
	var out []byte
	for _, rows := range []string{`[{"V":1}]`, `[{"V":2},{"V":3}]`} {
		b := batchFromJSON(t, mem, schema, rows)
		var err error
		out, err = enc.Append(out, b)
		b.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := "{\"V\":1}\n{\"V\":2}\n{\"V\":3}\n"; string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}

func BenchmarkJSON(b *testing.B) {
	benchEncode(b, NewJSON)
}

func BenchmarkRowJSON(b *testing.B) {
	mem := memory.NewGoAllocator()
	batch := bidBatch(mem, 1024)
	defer batch.Release()
	b.ReportAllocs()
	var events int64
	for b.Loop() {
		_ = RowJSON(batch, int(events%1024))
		events++
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
