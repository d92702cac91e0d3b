package codec

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

// Decoder turns one input record into one row of a sources.Batcher.
//
// Decode reads rec and, when every declared column converts, commits the
// row to b with arrival as its APPROXIMATE_ARRIVAL_TIME (see
// sources.Batcher.Commit). On error nothing is appended and b holds no
// staged values: the record can be rejected and decoding goes on. rec is
// not retained after Decode returns. b must have been built for the
// declared columns the decoder was built for. A Decoder is not safe for
// concurrent use.
type Decoder interface {
	Decode(rec []byte, arrival time.Time, b *sources.Batcher) error
}

// Options lists the format options every decoding connector accepts.
func Options() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "format", Default: "json", Doc: "record format: json (one object per line) or csv"},
		{Name: "mapping", Doc: "JSON column mappings: COL=$.path, COL2=$.other[0] (default: match column names to keys)"},
		{Name: "delimiter", Default: ",", Doc: `CSV field delimiter: one character, or \t / tab`},
		{Name: "quote", Default: `"`, Doc: "CSV quote character; empty turns quoting off"},
		{Name: "header", Kind: sources.KindBool, Default: "false", Doc: "skip the first line of each input (a CSV header)"},
		{Name: "strict_varchar", Kind: sources.KindBool, Default: "false", Doc: "reject a record whose string is longer than its VARCHAR(n) column (error TRUNCATED) instead of truncating and counting it"},
	}
}

// columnsOfDecoder returns the columns of a decoder of this package.
func columnsOfDecoder(d Decoder) []column {
	switch d := d.(type) {
	case *JSON:
		return d.cols
	case *CSV:
		return d.cols
	}
	return nil
}

// CountTruncations makes d, a decoder from New, NewJSON or NewCSV, call f
// with the column's name for every string value it truncates to its
// column's declared length. f is called from Decode, so on Decode's
// goroutine; it is not called with strict_varchar, where such values are
// errors.
func CountTruncations(d Decoder, f func(column string)) {
	cols := columnsOfDecoder(d)
	for i := range cols {
		cols[i].onTrunc = f
	}
}

// New returns the decoder that opts (validated against Options) select for
// the declared columns declared.
func New(declared *arrow.Schema, opts sources.Options) (Decoder, error) {
	d, err := newDecoder(declared, opts)
	if err != nil {
		return nil, err
	}
	if opts.Bool("strict_varchar") {
		cols := columnsOfDecoder(d)
		for i := range cols {
			cols[i].strict = true
		}
	}
	return d, nil
}

func newDecoder(declared *arrow.Schema, opts sources.Options) (Decoder, error) {
	switch f := strings.ToLower(strings.TrimSpace(opts.String("format"))); f {
	case "", "json":
		mapping, err := ParseMapping(opts.String("mapping"))
		if err != nil {
			return nil, err
		}
		return NewJSON(declared, mapping)
	case "csv":
		if opts.String("mapping") != "" {
			return nil, fmt.Errorf("codec: option mapping applies to format json only")
		}
		delim, err := Delimiter(opts.String("delimiter"))
		if err != nil {
			return nil, err
		}
		quote, err := Quote(opts)
		if err != nil {
			return nil, err
		}
		return NewCSV(declared, delim, quote)
	default:
		return nil, fmt.Errorf("codec: unknown format %q (use json or csv)", f)
	}
}

// ParseMapping reads option mapping: comma-separated COL=$.path pairs.
func ParseMapping(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		col, path, ok := strings.Cut(part, "=")
		col, path = strings.TrimSpace(col), strings.TrimSpace(path)
		if !ok || col == "" || path == "" {
			return nil, fmt.Errorf("codec: mapping %q: want COL=$.path", part)
		}
		if _, dup := m[col]; dup {
			return nil, fmt.Errorf("codec: mapping names column %s twice", col)
		}
		m[col] = path
	}
	return m, nil
}

// Delimiter reads option delimiter: one single-byte character, or "\t" or
// "tab" for a tab.
func Delimiter(s string) (byte, error) {
	switch strings.ToLower(s) {
	case `\t`, "tab":
		return '\t', nil
	}
	if len(s) != 1 || s[0] == '\n' || s[0] == '\r' || s[0] == '"' {
		return 0, fmt.Errorf("codec: delimiter %q must be one character (not a quote or newline)", s)
	}
	return s[0], nil
}

// Quote reads option quote: one character, or 0 when quoting is off.
func Quote(opts sources.Options) (byte, error) {
	s, ok := opts["quote"]
	if !ok {
		return '"', nil
	}
	switch len(s) {
	case 0:
		return 0, nil
	case 1:
		if s[0] != '\n' && s[0] != '\r' {
			return s[0], nil
		}
	}
	return 0, fmt.Errorf("codec: quote %q must be one character or empty", s)
}

// ReadSet returns which declared columns a decoder must read: those
// option sources.ColumnsOption names (exactly, as the planner writes
// them) plus the columns options rowtime and arrival name, which make
// ROWTIME and the arrival time. It returns nil, for every column, when
// the option is not set or names a column that is not declared.
func ReadSet(declared *arrow.Schema, opts sources.Options) []bool {
	list, ok := opts[sources.ColumnsOption]
	if !ok {
		return nil
	}
	read := make([]bool, declared.NumFields())
	for _, name := range strings.Split(list, ",") {
		if name == "" {
			continue
		}
		i := fieldIndex(declared, name)
		if i < 0 {
			return nil
		}
		read[i] = true
	}
	for _, name := range []string{opts.String("rowtime"), opts.String("arrival")} {
		if i := fieldIndex(declared, strings.TrimSpace(name)); i >= 0 {
			read[i] = true
		}
	}
	return read
}

// Prune makes d, a decoder of this package, decode only the declared
// columns where read is true (see JSON.Prune); it reports whether d can
// (a CSV decoder reads every column). nil read changes nothing.
func Prune(d Decoder, read []bool) (bool, error) {
	j, ok := d.(*JSON)
	if !ok || read == nil {
		return false, nil
	}
	return true, j.Prune(read)
}
