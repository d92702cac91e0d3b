package codec

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

func fuzzSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		field("A", arrow.PrimitiveTypes.Int64),
		field("B", arrow.PrimitiveTypes.Int8),
		field("S", arrow.BinaryTypes.String, MetaLength, "4"),
		field("F", arrow.PrimitiveTypes.Float32),
		field("D", &arrow.Decimal128Type{Precision: 6, Scale: 2}),
		field("OK", arrow.FixedWidthTypes.Boolean),
		field("T", sources.TimestampType),
		field("BIN", arrow.BinaryTypes.Binary),
		field("DT", arrow.FixedWidthTypes.Date32),
		field("TM", arrow.FixedWidthTypes.Time32ms),
		field("N", arrow.PrimitiveTypes.Int32, MetaMapping, "$.x.y[1]"),
	}, nil)
}

// fuzzDecode decodes each line of data and checks that the batch holds
// exactly the records Decode accepted, with columns of equal length.
func fuzzDecode(t *testing.T, dec Decoder, data []byte) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b, err := sources.NewBatcher(mem, sources.WithSystemColumns(fuzzSchema()), "T", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	good := 0
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		if dec.Decode(line, time.UnixMilli(0), b) == nil {
			good++
		}
	}
	rec := b.Flush() // panics if the columns differ in length
	defer rec.Release()
	if int(rec.NumRows()) != good {
		t.Fatalf("%d rows for %d good records", rec.NumRows(), good)
	}
	for i, col := range rec.Columns() {
		if col.Len() != good {
			t.Fatalf("column %d has %d values, want %d", i, col.Len(), good)
		}
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"A": 1, "B": 2, "S": "abcdef", "F": 1.5, "D": 12.34, "OK": true, "T": "2024-05-01T10:00:00Z", "BIN": "AAE=", "DT": "2024-05-01", "TM": "10:00:00", "x": {"y": [1, 2]}}`,
		`{"a": "1", "b": 300, "t": 1714557600000}` + "\n" + `{"T": null}` + "\n" + `{"T": "2024-05-01 10:00:00.5+02:00", "s": [1, {"q": "\u00e9\ud83d\ude00"}]}`,
		`{"T": "2024-05-01", "D": "1e-2", "F": "nan", "OK": 0}` + "\n" + `{"T": "bad"}` + "\n" + `[1]`,
		`{"T": "2024-05-01", "x": {"y": [0, 1e400]}}`,
		`{"T":"2024-05-01","A":1}{"A":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec, err := NewJSON(fuzzSchema(), nil)
		if err != nil {
			t.Fatal(err)
		}
		fuzzDecode(t, dec, data)
		checkReused(t, nil, bytes.Split(data, []byte{'\n'}))
	})
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		`1,2,abcdef,1.5,12.34,true,2024-05-01T10:00:00Z,AAE=,2024-05-01,10:00:00`,
		"1,2,\"a\"\"b\",,,,2024-05-01\n,,,,,,\n\"unterminated,1\n1,2,3,4,5,6,7,8,9,10,11,12",
		`"1"x,2` + "\n" + `1,300,,,,,1000` + "\n" + `,,,,1234.567,,2024-05-01`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec, err := NewCSV(fuzzSchema(), ',', '"')
		if err != nil {
			t.Fatal(err)
		}
		fuzzDecode(t, dec, data)
	})
}

// FuzzCSVIngest puts arbitrary bytes, random quoting included, between
// good CSV rows and frames and decodes the whole through Ingest, read one
// byte at a time and all at once: whatever the bytes, every good row
// before and after them comes out, and the two readings agree.
func FuzzCSVIngest(f *testing.F) {
	for _, s := range []string{
		`"`, `1,"a`, `1,"a"b,"c`, "\"\n\"\"\n", `x,y,"z`, `"a""b",""`, "1,\"a\nb\"\n2,\"", "\r\"\r\n,\",",
	} {
		f.Add([]byte(s))
	}
	before, rowsBefore := goodRows(1000001, 1000003)
	after, rowsAfter := goodRows(2000001, 2000003)
	f.Fuzz(func(t *testing.T, junk []byte) {
		input := before + string(junk) + "\n" + after
		whole := ingestAll(t, map[string]string{"format": "csv"}, input, false, 4, nil)
		bytewise := ingestAll(t, map[string]string{"format": "csv"}, input, true, 4, nil)
		if !reflect.DeepEqual(whole, bytewise) {
			t.Fatalf("reads differ: all at once %q, byte by byte %q", whole, bytewise)
		}
		count := map[string]int{}
		for _, r := range whole.rows {
			count[r]++
		}
		for _, r := range append(append([]string(nil), rowsBefore...), rowsAfter...) {
			if count[r] == 0 {
				t.Fatalf("good row %s lost: rows %q, rejects %q", r, whole.rows, whole.rejects)
			}
		}
	})
}

// FuzzJSONPruned checks that decoding only some columns agrees with
// decoding those columns alone and with decoding all (checkPruned); the
// first byte of data picks the columns read.
func FuzzJSONPruned(f *testing.F) {
	for _, s := range []string{
		"\x05" + `{"A": 1, "B": 2, "S": "abcdef", "F": 1.5, "D": 12.34, "OK": true, "T": "2024-05-01T10:00:00Z", "BIN": "AAE=", "DT": "2024-05-01", "TM": "10:00:00", "x": {"y": [1, 2]}}`,
		"\xff" + `{"a": "1", "b": 300, "t": 1714557600000}`,
		"\x40" + `{"T": "2024-05-01", "s": [1, {"q": "\u00e9\ud83d\ude00"}], "\u0041": 7}`,
		"\x01" + `{"A": 1, "B": "bad", "x": {"y": [0, 1e400]}}`,
		"\x00" + `{"A":1}{"A":2}`,
	} {
		f.Add([]byte(s))
	}
	schema := fuzzSchema()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		read := make([]bool, schema.NumFields())
		for i := range read {
			read[i] = data[0]>>(i%8)&1 == 1
		}
		read[len(read)-1] = data[0]&0x80 == 0 // N, from $.x.y[1]
		for _, line := range bytes.Split(data[1:], []byte{'\n'}) {
			checkPruned(t, schema, data[0]&4 == 0, read, line)
		}
	})
}
