package codec

import (
	"errors"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

func TestCSV(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{
		field("ID", arrow.PrimitiveTypes.Int64),
		field("NAME", arrow.BinaryTypes.String, MetaLength, "5"),
		field("PRICE", arrow.PrimitiveTypes.Float64),
		field("OK", arrow.FixedWidthTypes.Boolean),
		field("AT", sources.TimestampType),
	}, nil)
	tests := []struct {
		name    string
		delim   byte
		quote   byte
		rec     string
		want    []string
		wantErr string
	}{
		{name: "all fields", rec: "1,abc,2.5,true,2024-05-01 10:00:00", want: []string{"1", "abc", "2.5", "true", "2024-05-01T10:00:00"}},
		{name: "prefix of columns", rec: "1,abc", want: []string{"1", "abc", "NULL", "NULL", "NULL"}},
		{name: "extra fields ignored", rec: `1,a,1,false,1000,extra,"x`, want: []string{"1", "a", "1", "false", "1970-01-01T00:00:01"}},
		{name: "empty unquoted is null but empty string", rec: ",,,,", want: []string{"NULL", "", "NULL", "NULL", "NULL"}},
		{name: "quoted fields", rec: `"7","a,""b""",3,TRUE,`, want: []string{"7", `a,"b"`, "3", "true", "NULL"}},
		{name: "quoted newline", rec: "1,\"a\nb\"", want: []string{"1", "a\nb", "NULL", "NULL", "NULL"}},
		{name: "truncated string", rec: "1,abcdefgh", want: []string{"1", "abcde", "NULL", "NULL", "NULL"}},
		{name: "spaces around numbers", rec: " 1 ,x, 2.5 ", want: []string{"1", "x", "2.5", "NULL", "NULL"}},
		{name: "tab delimiter", delim: '\t', rec: "1\tx,y\t3", want: []string{"1", "x,y", "3", "NULL", "NULL"}},
		{name: "quoting off", quote: 1, rec: `"1",x`, wantErr: `codec: column ID: cannot read "\"1\"" as BIGINT`},
		{name: "bad number", rec: "x,y", wantErr: `codec: column ID: cannot read "x" as BIGINT`},
		{name: "quoted empty number", rec: `"",y`, wantErr: `codec: column ID: cannot read "" as BIGINT`},
		{name: "bad timestamp", rec: "1,a,1,true,noon", wantErr: `codec: column AT: cannot read "noon" as TIMESTAMP`},
		{name: "unterminated quote", rec: `1,"abc`, wantErr: "codec: malformed CSV at byte 2: unterminated quoted field"},
		{name: "text after quote", rec: `1,"abc"d,3`, wantErr: "codec: malformed CSV at byte 7: text after a closing quote"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			delim, quote := byte(','), byte('"')
			if tc.delim != 0 {
				delim = tc.delim
			}
			if tc.quote == 1 {
				quote = 0
			}
			d, err := NewCSV(schema, delim, quote)
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := decodeRows(t, schema, d, tc.rec, "9")
			if errs[1] != nil {
				t.Fatalf("good record after: %v", errs[1])
			}
			if tc.wantErr != "" {
				if errs[0] == nil || errs[0].Error() != tc.wantErr {
					t.Fatalf("error = %v, want %s", errs[0], tc.wantErr)
				}
				if !errors.Is(errs[0], ErrCoerce) && !errors.Is(errs[0], ErrSyntax) {
					t.Fatalf("error %v is neither ErrCoerce nor ErrSyntax", errs[0])
				}
				return
			}
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			if !reflect.DeepEqual(rows[0], tc.want) {
				t.Fatalf("row = %q, want %q", rows[0], tc.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{field("A", arrow.PrimitiveTypes.Int64), field("B", arrow.BinaryTypes.String)}, nil)
	tests := []struct {
		name    string
		raw     map[string]string
		rec     string
		want    []string
		wantErr bool
	}{
		{name: "default json", raw: map[string]string{}, rec: `{"a": 1, "b": "x"}`, want: []string{"1", "x"}},
		{name: "json mapping", raw: map[string]string{"mapping": "A=$.x.y, b=$.z"}, rec: `{"x": {"y": 2}, "z": "q"}`, want: []string{"2", "q"}},
		{name: "csv", raw: map[string]string{"format": "CSV"}, rec: `3,"y"`, want: []string{"3", "y"}},
		{name: "csv semicolon", raw: map[string]string{"format": "csv", "delimiter": ";"}, rec: `4;z`, want: []string{"4", "z"}},
		{name: "csv tab word", raw: map[string]string{"format": "csv", "delimiter": "tab"}, rec: "5\tw", want: []string{"5", "w"}},
		{name: "csv no quoting", raw: map[string]string{"format": "csv", "quote": ""}, rec: `6,"v"`, want: []string{"6", `"v"`}},
		{name: "unknown format", raw: map[string]string{"format": "xml"}, wantErr: true},
		{name: "bad mapping", raw: map[string]string{"mapping": "A"}, wantErr: true},
		{name: "duplicate mapping", raw: map[string]string{"mapping": "A=$.a,A=$.b"}, wantErr: true},
		{name: "mapping with csv", raw: map[string]string{"format": "csv", "mapping": "A=$.a"}, wantErr: true},
		{name: "long delimiter", raw: map[string]string{"format": "csv", "delimiter": "::"}, wantErr: true},
		{name: "long quote", raw: map[string]string{"format": "csv", "quote": "''"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts, err := sources.Validate(tc.raw, Options(), false)
			if err != nil {
				t.Fatal(err)
			}
			d, err := New(schema, opts)
			if tc.wantErr {
				if err == nil {
					t.Fatal("New succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := decodeRows(t, schema, d, tc.rec)
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			if !reflect.DeepEqual(rows[0], tc.want) {
				t.Fatalf("row = %q, want %q", rows[0], tc.want)
			}
		})
	}
}
