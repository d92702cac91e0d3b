package encode

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestTableTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range typeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := buildCase(t, mem, tc)
			defer b.Release()
			out, err := NewTable(b.Schema(), Options{}).Append(nil, b)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			if len(got) != len(tc.table)+2 {
				t.Fatalf("table has %d lines, want %d:\n%s", len(got), len(tc.table)+2, out)
			}
			for i, want := range tc.table {
				if cell := strings.Trim(got[i+2], " "); cell != want {
					t.Errorf("row %d = %q, want %q", i, cell, want)
				}
			}
		})
	}
}

var tableSchema = arrow.NewSchema([]arrow.Field{
	{Name: "ID", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "PRICE", Type: &arrow.Decimal128Type{Precision: 8, Scale: 2}, Nullable: true},
	{Name: "TS", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
}, nil)

func TestTableLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		schema  *arrow.Schema // passed to NewTable
		opts    Options
		batches []string
		want    string
	}{
		{
			name: "numbers right text left null shown", schema: tableSchema,
			batches: []string{`[{"ID":1,"NAME":"alice","PRICE":"90.8","TS":"2024-05-01 10:00:00"},{"ID":22,"NAME":null,"PRICE":null,"TS":null}]`},
			want: "" +
				" ID | NAME  | PRICE | TS\n" +
				"----+-------+-------+-------------------------\n" +
				"  1 | alice | 90.80 | 2024-05-01 10:00:00.000\n" +
				" 22 | NULL  |  NULL | NULL\n",
		},
		{
			name:    "names from first batch without schema",
			batches: []string{`[{"ID":5,"NAME":"b"}]`},
			want: "" +
				" ID | NAME | PRICE | TS\n" +
				"----+------+-------+------\n" +
				"  5 | b    |  NULL | NULL\n",
		},
		{
			name: "widths grow and header is reprinted", schema: tableSchema,
			batches: []string{
				`[{"ID":1,"NAME":"al","PRICE":"1"}]`,
				`[{"ID":2,"NAME":"bo","PRICE":"2"}]`,
				`[{"ID":123456,"NAME":"bob","PRICE":"3"}]`,
			},
			want: "" +
				" ID | NAME | PRICE | TS\n" +
				"----+------+-------+------\n" +
				"  1 | al   |  1.00 | NULL\n" +
				"  2 | bo   |  2.00 | NULL\n" +
				"\n" +
				"     ID | NAME | PRICE | TS\n" +
				"--------+------+-------+------\n" +
				" 123456 | bob  |  3.00 | NULL\n",
		},
		{
			name: "header repeats every n rows", schema: tableSchema, opts: Options{RepeatHeader: 2},
			batches: []string{`[{"ID":1},{"ID":2},{"ID":3}]`, `[{"ID":4},{"ID":5}]`},
			want: "" +
				" ID | NAME | PRICE | TS\n" +
				"----+------+-------+------\n" +
				"  1 | NULL |  NULL | NULL\n" +
				"  2 | NULL |  NULL | NULL\n" +
				"\n" +
				" ID | NAME | PRICE | TS\n" +
				"----+------+-------+------\n" +
				"  3 | NULL |  NULL | NULL\n" +
				"  4 | NULL |  NULL | NULL\n" +
				"\n" +
				" ID | NAME | PRICE | TS\n" +
				"----+------+-------+------\n" +
				"  5 | NULL |  NULL | NULL\n",
		},
		{
			name: "wide and combining characters align by display width", schema: tableSchema,
			batches: []string{`[{"ID":1,"NAME":"東京"},{"ID":2,"NAME":"cafe\u0301"},{"ID":3,"NAME":"abcde"}]`},
			want: "" +
				" ID | NAME  | PRICE | TS\n" +
				"----+-------+-------+------\n" +
				"  1 | 東京  |  NULL | NULL\n" +
				"  2 | cafe\u0301  |  NULL | NULL\n" +
				"  3 | abcde |  NULL | NULL\n",
		},
		{
			name: "control characters escaped", schema: tableSchema,
			batches: []string{`[{"ID":1,"NAME":"a\nb\u001b"}]`},
			want: "" +
				" ID | NAME     | PRICE | TS\n" +
				"----+----------+-------+------\n" +
				"  1 | a\\nb\\x1b |  NULL | NULL\n",
		},
		{
			name: "header alone when no rows", schema: tableSchema,
			batches: []string{`[]`},
			want: "" +
				" ID | NAME | PRICE | TS\n" +
				"----+------+-------+----\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			enc := NewTable(tc.schema, tc.opts)
			var out []byte
			for _, rows := range tc.batches {
				b := batchFromJSON(t, mem, tableSchema, rows)
				var err error
				out, err = enc.Append(out, b)
				b.Release()
				if err != nil {
					t.Fatal(err)
				}
			}
			out = enc.Finish(out)
			if got := string(out); got != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestTableColumnMismatch(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := batchFromJSON(t, mem, oneColumn(arrow.PrimitiveTypes.Int64), `[{"V":1}]`)
	defer b.Release()
	if _, err := NewTable(tableSchema, Options{}).Append(nil, b); err == nil {
		t.Fatal("Append of a batch with the wrong column count succeeded")
	}
}

func BenchmarkTable(b *testing.B) {
	benchEncode(b, func() Encoder { return NewTable(bidSchema, Options{RepeatHeader: 40}) })
}
