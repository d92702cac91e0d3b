package codec

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// ingested is what an Ingest made of an input: the rows (ID|NAME) and the
// rejects (line:data).
type ingested struct {
	rows    []string
	rejects []string
	errs    []error
}

// ingestAll feeds input to a fresh Ingest one byte at a time or all at
// once, ends it with End or, when broken is set, with Break(broken),
// and drains it in batches of batch rows.
func ingestAll(t testing.TB, opts map[string]string, input string, oneByte bool, batch int, broken error) ingested {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out ingested
	env := sources.Env{
		Stream: "S", Alloc: mem,
		Schema: sources.WithSystemColumns(arrow.NewSchema([]arrow.Field{
			field("ID", arrow.PrimitiveTypes.Int64), field("NAME", arrow.BinaryTypes.String),
		}, nil)),
		Reject: func(b sources.BadRecord) {
			if b.Origin != "in" || b.Partition != "p" {
				t.Errorf("reject names %q/%q, want in/p", b.Origin, b.Partition)
			}
			out.rejects = append(out.rejects, fmt.Sprintf("%d:%s", b.Offset, b.Data))
			out.errs = append(out.errs, b.Err)
		},
	}
	o, err := sources.Validate(opts, Options(), true)
	if err != nil {
		t.Fatal(err)
	}
	in, err := NewIngest(env, o, batch)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Release()
	in.Start("in", "p")
	flush := func() {
		rec := in.Flush()
		defer rec.Release()
		if int(rec.NumRows()) > batch {
			t.Fatalf("batch of %d rows, limit %d", rec.NumRows(), batch)
		}
		id, name := rec.Column(0).(*array.Int64), rec.Column(1).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			n := "NULL"
			if name.IsValid(i) {
				n = name.Value(i)
			}
			out.rows = append(out.rows, id.ValueStr(i)+"|"+n)
		}
	}
	drain := func() {
		for {
			in.Drain(time.UnixMilli(0), batch)
			if in.Len() < batch {
				return
			}
			flush()
		}
	}
	var r io.Reader = strings.NewReader(input)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	for {
		_, err := in.Framer().Fill(r)
		drain()
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if broken != nil {
		in.Break(broken)
	} else {
		in.End()
	}
	drain()
	flush()
	if !in.Done() {
		t.Fatal("Ingest not done after draining an ended input")
	}
	return out
}

func goodRows(from, to int) (csv string, rows []string) {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%d,n%d\n", i, i)
		rows = append(rows, fmt.Sprintf("%d|n%d", i, i))
	}
	return b.String(), rows
}

func TestIngestContainsBadInput(t *testing.T) {
	t.Parallel()
	before, rowsBefore := goodRows(1, 49)
	after, rowsAfter := goodRows(51, 100)
	all := append(append([]string(nil), rowsBefore...), rowsAfter...)
	csv := map[string]string{"format": "csv"}
	tests := []struct {
		name        string
		opts        map[string]string
		in          string
		broken      error
		wantRows    []string
		wantRejects []string
		wantErr     error
	}{
		{
			name: "stray quote in 99 good rows", opts: csv,
			in:       before + "50,\"oops\n" + after,
			wantRows: all, wantRejects: []string{"50:50,\"oops"}, wantErr: ErrSyntax,
		},
		{
			name: "quote that never closes at the end", opts: csv,
			in:       before + "50,\"never closes\n51,n51\n52,n52",
			wantRows: append(append([]string(nil), rowsBefore...), "51|n51", "52|n52"), wantRejects: []string{"50:50,\"never closes"}, wantErr: ErrSyntax,
		},
		{
			name: "stray quote closed by a later quote", opts: csv,
			in:       before + "50,\"oops\n" + after + "101,\"x\"y\n",
			wantRows: all, wantRejects: []string{"50:50,\"oops", "101:101,\"x\"y"}, wantErr: ErrSyntax,
		},
		{
			name: "stray quote closed right at a delimiter is cut at its span", opts: csv,
			in:       "1,\"a\n" + strings.Repeat("2,x\n", MaxQuotedSpan/4) + "3\",z\n4,d\n",
			wantRows: append(append([]string{}, repeat("2|x", MaxQuotedSpan/4)...), "4|d"), wantRejects: []string{"1:1,\"a", fmt.Sprintf("%d:3\",z", MaxQuotedSpan/4+2)}, wantErr: ErrSyntax,
		},
		{
			name: "quote in an ignored column keeps the row", opts: csv,
			in:       "1,a,\"junk\n2,b\n3,c,\"ok\"\n",
			wantRows: []string{"1|a", "2|b", "3|c"},
		},
		{
			name: "quoted newline within a field is kept", opts: csv,
			in:       "1,\"a\nb\"\n2,c\n",
			wantRows: []string{"1|a\nb", "2|c"},
		},
		{
			name: "header then stray quote", opts: map[string]string{"format": "csv", "header": "true"},
			in:       "id,\"name\n1,a\n2,b\n",
			wantRows: []string{"1|a", "2|b"},
		},
		{
			name: "quote inside an unquoted field is text", opts: csv,
			in:       "1,a\"b\n2,c\n",
			wantRows: []string{"1|a\"b", "2|c"},
		},
		{
			name: "json bad lines are rejected one by one", opts: map[string]string{},
			in:       "{\"id\": 1}\n{\"id\": \"x\n{\"id\": 3, \"name\": \"c\"}\n{\"id\": 4}\n",
			wantRows: []string{"1|NULL", "3|c", "4|NULL"}, wantRejects: []string{"2:{\"id\": \"x"}, wantErr: ErrSyntax,
		},
		{
			name: "break keeps the lines before it", opts: map[string]string{},
			in: "{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3, \"na", broken: io.ErrUnexpectedEOF,
			wantRows: []string{"1|NULL", "2|NULL"}, wantRejects: []string{"3:{\"id\": 3, \"na"}, wantErr: io.ErrUnexpectedEOF,
		},
		{
			name: "break at a line end", opts: map[string]string{},
			in: "{\"id\": 1}\n", broken: io.ErrUnexpectedEOF,
			wantRows: []string{"1|NULL"}, wantRejects: []string{"2:"}, wantErr: io.ErrUnexpectedEOF,
		},
		{
			name: "break inside an open quote keeps the complete lines", opts: csv,
			in: "1,a\n2,\"b\n3,c\n4,d", broken: io.ErrUnexpectedEOF,
			wantRows: []string{"1|a", "3|c"}, wantRejects: []string{"2:2,\"b", "4:4,d"}, wantErr: ErrSyntax,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, oneByte := range []bool{false, true} {
				for _, batch := range []int{1, 7, 8192} {
					got := ingestAll(t, tc.opts, tc.in, oneByte, batch, tc.broken)
					if !reflect.DeepEqual(got.rows, tc.wantRows) {
						t.Fatalf("one byte reads %v, batch %d: rows = %q, want %q", oneByte, batch, got.rows, tc.wantRows)
					}
					if !reflect.DeepEqual(got.rejects, tc.wantRejects) {
						t.Fatalf("one byte reads %v, batch %d: rejects = %q, want %q", oneByte, batch, got.rejects, tc.wantRejects)
					}
					if len(got.errs) > 0 && !errors.Is(got.errs[0], tc.wantErr) {
						t.Fatalf("reject error %v, want %v", got.errs[0], tc.wantErr)
					}
				}
			}
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
