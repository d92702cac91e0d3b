package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

func cmdDiscover(args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, []string{"name"}, nil)
	if err != nil || len(fs.args) != 1 {
		if err != nil {
			fmt.Fprintf(stderr, "eddy discover: %v\n", err)
		} else if len(fs.args) == 0 {
			fmt.Fprintln(stderr, "eddy discover: what should it sample? A file name or CONNECTOR[:TARGET][?key=value&...]")
		} else {
			fmt.Fprintf(stderr, "eddy discover: one source at a time (got %d)\n", len(fs.args))
		}
		fmt.Fprintln(stderr, "usage: eddy discover [--name STREAM] FILE | CONNECTOR[:TARGET][?key=value&...] (eddy discover --help)")
		return 2
	}
	opts, err := discoverOptions(fs.args[0])
	if err != nil {
		fmt.Fprintf(stderr, "eddy discover: %v\n", err)
		return 2
	}
	a := newApp(stdout, stderr, "")
	a.redact.Add(opts)
	schema, err := discoverSchema(context.Background(), opts)
	if err != nil {
		fmt.Fprintf(stderr, "eddy discover: %v\n", a.redact.Text(err.Error()))
		return 1
	}
	if _, set := opts["header"]; !set && discoveredHeader(schema) {
		opts["header"] = "true"
	}
	fmt.Fprint(stdout, discoveryNotes(schema))
	fmt.Fprint(stdout, createStreamText(fs.last("name", "SOURCE_SQL_STREAM_001"), columnsOf(schema), opts))
	return 0
}

// discoverOptions reads the source to discover: CONNECTOR[:TARGET][?…]
// as --input takes it, or a plain file name (with ?options if any), read
// by the file connector. A file source without a format gets the format
// of its extension, and a CSV file the header option its first line
// suggests.
func discoverOptions(arg string) (map[string]string, error) {
	head, _, _ := strings.Cut(arg, "?")
	connector, _, hasColon := strings.Cut(head, ":")
	_, known := sources.Lookup(strings.ToLower(strings.TrimSpace(connector)))
	_, statErr := os.Stat(head)
	if !known && (!hasColon || statErr == nil) {
		arg = "file:" + arg // a file name; a typo in a connector name still fails below
	}
	opts, err := parseURI(arg, true)
	if err != nil || opts["connector"] != "file" || opts["path"] == "" {
		return opts, err
	}
	if _, ok := opts["format"]; !ok {
		for k, v := range formatOfPath(opts["path"]) {
			if _, set := opts[k]; !set {
				opts[k] = v
			}
		}
	}
	return opts, nil
}

// formatOfPath returns the format options a file's extension implies
// (before a .gz): csv (tab-delimited for .tsv, header sniffed) or json.
// It returns nil for an extension it does not know.
func formatOfPath(path string) map[string]string {
	base := strings.ToLower(filepath.Base(path))
	gz := strings.HasSuffix(base, ".gz")
	base = strings.TrimSuffix(base, ".gz")
	opts := map[string]string{}
	switch filepath.Ext(base) {
	case ".json", ".jsonl", ".ndjson":
		opts["format"] = "json"
		return opts
	case ".csv":
		opts["format"] = "csv"
	case ".tsv", ".tab":
		opts["format"], opts["delimiter"] = "csv", "\t"
	default:
		return nil
	}
	delim := ','
	if opts["delimiter"] != "" {
		delim = '\t'
	}
	if csvHasHeader(path, gz, delim) {
		opts["header"] = "true"
	}
	return opts
}

// csvHasHeader tells whether the first line of the first file matching
// path looks like a header: every field non-empty, distinct, and neither
// a number nor a timestamp.
func csvHasHeader(path string, gz bool, delim rune) bool {
	matches, _ := filepath.Glob(path)
	if len(matches) == 0 {
		return false
	}
	f, err := os.Open(matches[0])
	if err != nil {
		return false
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return false
		}
		defer zr.Close()
		r = zr
	}
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	first, err := cr.Read()
	if err != nil || len(first) == 0 {
		return false
	}
	seen := map[string]bool{}
	for _, field := range first {
		field = strings.TrimSpace(field)
		if field == "" || seen[field] {
			return false
		}
		seen[field] = true
		if _, err := strconv.ParseFloat(field, 64); err == nil {
			return false
		}
		if _, err := sources.ParseTimestamp(field); err == nil {
			return false
		}
	}
	return true
}

// discoveryNotes renders, as SQL comments, what discovery guessed beyond
// the types: the sample values each column outvoted (they will go to the
// error stream as DECODE rows) and how VARCHAR lengths were chosen.
func discoveryNotes(schema *arrow.Schema) string {
	var b strings.Builder
	varchar := false
	for _, f := range schema.Fields() {
		if v, ok := f.Metadata.GetValue(codec.MetaOutvoted); ok {
			sqlType, _ := f.Metadata.GetValue(codec.MetaSQLType)
			fmt.Fprintf(&b, "-- %s: %s outvoted as not %s; such values go to the error stream\n", quoteName(f.Name), v, sqlType)
		}
		_, ok := f.Metadata.GetValue(codec.MetaLength)
		varchar = varchar || ok
	}
	if varchar {
		b.WriteString("-- VARCHAR(n): n is the next power of two at least twice the longest sample (16 or more); longer values are truncated and counted\n")
	}
	return b.String()
}

// createStreamText renders a CREATE STREAM for discovered columns. Secret
// options show as '***', with a comment saying so.
func createStreamText(name string, cols []planner.Column, opts map[string]string) string {
	var b strings.Builder
	secret := false
	for k := range opts {
		secret = secret || planner.IsSecretOption(k)
	}
	if secret {
		b.WriteString("-- secret options are shown as '" + planner.Redacted + "': put them back in\n")
	}
	opts = planner.RedactOptions(opts)
	fmt.Fprintf(&b, "CREATE OR REPLACE STREAM %s (\n", quoteName(name))
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %s %s%s\n", quoteName(c.Name), c.SQLType, sep)
	}
	b.WriteString(")")
	if len(opts) > 0 {
		b.WriteString(" WITH (")
		keys := sortedKeys(opts)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = '%s'", k, strings.ReplaceAll(opts[k], "'", "''"))
		}
		b.WriteString(")")
	}
	b.WriteString(";\n")
	return b.String()
}

// quoteName double-quotes a name unless it is a plain upper-case word.
func quoteName(s string) string {
	for i, r := range s {
		if !(r >= 'A' && r <= 'Z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
