package encode

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// batchFromJSON builds a batch from JSON rows; the caller releases it.
func batchFromJSON(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(rows))
	if err != nil {
		t.Fatalf("batch from json: %v", err)
	}
	return rec
}

// oneColumn returns a schema of a single nullable column V of type typ.
func oneColumn(typ arrow.DataType) *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{{Name: "V", Type: typ, Nullable: true}}, nil)
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    Format
		wantErr bool
	}{
		{name: "json", in: "json", want: JSON},
		{name: "csv upper case", in: "CSV", want: CSV},
		{name: "table with spaces", in: " table ", want: Table},
		{name: "unknown", in: "xml", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFormat(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("ParseFormat(%q) error = %v, want ErrFormat", tc.in, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseFormat(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{{Name: "A", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tests := []struct {
		name    string
		format  Format
		opts    Options
		want    string
		wantErr bool
	}{
		{name: "json", format: JSON, want: "{\"A\":7}\n"},
		{name: "csv with header", format: CSV, opts: Options{Header: true}, want: "A\n7\n"},
		{name: "table", format: Table, want: " A\n---\n 7\n"},
		{name: "bad csv delimiter", format: CSV, opts: Options{Delimiter: '"'}, wantErr: true},
		{name: "unknown format", format: "yaml", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			enc, err := New(tc.format, schema, tc.opts)
			if tc.wantErr {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("New error = %v, want ErrFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b := batchFromJSON(t, mem, schema, `[{"A":7}]`)
			defer b.Release()
			out, err := enc.Append(nil, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(enc.Finish(out)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// bidSchema is shaped like a Nexmark bid: 3 int64, 3 strings, 1 timestamp.
var bidSchema = arrow.NewSchema([]arrow.Field{
	{Name: "AUCTION", Type: arrow.PrimitiveTypes.Int64},
	{Name: "BIDDER", Type: arrow.PrimitiveTypes.Int64},
	{Name: "PRICE", Type: arrow.PrimitiveTypes.Int64},
	{Name: "CHANNEL", Type: arrow.BinaryTypes.String},
	{Name: "URL", Type: arrow.BinaryTypes.String},
	{Name: "EXTRA", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "DATE_TIME", Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
}, nil)

// bidBatch builds n Nexmark-like bids; the caller releases the batch.
func bidBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	rb := array.NewRecordBuilder(mem, bidSchema)
	defer rb.Release()
	channels := []string{"Google", "Facebook", "Baidu", "Apple"}
	base := int64(1714557600000)
	for i := 0; i < n; i++ {
		rb.Field(0).(*array.Int64Builder).Append(int64(1000 + i%97))
		rb.Field(1).(*array.Int64Builder).Append(int64(2000 + i*7%1013))
		rb.Field(2).(*array.Int64Builder).Append(int64(100 + i*31%100000))
		rb.Field(3).(*array.StringBuilder).Append(channels[i%len(channels)])
		rb.Field(4).(*array.StringBuilder).Append("https://www.nexmark.com/item.htm?query=1&channel_id=" + channels[i%len(channels)])
		if i%5 == 0 {
			rb.Field(5).(*array.StringBuilder).AppendNull()
		} else {
			rb.Field(5).(*array.StringBuilder).Append("extra \"note\" for bid")
		}
		rb.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(base + int64(i)*3))
	}
	return rb.NewRecordBatch()
}

// benchEncode encodes bid batches of each size with the encoder mk makes.
func benchEncode(b *testing.B, mk func() Encoder) {
	for _, size := range []int{256, 4096} {
		b.Run(fmt.Sprintf("rows=%d", size), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			batch := bidBatch(mem, size)
			defer batch.Release()
			enc := mk()
			buf, err := enc.Append(nil, batch)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var events, bytes int64
			for b.Loop() {
				buf, err = enc.Append(buf[:0], batch)
				if err != nil {
					b.Fatal(err)
				}
				events += int64(size)
				bytes += int64(len(buf))
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(bytes)/b.Elapsed().Seconds(), "bytes/s")
		})
	}
}

func TestParseDelimiter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    byte
		wantErr bool
	}{
		{name: "default comma", in: "", want: ','},
		{name: "semicolon", in: ";", want: ';'},
		{name: "tab word", in: "tab", want: '\t'},
		{name: "tab escape", in: `\t`, want: '\t'},
		{name: "pipe", in: "|", want: '|'},
		{name: "two characters", in: ",,", wantErr: true},
		{name: "quote", in: `"`, wantErr: true},
		{name: "non ascii", in: "§", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDelimiter(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("ParseDelimiter(%q) error = %v, want ErrFormat", tc.in, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseDelimiter(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
