package discovery

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// Schema samples the source options describe (connector included) through
// its connector's Discover: the columns it would produce, without the
// system columns. Options are validated against the connector's first.
func Schema(ctx context.Context, options map[string]string) (*arrow.Schema, error) {
	name := options["connector"]
	f, ok := sources.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown source connector %q (have: %s)", name, strings.Join(sources.Names(), ", "))
	}
	opts, err := sources.Validate(options, f.Options, true)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if f.Discover == nil {
		return nil, fmt.Errorf("connector %s cannot discover a schema; declare the stream with CREATE STREAM", f.Name)
	}
	return f.Discover(ctx, opts)
}

// Header tells whether discovery named columns after a CSV header (schema
// metadata "header"); a source opened with the same options must then
// skip it (option header = 'true').
func Header(schema *arrow.Schema) bool {
	v, ok := schema.Metadata().GetValue("header")
	return ok && v == "true"
}

// Columns turns a discovered schema into catalog columns; the SQL type
// text comes from field metadata "sqltype" when present.
func Columns(schema *arrow.Schema) []planner.Column {
	cols := make([]planner.Column, 0, len(schema.Fields()))
	for _, f := range schema.Fields() {
		sqlType := ""
		if i := f.Metadata.FindKey(codec.MetaSQLType); i >= 0 {
			sqlType = f.Metadata.Values()[i]
		}
		if sqlType == "" {
			sqlType = planner.SQLTypeOf(f.Type)
		}
		col := planner.Column{Name: f.Name, Type: f.Type, SQLType: sqlType}
		// A discovered VARCHAR(n) truncates longer values, as a declared one.
		if _, after, ok := strings.Cut(strings.ToUpper(sqlType), "CHAR("); ok {
			if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(after), ")")); err == nil && n > 0 {
				col.Length = n
			}
		}
		cols = append(cols, col)
	}
	return cols
}

// Notes says what discovery guessed beyond the types, one sentence each:
// the sample values each column outvoted (they will go to the error stream
// as DECODE rows) and how VARCHAR lengths were chosen.
func Notes(schema *arrow.Schema) []string {
	var notes []string
	varchar := false
	for _, f := range schema.Fields() {
		if v, ok := f.Metadata.GetValue(codec.MetaOutvoted); ok {
			sqlType, _ := f.Metadata.GetValue(codec.MetaSQLType)
			notes = append(notes, fmt.Sprintf("%s: %s outvoted as not %s; such values go to the error stream", QuoteName(f.Name), v, sqlType))
		}
		_, ok := f.Metadata.GetValue(codec.MetaLength)
		varchar = varchar || ok
	}
	if varchar {
		notes = append(notes, "VARCHAR(n): n is the next power of two at least twice the longest sample (16 or more); longer values are truncated and counted")
	}
	return notes
}

// CreateStream renders a CREATE OR REPLACE STREAM declaring cols, with
// opts as its WITH clause (none when opts is empty). Secret options show
// as planner.Redacted, with a comment saying so.
func CreateStream(name string, cols []planner.Column, opts map[string]string) string {
	var b strings.Builder
	secret := false
	for k := range opts {
		secret = secret || planner.IsSecretOption(k)
	}
	if secret {
		b.WriteString("-- secret options are shown as '" + planner.Redacted + "': put them back in\n")
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE STREAM %s (\n", QuoteName(name))
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %s %s%s\n", QuoteName(c.Name), c.SQLType, sep)
	}
	b.WriteString(")")
	if len(opts) > 0 {
		b.WriteString(" WITH (" + planner.FormatOptions(opts) + ")")
	}
	b.WriteString(";\n")
	return b.String()
}

// QuoteName double-quotes a name unless it is a plain upper-case word.
func QuoteName(s string) string {
	for i, r := range s {
		if !(r >= 'A' && r <= 'Z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}
