package encode

import (
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestCSVTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range typeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := buildCase(t, mem, tc)
			defer b.Release()
			enc, err := NewCSV(b.Schema(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := enc.Append(nil, b)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(out), lines(tc.csv); got != want {
				t.Fatalf("csv:\ngot  %q\nwant %q", got, want)
			}
		})
	}
}

func TestCSVRecords(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "TS", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	}, nil)
	tests := []struct {
		name    string
		schema  *arrow.Schema // passed to NewCSV
		opts    Options
		batches []string
		want    string
	}{
		{
			name: "header once across batches", schema: schema, opts: Options{Header: true},
			batches: []string{`[{"ID":1,"NAME":"a","TS":"2024-05-01 10:00:00"}]`, `[{"ID":2,"NAME":"b"}]`},
			want:    "ID,NAME,TS\n1,a,2024-05-01T10:00:00.000Z\n2,b,\n",
		},
		{
			name: "header from first batch without schema", opts: Options{Header: true},
			batches: []string{`[{"ID":1}]`},
			want:    "ID,NAME,TS\n1,,\n",
		},
		{
			name: "no header", schema: schema,
			batches: []string{`[{"ID":1,"NAME":"x"}]`},
			want:    "1,x,\n",
		},
		{
			name: "header alone when no rows", schema: schema, opts: Options{Header: true},
			want: "ID,NAME,TS\n",
		},
		{
			name: "header alone after empty batch", schema: schema, opts: Options{Header: true},
			batches: []string{`[]`},
			want:    "ID,NAME,TS\n",
		},
		{
			name: "quotes delimiter quote and newline", schema: schema,
			batches: []string{`[{"ID":1,"NAME":"a,b"},{"ID":2,"NAME":"say \"x\""},{"ID":3,"NAME":"l1\nl2"},{"ID":4,"NAME":"cr\r"}]`},
			want:    "1,\"a,b\",\n2,\"say \"\"x\"\"\",\n3,\"l1\nl2\",\n4,\"cr\r\",\n",
		},
		{
			name: "empty string is quoted, null is empty", schema: schema,
			batches: []string{`[{"ID":null,"NAME":""}]`},
			want:    ",\"\",\n",
		},
		{
			name: "semicolon delimiter", schema: schema, opts: Options{Delimiter: ';', Header: true},
			batches: []string{`[{"ID":1,"NAME":"a;b,c"}]`},
			want:    "ID;NAME;TS\n1;\"a;b,c\";\n",
		},
		{
			name: "tab delimiter", schema: schema, opts: Options{Delimiter: '\t'},
			batches: []string{`[{"ID":1,"NAME":"a\tb"}]`},
			want:    "1\t\"a\tb\"\t\n",
		},
		{
			name: "delimiter that occurs in timestamps quotes them", schema: schema, opts: Options{Delimiter: ':'},
			batches: []string{`[{"ID":1,"NAME":"n","TS":"2024-05-01 10:00:00"}]`},
			want:    "1:n:\"2024-05-01T10:00:00.000Z\"\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			enc, err := NewCSV(tc.schema, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var out []byte
			for _, rows := range tc.batches {
				b := batchFromJSON(t, mem, schema, rows)
				out, err = enc.Append(out, b)
				b.Release()
				if err != nil {
					t.Fatal(err)
				}
			}
			out = enc.Finish(out)
			if got := string(out); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCSVReadsBack(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64},
		{Name: "TEXT", Type: arrow.BinaryTypes.String},
	}, nil)
	texts := []string{"plain", "a,b", `"quoted"`, "multi\nline", " lead", "trail ", "ü東", "x\r\ny", `""`}
	tests := []struct {
		name  string
		delim byte
	}{
		{name: "comma", delim: ','},
		{name: "semicolon", delim: ';'},
		{name: "tab", delim: '\t'},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var rows strings.Builder
			rows.WriteString("[")
			for i, s := range texts {
				if i > 0 {
					rows.WriteString(",")
				}
				rows.WriteString(`{"ID":` + string(rune('0'+i)) + `,"TEXT":` + jsonQuote(s) + `}`)
			}
			rows.WriteString("]")
			b := batchFromJSON(t, mem, schema, rows.String())
			defer b.Release()
			enc, err := NewCSV(schema, Options{Header: true, Delimiter: tc.delim})
			if err != nil {
				t.Fatal(err)
			}
			out, err := enc.Append(nil, b)
			if err != nil {
				t.Fatal(err)
			}
			r := csv.NewReader(strings.NewReader(string(out)))
			r.Comma = rune(tc.delim)
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatalf("read back: %v\n%s", err, out)
			}
			if len(recs) != len(texts)+1 || recs[0][0] != "ID" || recs[0][1] != "TEXT" {
				t.Fatalf("records = %q", recs)
			}
			for i, s := range texts {
				// encoding/csv turns \r\n inside quoted fields into \n.
				want := strings.ReplaceAll(s, "\r\n", "\n")
				if recs[i+1][1] != want {
					t.Errorf("row %d text = %q, want %q", i, recs[i+1][1], want)
				}
			}
		})
	}
}

// jsonQuote quotes s as a JSON string for test fixtures.
func jsonQuote(s string) string { return string(appendJSONString(nil, s)) }

func TestCSVErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		delim byte
	}{
		{name: "quote", delim: '"'},
		{name: "newline", delim: '\n'},
		{name: "carriage return", delim: '\r'},
		{name: "non ascii", delim: 0xe9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewCSV(nil, Options{Delimiter: tc.delim}); !errors.Is(err, ErrFormat) {
				t.Fatalf("NewCSV(delimiter %q) error = %v, want ErrFormat", tc.delim, err)
			}
		})
	}
	t.Run("column count mismatch", func(t *testing.T) {
		t.Parallel()
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		two := arrow.NewSchema([]arrow.Field{{Name: "A", Type: arrow.PrimitiveTypes.Int64}, {Name: "B", Type: arrow.PrimitiveTypes.Int64}}, nil)
		enc, err := NewCSV(two, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b := batchFromJSON(t, mem, oneColumn(arrow.PrimitiveTypes.Int64), `[{"V":1}]`)
		defer b.Release()
		if _, err := enc.Append(nil, b); err == nil {
			t.Fatal("Append of a batch with the wrong column count succeeded")
		}
	})
}

func BenchmarkCSV(b *testing.B) {
	benchEncode(b, func() Encoder {
		enc, err := NewCSV(bidSchema, Options{Header: true})
		if err != nil {
			b.Fatal(err)
		}
		return enc
	})
}
