package discovery

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/eddy-sql/eddy/sources"
)

// FileFormat returns the format options a file's extension implies
// (before a .gz): csv (tab-delimited for .tsv, header = 'true' when the
// first line of the first file matching the glob looks like a header) or
// json. It returns nil for an extension it does not know.
func FileFormat(path string) map[string]string {
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

// WithFileFormat adds to the options of a file source without a format
// those its path's extension implies (FileFormat), keeping any already
// set. Other options are returned unchanged.
func WithFileFormat(opts map[string]string) map[string]string {
	if opts["connector"] != "file" || opts["path"] == "" {
		return opts
	}
	if _, ok := opts["format"]; ok {
		return opts
	}
	for k, v := range FileFormat(opts["path"]) {
		if _, set := opts[k]; !set {
			opts[k] = v
		}
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
