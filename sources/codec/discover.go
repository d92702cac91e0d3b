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
	name   string
	path   string // JSONPath; empty for CSV
	typ    inferred
	maxLen int // longest value as text, in characters
}

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
	c.typ = c.typ.merge(t)
	if t != tUnknown {
		c.maxLen = max(c.maxLen, utf8.RuneCount(text))
	}
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
// Options). Column names are upper case. JSON keys become columns in order
// of first appearance, nested objects flattened two levels deep (key b of
// object a is column A_B, read from $.a.b; deeper objects and arrays are
// VARCHAR holding their JSON text); CSV fields are COL_1…COL_n. Integers
// are BIGINT, other numbers DOUBLE, booleans BOOLEAN, strings that read as
// timestamps TIMESTAMP, other strings VARCHAR(n) with n the longest sample,
// columns with only NULLs VARCHAR(1); conflicting samples widen to DOUBLE or
// VARCHAR. Each field carries metadata "sqltype", "length" for VARCHAR and,
// for JSON, "mapping". Samples that do not parse are skipped; it is an
// error when none does.
func DiscoverWith(samples [][]byte, opts sources.Options) (*arrow.Schema, error) {
	d := &discovery{byPath: map[string]*discovered{}, names: map[string]bool{}}
	format := strings.ToLower(strings.TrimSpace(opts.String("format")))
	good := 0
	switch format {
	case "", "json":
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
		for _, rec := range samples {
			if len(bytes.TrimSpace(rec)) == 0 || !d.walkCSV(dec, rec) {
				continue
			}
			good++
		}
	default:
		return nil, fmt.Errorf("codec: discover: unknown format %q (use json or csv)", format)
	}
	if good == 0 {
		return nil, fmt.Errorf("codec: discover: none of %d samples is a %s record", len(samples), strings.ToUpper(format))
	}
	fields := make([]arrow.Field, len(d.cols))
	for i, c := range d.cols {
		fields[i] = c.field()
	}
	return arrow.NewSchema(fields, nil), nil
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

func (d *discovery) walkCSV(dec *CSV, rec []byte) bool {
	dec.scratch = dec.scratch[:0]
	for i, pos := 0, 0; pos <= len(rec); i++ {
		field, next, quoted, err := dec.field(rec, pos)
		if err != nil {
			return false
		}
		pos = next
		name := "COL_" + strconv.Itoa(i+1)
		t := csvType(field, quoted)
		d.observe(name, name, "", t, field)
	}
	return true
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
	switch c.typ {
	case tBool:
		typ, sqlType = arrow.FixedWidthTypes.Boolean, "BOOLEAN"
	case tInt:
		typ, sqlType = arrow.PrimitiveTypes.Int64, "BIGINT"
	case tDouble:
		typ, sqlType = arrow.PrimitiveTypes.Float64, "DOUBLE"
	case tTimestamp:
		typ, sqlType = sources.TimestampType, "TIMESTAMP"
	default:
		n := max(c.maxLen, 1)
		typ, sqlType = arrow.BinaryTypes.String, fmt.Sprintf("VARCHAR(%d)", n)
		keys, vals = append(keys, MetaLength), append(vals, strconv.Itoa(n))
	}
	keys, vals = append(keys, MetaSQLType), append(vals, sqlType)
	if c.path != "" {
		keys, vals = append(keys, MetaMapping), append(vals, c.path)
	}
	return arrow.Field{Name: c.name, Type: typ, Nullable: true, Metadata: arrow.NewMetadata(keys, vals)}
}

// columnName upper-cases a JSON key and replaces every character that may
// not appear in an unquoted SQL identifier with '_'.
func columnName(key string) string {
	var sb strings.Builder
	for i, r := range strings.ToUpper(key) {
		switch {
		case r >= 'A' && r <= 'Z', r == '_', r >= '0' && r <= '9' && i > 0:
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	if sb.Len() == 0 {
		return "_"
	}
	return sb.String()
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
// (validated against Options) say, skipping blank lines and, with option
// header, the first record.
func Sample(ctx context.Context, r io.Reader, opts sources.Options, n int) ([][]byte, error) {
	fr, err := NewFramer(opts, 0)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	skip := opts.Bool("header")
	take := func(rec Record) {
		if rec.Err != nil || len(out) >= n {
			return
		}
		if skip {
			skip = false
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
