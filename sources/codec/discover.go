package codec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

// inferred is the type schema discovery settles on for a column so far.
type inferred uint8

const (
	tUnknown inferred = iota // only NULLs seen
	tBool
	tInt
	tDouble
	tTimestamp
	tString
)

func (a inferred) merge(b inferred) inferred {
	switch {
	case a == b || b == tUnknown:
		return a
	case a == tUnknown:
		return b
	case (a == tInt && b == tDouble) || (a == tDouble && b == tInt):
		return tDouble
	}
	return tString
}

// discovered is one column found in the samples.
type discovered struct {
	name     string
	path     string // JSONPath; empty for CSV
	counts   [tString + 1]int
	examples [tString + 1][]string // the first few values of each type
	maxLen   int                   // longest value as text, in characters
}

// maxExamples is how many values of each type a column remembers, to name
// the ones outvoted.
const maxExamples = 3

type discovery struct {
	cols   []*discovered
	byPath map[string]*discovered
	names  map[string]bool
}

func (d *discovery) observe(key, name, path string, t inferred, text []byte) {
	c := d.byPath[key]
	if c == nil {
		base, n := name, 2
		for d.names[name] {
			name = fmt.Sprintf("%s_%d", base, n)
			n++
		}
		d.names[name] = true
		c = &discovered{name: name, path: path}
		d.byPath[key] = c
		d.cols = append(d.cols, c)
	}
	c.counts[t]++
	if t != tUnknown {
		c.maxLen = max(c.maxLen, utf8.RuneCount(text))
		if len(c.examples[t]) < maxExamples {
			c.examples[t] = append(c.examples[t], string(text))
		}
	}
}

// OutvotePercent is the largest share of a column's non-NULL samples, in
// percent, that discovery sets aside as odd values when the rest agree on a
// type other than VARCHAR: such values are reported (field metadata
// "outvoted") and, at run time, go to the error stream as DECODE rows.
const OutvotePercent = 5

// vote settles a column's type: the type every sample fits, or the type
// all but at most OutvotePercent of the non-NULL samples fit. It returns
// the type, how many samples were outvoted and the first few of them.
func (c *discovered) vote() (inferred, int, []string) {
	merged := tUnknown
	n := 0
	for t := tBool; t <= tString; t++ {
		if c.counts[t] > 0 {
			merged = merged.merge(t)
			n += c.counts[t]
		}
	}
	if merged != tString || c.counts[tString] == n {
		return merged, 0, nil
	}
	best, fit := tUnknown, 0
	for _, t := range []inferred{tInt, tDouble, tBool, tTimestamp} {
		k := c.counts[t]
		if t == tDouble {
			k += c.counts[tInt]
		}
		if k > fit {
			best, fit = t, k
		}
	}
	odd := n - fit
	if fit == 0 || odd*100 > n*OutvotePercent {
		return tString, 0, nil
	}
	var vals []string
	for t := tBool; t <= tString; t++ {
		if t == best || best == tDouble && t == tInt {
			continue
		}
		vals = append(vals, c.examples[t]...)
	}
	return best, odd, vals
}

// varcharLength is the declared length of a discovered VARCHAR column whose
// longest sample has n characters: the next power of two at least twice n,
// and at least 16, so that longer values later in the stream still fit.
func varcharLength(n int) int {
	l := 16
	for l < 2*n {
		l *= 2
	}
	return l
}

// Discover infers the declared columns of a stream from sample records,
// as KDA's DiscoverInputSchema does, for format json or csv (with the
// default delimiter and quote; see DiscoverWith).
func Discover(samples [][]byte, format string) (*arrow.Schema, error) {
	opts, err := sources.Validate(map[string]string{"format": format}, Options(), false)
	if err != nil {
		return nil, err
	}
	return DiscoverWith(samples, opts)
}

// DiscoverWith is Discover with format options (validated against
// Options). JSON keys become columns named as written (so a key "Price" is
// declared "Price", quoted), in order of first appearance, nested objects
// flattened two levels deep (key b of object a is column a_b, read from
// $.a.b; deeper objects and arrays are VARCHAR holding their JSON text).
// CSV columns take their names from a header row: the first sample when
// option header is set, or when every field of the first sample is a
// non-numeric string and some later sample has a field that is not
// (schema metadata "header" is then "true"); without one they are
// COL_1…COL_n. Integers are BIGINT, other numbers DOUBLE, booleans
// BOOLEAN, strings that read as timestamps TIMESTAMP, other strings
// VARCHAR(n) with n the next power of two at least twice the longest
// sample and at least 16 (see varcharLength). A column's type is the one
// all its samples fit (conflicts widen to DOUBLE or VARCHAR), except that
// up to OutvotePercent of odd values are outvoted and reported in field
// metadata "outvoted". Each field carries metadata "sqltype", "length" for
// VARCHAR and, for JSON, "mapping". Samples that do not parse are skipped;
// it is an error when none does, and ErrNoSamples when there were none.
func DiscoverWith(samples [][]byte, opts sources.Options) (*arrow.Schema, error) {
	d := &discovery{byPath: map[string]*discovered{}, names: map[string]bool{}}
	format := strings.ToLower(strings.TrimSpace(opts.String("format")))
	nonBlank := 0
	for _, rec := range samples {
		if len(bytes.TrimSpace(rec)) > 0 {
			nonBlank++
		}
	}
	good := 0
	var meta arrow.Metadata
	switch format {
	case "", "json":
		if nonBlank == 0 {
			return nil, fmt.Errorf("%w: the input is empty", ErrNoSamples)
		}
		for _, rec := range samples {
			if len(bytes.TrimSpace(rec)) == 0 {
				continue
			}
			i := skipWS(rec, 0)
			v, err := scanValue(rec, i, 0)
			if err != nil || v.kind != jObject || skipWS(rec, v.end) != len(rec) {
				continue
			}
			good++
			d.walkJSON(rec, v, "", "$", 0)
		}
	case "csv":
		delim, err := Delimiter(opts.String("delimiter"))
		if err != nil {
			return nil, err
		}
		quote, err := Quote(opts)
		if err != nil {
			return nil, err
		}
		dec := &CSV{delim: delim, quote: quote}
		var rows [][]csvField
		for _, rec := range samples {
			if len(bytes.TrimSpace(rec)) == 0 {
				continue
			}
			if row, ok := splitCSV(dec, rec); ok {
				rows = append(rows, row)
			}
		}
		if nonBlank == 0 {
			return nil, fmt.Errorf("%w: the input is empty", ErrNoSamples)
		}
		var header []csvField
		if len(rows) > 0 && (opts.Bool("header") || looksLikeHeader(rows)) {
			header, rows = rows[0], rows[1:]
			meta = arrow.NewMetadata([]string{"header"}, []string{"true"})
			if len(rows) == 0 {
				return nil, fmt.Errorf("%w: the input holds only a header", ErrNoSamples)
			}
		}
		for _, row := range rows {
			d.observeCSV(header, row)
		}
		good = len(rows)
	default:
		return nil, fmt.Errorf("codec: discover: unknown format %q (use json or csv)", format)
	}
	if good == 0 {
		return nil, fmt.Errorf("codec: discover: none of %d samples is a %s record", nonBlank, strings.ToUpper(format))
	}
	fields := make([]arrow.Field, len(d.cols))
	for i, c := range d.cols {
		fields[i] = c.field()
	}
	return arrow.NewSchema(fields, &meta), nil
}

func (d *discovery) walkJSON(rec []byte, obj span, name, path string, level int) {
	var keybuf []byte
	j := skipWS(rec, obj.start+1)
	for j < obj.end && rec[j] == '"' {
		kend, esc, _ := scanString(rec, j)
		key := rec[j+1 : kend-1]
		if esc {
			keybuf = appendUnescaped(keybuf[:0], key)
			key = keybuf
		}
		j = skipWS(rec, kend) + 1
		v, _ := scanValue(rec, skipWS(rec, j), 0)
		cname := columnName(string(key))
		if name != "" {
			cname = name + "_" + cname
		}
		cpath := path + pathKey(string(key))
		if v.kind == jObject && level < 2 {
			d.walkJSON(rec, v, cname, cpath, level+1)
		} else {
			t, text := jsonType(rec, v)
			d.observe(cpath, cname, cpath, t, text)
		}
		j = skipWS(rec, v.end)
		if j < obj.end && rec[j] == ',' {
			j = skipWS(rec, j+1)
		}
	}
}

func jsonType(rec []byte, v span) (inferred, []byte) {
	text := rec[v.start:v.end]
	switch v.kind {
	case jNull:
		return tUnknown, nil
	case jTrue, jFalse:
		return tBool, text
	case jInt:
		if _, ok := parseInt(text); ok {
			return tInt, text
		}
		return tDouble, text
	case jFloat:
		return tDouble, text
	case jString:
		s := text[1 : len(text)-1]
		if v.esc {
			s = appendUnescaped(nil, s)
		}
		if sources.LooksLikeTimestamp(s) {
			return tTimestamp, s
		}
		return tString, s
	}
	return tString, text // objects and arrays as JSON text
}

// csvField is one field of a sampled CSV record.
type csvField struct {
	text   []byte
	quoted bool
}

// splitCSV splits a record into its fields; ok is false when it is not
// well-formed.
func splitCSV(dec *CSV, rec []byte) ([]csvField, bool) {
	var row []csvField
	for pos := 0; pos <= len(rec); {
		dec.scratch = dec.scratch[:0]
		field, next, quoted, err := dec.field(rec, pos)
		if err != nil {
			return nil, false
		}
		pos = next
		row = append(row, csvField{text: append([]byte(nil), field...), quoted: quoted})
	}
	return row, true
}

// looksLikeHeader tells whether the first row is a header: every field a
// non-empty, non-numeric string, and some later row with a field that is
// not a string.
func looksLikeHeader(rows [][]csvField) bool {
	for _, f := range rows[0] {
		if csvType(f.text, f.quoted) != tString {
			return false
		}
	}
	for _, row := range rows[1:] {
		for _, f := range row {
			if t := csvType(f.text, f.quoted); t != tString && t != tUnknown {
				return true
			}
		}
	}
	return false
}

// observeCSV records one row, naming columns from header where it has a
// non-empty field and COL_n otherwise.
func (d *discovery) observeCSV(header, row []csvField) {
	for i, f := range row {
		name := "COL_" + strconv.Itoa(i+1)
		if i < len(header) {
			if h := strings.TrimSpace(string(header[i].text)); h != "" {
				name = h
			}
		}
		d.observe(strconv.Itoa(i), name, "", csvType(f.text, f.quoted), f.text)
	}
}

func csvType(f []byte, quoted bool) inferred {
	t := bytes.TrimSpace(f)
	switch {
	case len(t) == 0 && !quoted:
		return tUnknown
	case isIntText(t):
		if _, ok := parseInt(t); ok {
			return tInt
		}
		return tDouble
	case bytes.EqualFold(t, trueText) || bytes.EqualFold(t, falseText):
		return tBool
	case sources.LooksLikeTimestamp(t):
		return tTimestamp
	}
	if _, err := strconv.ParseFloat(string(t), 64); err == nil && bytes.ContainsAny(t, "0123456789") {
		return tDouble
	}
	return tString
}

func (c *discovered) field() arrow.Field {
	var typ arrow.DataType
	var sqlType string
	keys, vals := []string{}, []string{}
	t, odd, outvoted := c.vote()
	switch t {
	case tBool:
		typ, sqlType = arrow.FixedWidthTypes.Boolean, "BOOLEAN"
	case tInt:
		typ, sqlType = arrow.PrimitiveTypes.Int64, "BIGINT"
	case tDouble:
		typ, sqlType = arrow.PrimitiveTypes.Float64, "DOUBLE"
	case tTimestamp:
		typ, sqlType = sources.TimestampType, "TIMESTAMP"
	default:
		n := varcharLength(c.maxLen)
		typ, sqlType = arrow.BinaryTypes.String, fmt.Sprintf("VARCHAR(%d)", n)
		keys, vals = append(keys, MetaLength), append(vals, strconv.Itoa(n))
	}
	keys, vals = append(keys, MetaSQLType), append(vals, sqlType)
	if c.path != "" {
		keys, vals = append(keys, MetaMapping), append(vals, c.path)
	}
	if odd > 0 {
		keys, vals = append(keys, MetaOutvoted), append(vals, outvotedText(odd, c.counts, outvoted))
	}
	return arrow.Field{Name: c.name, Type: typ, Nullable: true, Metadata: arrow.NewMetadata(keys, vals)}
}

// outvotedText says how many of a column's samples were outvoted, such as
// `1 of 40 samples: "12x"`.
func outvotedText(odd int, counts [tString + 1]int, vals []string) string {
	n := 0
	for t := tBool; t <= tString; t++ {
		n += counts[t]
	}
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = strconv.Quote(v)
	}
	more := ""
	if odd > len(vals) {
		more = ", …"
	}
	return fmt.Sprintf("%d of %d samples: %s%s", odd, n, strings.Join(q, ", "), more)
}

// columnName is the column a JSON key becomes: the key as written, "_" for
// an empty key.
func columnName(key string) string {
	if key == "" {
		return "_"
	}
	return key
}

// pathKey is the JSONPath step selecting key.
func pathKey(key string) string {
	plain := key != ""
	for _, r := range key {
		if r == '.' || r == '[' || r == ']' || r == '\'' || r == '"' || r == ' ' {
			plain = false
		}
	}
	if plain {
		return "." + key
	}
	if !strings.Contains(key, "'") {
		return "['" + key + "']"
	}
	return `["` + key + `"]`
}

// Sample reads up to n records from r for DiscoverWith, framed as opts
// (validated against Options) say, skipping blank lines. A header record
// is kept (it is the first sample), for DiscoverWith to name columns by.
func Sample(ctx context.Context, r io.Reader, opts sources.Options, n int) ([][]byte, error) {
	fr, err := NewFramer(opts, 0)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	take := func(rec Record) {
		if rec.Err != nil || len(out) >= n {
			return
		}
		if len(bytes.TrimSpace(rec.Data)) > 0 {
			out = append(out, append([]byte(nil), rec.Data...))
		}
	}
	for len(out) < n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		_, err := fr.Fill(r)
		for rec, ok := fr.Next(); ok; rec, ok = fr.Next() {
			take(rec)
		}
		if errors.Is(err, io.EOF) {
			for rec, ok := fr.Rest(); ok; rec, ok = fr.Rest() {
				take(rec)
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
