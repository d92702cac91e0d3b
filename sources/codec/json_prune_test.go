package codec

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// decodeOne decodes rec with dec into a one-row batch whose batcher reads
// only read (nil: all) and returns the row's values as in decodeRows.
func decodeOne(t testing.TB, declared *arrow.Schema, dec Decoder, read []bool, rec []byte) ([]string, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b, err := sources.NewBatcher(mem, sources.WithSystemColumns(declared), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if err := b.Prune(read); err != nil {
		t.Fatal(err)
	}
	derr := dec.Decode(rec, time.UnixMilli(1), b)
	out := b.Flush()
	defer out.Release()
	if want := map[bool]int64{true: 0, false: 1}[derr != nil]; out.NumRows() != want {
		t.Fatalf("%d rows after Decode returned %v", out.NumRows(), derr)
	}
	if derr != nil {
		return nil, derr
	}
	row := make([]string, declared.NumFields())
	for c := range row {
		col := out.Column(c)
		switch {
		case col.IsNull(0):
			row[c] = "NULL"
		case col.DataType().ID() == arrow.DECIMAL128:
			row[c] = col.(*array.Decimal128).Value(0).ToString(col.DataType().(*arrow.Decimal128Type).Scale)
		default:
			row[c] = col.ValueStr(0)
		}
	}
	return row, nil
}

// narrowed returns the fields of schema that read keeps, with their
// metadata (mappings, lengths): the reference for pruned decoding is a
// decoder that only knows those columns.
func narrowed(schema *arrow.Schema, read []bool) *arrow.Schema {
	var fs []arrow.Field
	for i, f := range schema.Fields() {
		if read[i] {
			fs = append(fs, f)
		}
	}
	return arrow.NewSchema(fs, nil)
}

// checkPruned decodes line with a pruned decoder (reading read), a
// decoder of the read columns only, and a full decoder, and checks that
// the pruned one accepts and rejects exactly what the narrow one does,
// with the same values in the read columns and NULL in the others, and
// agrees with full decoding wherever that accepts the record or rejects
// it as malformed JSON.
func checkPruned(t testing.TB, schema *arrow.Schema, strict bool, read []bool, line []byte) {
	t.Helper()
	mk := func(s *arrow.Schema) *JSON {
		d, err := NewJSON(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range d.cols {
			d.cols[i].strict = strict
		}
		return d
	}
	pruned := mk(schema)
	if err := pruned.Prune(read); err != nil {
		t.Fatal(err)
	}
	prow, perr := decodeOne(t, schema, pruned, read, line)
	nschema := narrowed(schema, read)
	nrow, nerr := decodeOne(t, nschema, mk(nschema), nil, line)
	frow, ferr := decodeOne(t, schema, mk(schema), nil, line)
	if (perr == nil) != (nerr == nil) || errors.Is(perr, ErrSyntax) != errors.Is(nerr, ErrSyntax) {
		t.Fatalf("line %q read %v: pruned decoding says %v, decoding the read columns alone %v", line, read, perr, nerr)
	}
	if errors.Is(ferr, ErrSyntax) != errors.Is(perr, ErrSyntax) {
		t.Fatalf("line %q read %v: pruned decoding says %v, full decoding %v", line, read, perr, ferr)
	}
	if ferr == nil && perr != nil {
		t.Fatalf("line %q read %v: full decoding accepts, pruned says %v", line, read, perr)
	}
	if perr != nil {
		return
	}
	j := 0
	for i := range read {
		if !read[i] {
			if prow[i] != "NULL" {
				t.Fatalf("line %q: unread column %d is %q, want NULL", line, i, prow[i])
			}
			continue
		}
		if prow[i] != nrow[j] || ferr == nil && prow[i] != frow[i] {
			t.Fatalf("line %q read %v: column %d is %q pruned, %q alone, full %q (%v)", line, read, i, prow[i], nrow[j], frow, ferr)
		}
		j++
	}
}

// randomLine returns a JSON-ish line: an object whose keys are the
// schema's names in any case, escaped or not, and others, with values of
// every kind (strings with escapes and unicode, nested objects and
// arrays, numbers that do or do not fit), sometimes damaged.
func randomLine(r *rand.Rand, names []string) []byte {
	str := func() string {
		parts := []string{"a", "é", "😀", `\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, `\ud800`, "2024-05-01T10:00:00Z", "12", "AAE=", " ", "true", "x y", "1e3", strings.Repeat("z", 40)}
		var b strings.Builder
		for k := r.IntN(5); k >= 0; k-- {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		return `"` + b.String() + `"`
	}
	var value func(depth int) string
	value = func(depth int) string {
		switch k := r.IntN(14); {
		case k < 3:
			return str()
		case k < 5:
			return fmt.Sprint(r.Int64N(400) - 200)
		case k == 5:
			return []string{"1.5", "-0.25", "1e400", "12345678901234567890", "0", "-0", "3e-2"}[r.IntN(7)]
		case k == 6:
			return []string{"true", "false", "null"}[r.IntN(3)]
		case k == 7 && depth < 3:
			return `{"y": [` + value(depth+1) + `, ` + value(depth+1) + `], "z": ` + value(depth+1) + `}`
		case k == 8 && depth < 3:
			return `[` + value(depth+1) + `, {"q": ` + value(depth+1) + `}]`
		case k == 9:
			return fmt.Sprint(1714557600000 + r.Int64N(1000))
		case k == 10:
			return `"2024-05-0` + fmt.Sprint(1+r.IntN(9)) + `"`
		case k == 11:
			return `"10:00:0` + fmt.Sprint(r.IntN(9)) + `"`
		default:
			return str()
		}
	}
	key := func() string {
		k := names[r.IntN(len(names))]
		switch r.IntN(6) {
		case 0:
			k = strings.ToLower(k)
		case 1:
			k = "other"
		case 2:
			if k != "" {
				k = fmt.Sprintf(`\u%04x`, k[0]) + k[1:] // escaped first letter
			}
		case 3:
			k = "x"
		}
		return `"` + k + `"`
	}
	var b strings.Builder
	b.WriteString("{")
	for i := r.IntN(8); i >= 0; i-- {
		if b.Len() > 1 {
			b.WriteString(", ")
		}
		b.WriteString(key() + ": " + value(0))
	}
	b.WriteString("}")
	line := []byte(b.String())
	switch r.IntN(12) {
	case 0: // cut short
		line = line[:r.IntN(len(line))]
	case 1: // one byte changed
		line[r.IntN(len(line))] = `{}[]",:\ ax0`[r.IntN(12)]
	case 2:
		line = append(line, " {}"...)
	case 3:
		line = []byte(`[` + string(line) + `]`)
	}
	return line
}

// TestPrunedDecodingAgrees decodes random lines with random sets of read
// columns, pruned and not, and checks that they agree (checkPruned).
func TestPrunedDecodingAgrees(t *testing.T) {
	t.Parallel()
	schema := fuzzSchema()
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	names = append(names, "x")
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict_varchar=%v", strict), func(t *testing.T) {
			t.Parallel()
			for seed := uint64(0); seed < 40; seed++ {
				r := rand.New(rand.NewPCG(seed, 18))
				for range 100 {
					read := make([]bool, schema.NumFields())
					for i := range read {
						read[i] = r.IntN(3) == 0
					}
					checkPruned(t, schema, strict, read, randomLine(r, names))
				}
			}
		})
	}
}

// TestPruneMisses pins the documented gap: a value that does not convert
// to an unread column's type is not detected, malformed JSON still is.
func TestPruneMisses(t *testing.T) {
	t.Parallel()
	schema := fuzzSchema()
	read := make([]bool, schema.NumFields())
	read[0] = true // A only
	for _, tc := range []struct {
		name, line string
		ok         bool
	}{
		{"an unread column's bad value passes", `{"A": 1, "B": "not a number", "T": "bad"}`, true},
		{"a read column's bad value fails", `{"A": "x"}`, false},
		{"an unread column's bad literal fails", `{"A": 1, "B": tru}`, false},
		{"an unread string left open fails", `{"A": 1, "S": "abc}`, false},
		{"unbalanced nesting in an unread column fails", `{"A": 1, "x": {"y": [1, 2}}`, false},
		{"not an object fails", `[{"A": 1}]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := NewJSON(schema, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Prune(read); err != nil {
				t.Fatal(err)
			}
			_, err = decodeOne(t, schema, d, read, []byte(tc.line))
			if (err == nil) != tc.ok {
				t.Fatalf("Decode = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestReadSet checks which columns option eddy.columns, rowtime and
// arrival make a decoder read.
func TestReadSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts sources.Options
		want []bool
	}{
		{"no option reads all", sources.Options{}, nil},
		{"listed columns", sources.Options{sources.ColumnsOption: "AUCTION,PRICE"}, []bool{true, false, true, false, false, false, false}},
		{"rowtime and arrival are read", sources.Options{sources.ColumnsOption: "PRICE", "rowtime": "date_time", "arrival": "EXTRA"}, []bool{false, false, true, false, false, true, true}},
		{"an unknown column reads all", sources.Options{sources.ColumnsOption: "PRICE,NOPE"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ReadSet(bidSchema(), tc.opts); !slices.Equal(got, tc.want) {
				t.Fatalf("ReadSet = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestQuoteOrEscape compares the word-at-a-time search with a plain loop
// for a quote or backslash at every position of strings of every length
// up to past the vectorized cut-over, and for none.
func TestQuoteOrEscape(t *testing.T) {
	t.Parallel()
	naive := func(b []byte, j int) int {
		for ; j < len(b); j++ {
			if b[j] == '"' || b[j] == '\\' {
				return j
			}
		}
		return -1
	}
	for n := 0; n <= 2*swarBytes+9; n++ {
		for _, c := range []byte{'"', '\\', 0} {
			for pos := -1; pos < n; pos++ {
				b := []byte(strings.Repeat("a\x80\"", n)[:n]) // high bytes, and quotes to be overwritten
				for i := range b {
					if b[i] == '"' {
						b[i] = 0xa2 ^ byte(i) // no quote or backslash but c
						if b[i] == '"' || b[i] == '\\' {
							b[i] = 'q'
						}
					}
				}
				if pos >= 0 && c != 0 {
					b[pos] = c
				}
				for j := 0; j <= n; j++ {
					if got, want := quoteOrEscape(b, j), naive(b, j); got != want {
						t.Fatalf("quoteOrEscape(%q, %d) = %d, want %d", b, j, got, want)
					}
				}
			}
		}
	}
}

// TestRepeatedTimestamps decodes event times that repeat, change, fail
// and come back with one decoder, which remembers the last one it parsed.
func TestRepeatedTimestamps(t *testing.T) {
	t.Parallel()
	schema := arrow.NewSchema([]arrow.Field{field("T", sources.TimestampType)}, nil)
	for _, format := range []string{"json", "csv"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			texts := []string{"2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", "2024-05-01 10:00:01.5", "bad", "2024-05-01T10:00:00Z", "1714557600000", " 2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"}
			want := []string{"2024-05-01 10:00:00", "2024-05-01 10:00:00", "2024-05-01 10:00:01.5", "", "2024-05-01 10:00:00", "2024-05-01 10:00:00", "2024-05-01 10:00:00", "2024-05-01 10:00:00"}
			var dec Decoder
			var err error
			recs := make([]string, len(texts))
			for i, s := range texts {
				recs[i] = `{"T": "` + s + `"}`
				if format == "csv" {
					recs[i] = s
				}
			}
			if format == "csv" {
				dec, err = NewCSV(schema, ',', '"')
			} else {
				dec, err = NewJSON(schema, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			rows, errs := decodeRows(t, schema, dec, recs...)
			r := 0
			for i, w := range want {
				if (errs[i] != nil) != (w == "") {
					t.Fatalf("record %q: error %v", recs[i], errs[i])
				}
				if w == "" {
					continue
				}
				if got := strings.TrimSuffix(strings.Replace(rows[r][0], "T", " ", 1), "Z"); !strings.HasPrefix(got, w) {
					t.Fatalf("record %q = %q, want %s", recs[i], rows[r][0], w)
				}
				r++
			}
		})
	}
}
