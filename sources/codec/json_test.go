package codec

import (
	"errors"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

func TestJSONTypes(t *testing.T) {
	t.Parallel()
	one := func(name string, typ arrow.DataType, md ...string) *arrow.Schema {
		return arrow.NewSchema([]arrow.Field{field(name, typ, md...)}, nil)
	}
	dec := &arrow.Decimal128Type{Precision: 5, Scale: 2}
	tests := []struct {
		name    string
		schema  *arrow.Schema
		rec     string
		want    string // the value of the single column
		wantErr string // exact message
	}{
		{"bigint", one("N", arrow.PrimitiveTypes.Int64), `{"N": 9223372036854775807}`, "9223372036854775807", ""},
		{"bigint negative", one("N", arrow.PrimitiveTypes.Int64), `{"N": -42}`, "-42", ""},
		{"bigint from true", one("N", arrow.PrimitiveTypes.Int64), `{"N": true}`, "1", ""},
		{"bigint from false", one("N", arrow.PrimitiveTypes.Int64), `{"N": false}`, "0", ""},
		{"bigint from numeric string", one("N", arrow.PrimitiveTypes.Int64), `{"N": " 17 "}`, "17", ""},
		{"bigint from integral float", one("N", arrow.PrimitiveTypes.Int64), `{"N": 2.0e3}`, "2000", ""},
		{"bigint fraction rejected", one("N", arrow.PrimitiveTypes.Int64), `{"N": 1.5}`, "", "codec: column N: cannot read 1.5 as BIGINT"},
		{"bigint overflow rejected", one("N", arrow.PrimitiveTypes.Int64), `{"N": 9223372036854775808}`, "", "codec: column N: cannot read 9223372036854775808 as BIGINT"},
		{"tinyint range", one("N", arrow.PrimitiveTypes.Int8), `{"N": 128}`, "", "codec: column N: cannot read 128 as TINYINT: out of range"},
		{"smallint", one("N", arrow.PrimitiveTypes.Int16), `{"N": -32768}`, "-32768", ""},
		{"integer", one("N", arrow.PrimitiveTypes.Int32), `{"N": "2147483647"}`, "2147483647", ""},
		{"bigint from object", one("N", arrow.PrimitiveTypes.Int64), `{"N": {"a":1}}`, "", `codec: column N: cannot read {"a":1} as BIGINT`},
		{"double", one("PRICE", arrow.PrimitiveTypes.Float64), `{"price": 1.25e2}`, "125", ""},
		{"double from string", one("PRICE", arrow.PrimitiveTypes.Float64), `{"PRICE": "3.5"}`, "3.5", ""},
		{"double bad string", one("PRICE", arrow.PrimitiveTypes.Float64), `{"PRICE": "abc"}`, "", `codec: column PRICE: cannot read "abc" as DOUBLE`},
		{"double overflow", one("PRICE", arrow.PrimitiveTypes.Float64), `{"PRICE": 1e400}`, "", `codec: column PRICE: cannot read 1e400 as DOUBLE: out of range`},
		{"real", one("R", arrow.PrimitiveTypes.Float32), `{"R": 0.5}`, "0.5", ""},
		{"real overflow", one("R", arrow.PrimitiveTypes.Float32), `{"R": 1e39}`, "", `codec: column R: cannot read 1e39 as REAL: out of range`},
		{"decimal exact", one("D", dec), `{"D": 123.45}`, "123.45", ""},
		{"decimal scaled up", one("D", dec), `{"D": 7}`, "7.00", ""},
		{"decimal trailing zeros", one("D", dec), `{"D": "1.500"}`, "1.50", ""},
		{"decimal negative exponent", one("D", dec), `{"D": -12.5e-1}`, "-1.25", ""},
		{"decimal precision loss", one("D", dec), `{"D": 1.234}`, "", "codec: column D: cannot read 1.234 as DECIMAL(5,2): precision loss"},
		{"decimal overflow", one("D", dec), `{"D": 1234.5}`, "", "codec: column D: cannot read 1234.5 as DECIMAL(5,2): out of range"},
		{"decimal from bool", one("D", dec), `{"D": true}`, "1.00", ""},
		{"boolean", one("B", arrow.FixedWidthTypes.Boolean), `{"B": true}`, "true", ""},
		{"boolean from number", one("B", arrow.FixedWidthTypes.Boolean), `{"B": 0}`, "false", ""},
		{"boolean from nonzero", one("B", arrow.FixedWidthTypes.Boolean), `{"B": 2.5}`, "true", ""},
		{"boolean from string", one("B", arrow.FixedWidthTypes.Boolean), `{"B": "TRUE"}`, "true", ""},
		{"boolean from other string", one("B", arrow.FixedWidthTypes.Boolean), `{"B": "yes"}`, "false", ""},
		{"varchar", one("S", arrow.BinaryTypes.String), `{"S": "h\u00e9llo\n\"q\""}`, "héllo\n\"q\"", ""},
		{"varchar surrogate pair", one("S", arrow.BinaryTypes.String), `{"S": "\ud83d\ude00"}`, "😀", ""},
		{"varchar truncated", one("S", arrow.BinaryTypes.String, MetaLength, "3"), `{"S": "héllo"}`, "hél", ""},
		{"varchar from number", one("S", arrow.BinaryTypes.String), `{"S": -1.5e3}`, "-1.5e3", ""},
		{"varchar from bool", one("S", arrow.BinaryTypes.String), `{"S": false}`, "false", ""},
		{"varchar from object", one("S", arrow.BinaryTypes.String), `{"S": {"a": [1, 2]} }`, `{"a": [1, 2]}`, ""},
		{"varchar from array truncated", one("S", arrow.BinaryTypes.String, MetaLength, "4"), `{"S": [1,2,3]}`, "[1,2", ""},
		{"large varchar", one("S", arrow.BinaryTypes.LargeString), `{"S": "x"}`, "x", ""},
		{"varbinary base64", one("V", arrow.BinaryTypes.Binary), `{"V": "AAEC"}`, "AAEC", ""},
		{"varbinary hex", one("V", arrow.BinaryTypes.Binary), `{"V": "X'3F67'"}`, "P2c=", ""},
		{"varbinary bad", one("V", arrow.BinaryTypes.Binary), `{"V": "**"}`, "", `codec: column V: cannot read "**" as VARBINARY`},
		{"timestamp string", one("T", sources.TimestampType), `{"T": "2024-05-01T10:00:00.000Z"}`, "2024-05-01T10:00:00", ""},
		{"timestamp space form", one("T", sources.TimestampType), `{"T": "2024-05-01 10:00:00.5"}`, "2024-05-01T10:00:00.5", ""},
		{"timestamp epoch millis", one("T", sources.TimestampType), `{"T": 1714557600000}`, "2024-05-01T10:00:00", ""},
		{"timestamp bad string", one("T", sources.TimestampType), `{"T": "soon"}`, "", `codec: column T: cannot read "soon" as TIMESTAMP`},
		{"timestamp from bool", one("T", sources.TimestampType), `{"T": true}`, "", `codec: column T: cannot read true as TIMESTAMP`},
		{"date", one("D", arrow.FixedWidthTypes.Date32), `{"D": "1992-02-14"}`, "1992-02-14", ""},
		{"date from timestamp", one("D", arrow.FixedWidthTypes.Date32), `{"D": "1969-12-31 23:00:00"}`, "1969-12-31", ""},
		{"time", one("TM", arrow.FixedWidthTypes.Time32ms), `{"TM": "18:35:44.25"}`, "18:35:44.250", ""},
		{"time out of range", one("TM", arrow.FixedWidthTypes.Time32ms), `{"TM": 86400000}`, "", "codec: column TM: cannot read 86400000 as TIME: out of range"},
		{"null", one("N", arrow.PrimitiveTypes.Int64), `{"N": null}`, "NULL", ""},
		{"missing", one("N", arrow.PrimitiveTypes.Int64), `{"other": 1}`, "NULL", ""},
		{"exact match wins", one("N", arrow.PrimitiveTypes.Int64), `{"N": 1, "n": 2}`, "1", ""},
		{"exact match wins after", one("N", arrow.PrimitiveTypes.Int64), `{"n": 2, "N": 1}`, "1", ""},
		{"escaped key", one("NAME", arrow.PrimitiveTypes.Int64), `{"n\u0061me": 3}`, "3", ""},
		{"sqltype in message", one("S", arrow.PrimitiveTypes.Int64, MetaSQLType, "INTEGER_X"), `{"S": "x"}`, "", `codec: column S: cannot read "x" as INTEGER_X`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := NewJSON(tc.schema, nil)
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := decodeRows(t, tc.schema, d, tc.rec)
			if tc.wantErr != "" {
				if errs[0] == nil || errs[0].Error() != tc.wantErr {
					t.Fatalf("error = %v, want %s", errs[0], tc.wantErr)
				}
				if !errors.Is(errs[0], ErrCoerce) {
					t.Fatalf("error %v is not ErrCoerce", errs[0])
				}
				return
			}
			if errs[0] != nil {
				t.Fatal(errs[0])
			}
			if rows[0][0] != tc.want {
				t.Fatalf("value = %q, want %q", rows[0][0], tc.want)
			}
		})
	}
}

func TestJSONMalformed(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{field("A", arrow.PrimitiveTypes.Int64)}, nil)
	tests := []struct {
		name, rec, wantErr string
	}{
		{"not an object", `[1]`, "codec: malformed JSON at byte 0: record is not a JSON object"},
		{"empty", ``, "codec: malformed JSON at byte 0: record is not a JSON object"},
		{"unterminated string", `{"A": "x}`, "codec: malformed JSON at byte 6: unterminated string"},
		{"missing colon", `{"A" 1}`, "codec: malformed JSON at byte 5: expected ':'"},
		{"trailing comma", `{"A": 1,}`, "codec: malformed JSON at byte 8: expected a string key"},
		{"bad literal", `{"A": tru}`, "codec: malformed JSON at byte 6: invalid literal"},
		{"bad number", `{"A": 01}`, "codec: malformed JSON at byte 7: expected ',' or '}'"},
		{"minus only", `{"A": -}`, "codec: malformed JSON at byte 6: bad number"},
		{"bad escape", `{"A": "\x"}`, `codec: malformed JSON at byte 7: bad escape 'x'`},
		{"bad nested value", `{"B": [1, ?], "A": 1}`, "codec: malformed JSON at byte 10: unexpected character '?'"},
		{"data after object", `{"A": 1} x`, "codec: malformed JSON at byte 9: unexpected data after the object"},
		{"unclosed object", `{"A": 1`, "codec: malformed JSON at byte 7: expected ',' or '}'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := NewJSON(schema, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, errs := decodeRows(t, schema, d, tc.rec, `{"A": 5}`)
			if errs[0] == nil || errs[0].Error() != tc.wantErr || !errors.Is(errs[0], ErrSyntax) {
				t.Fatalf("error = %v, want %s", errs[0], tc.wantErr)
			}
			if errs[1] != nil {
				t.Fatalf("good record after a bad one: %v", errs[1])
			}
		})
	}
}

func TestJSONMapping(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{
		field("TICKER", arrow.BinaryTypes.String),
		field("PRICE", arrow.PrimitiveTypes.Float64),
		field("FIRST", arrow.PrimitiveTypes.Int64),
		field("TAGS", arrow.BinaryTypes.String),
		field("DEEP", arrow.PrimitiveTypes.Int64, MetaMapping, "$.a.b['c d']"),
	}, nil)
	mapping := map[string]string{"ticker": "$.quote.symbol", "PRICE": "$.quote.price", "FIRST": "$.arr[1]", "TAGS": "$.arr[0:]"}
	tests := []struct {
		name string
		rec  string
		want []string
	}{
		{"all paths", `{"quote": {"symbol": "AMZN", "price": 9.5}, "arr": [10, 20], "a": {"b": {"c d": 7}}}`, []string{"AMZN", "9.5", "20", "[10, 20]", "7"}},
		{"missing paths are null", `{"quote": 1, "arr": [10], "a": {"b": []}}`, []string{"NULL", "NULL", "NULL", "[10]", "NULL"}},
		{"paths are case-sensitive", `{"Quote": {"symbol": "X"}, "ARR": [1, 2]}`, []string{"NULL", "NULL", "NULL", "NULL", "NULL"}},
		{"name is not used when mapped", `{"TICKER": "X", "PRICE": 1}`, []string{"NULL", "NULL", "NULL", "NULL", "NULL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := NewJSON(schema, mapping)
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

func TestNewJSONErrors(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{field("A", arrow.PrimitiveTypes.Int64)}, nil)
	tests := []struct {
		name    string
		schema  *arrow.Schema
		mapping map[string]string
	}{
		{"unknown column", schema, map[string]string{"B": "$.b"}},
		{"path without dollar", schema, map[string]string{"A": "a.b"}},
		{"flattening arrays", schema, map[string]string{"A": "$.arr[0:].x"}},
		{"wildcard", schema, map[string]string{"A": "$.arr[*]"}},
		{"path starting with index", schema, map[string]string{"A": "$[0]"}},
		{"unsupported type", arrow.NewSchema([]arrow.Field{field("L", arrow.ListOf(arrow.PrimitiveTypes.Int64))}, nil), nil},
		{"bad length metadata", arrow.NewSchema([]arrow.Field{field("S", arrow.BinaryTypes.String, MetaLength, "x")}, nil), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewJSON(tc.schema, tc.mapping); err == nil {
				t.Fatal("NewJSON succeeded")
			}
		})
	}
}

func TestJSONWholeRecordAndBadRowtime(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{field("RAW", arrow.BinaryTypes.String), field("N", arrow.PrimitiveTypes.Int64)}, nil)
	d, err := NewJSON(schema, map[string]string{"RAW": "$"})
	if err != nil {
		t.Fatal(err)
	}
	rows, errs := decodeRows(t, schema, d, `{"n": 1}`, `{"n": "bad"}`, `{"n": 3}`)
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors = %v", errs)
	}
	want := [][]string{{`{"n": 1}`, "1"}, {`{"n": 3}`, "3"}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows = %q, want %q", rows, want)
	}
}
