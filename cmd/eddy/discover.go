package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/eddy-sql/eddy/cmd/eddy/discovery"
	"github.com/eddy-sql/eddy/sources"
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
	schema, err := discovery.Schema(context.Background(), opts)
	if err != nil {
		fmt.Fprintf(stderr, "eddy discover: %v\n", a.redact.Text(err.Error()))
		return 1
	}
	if _, set := opts["header"]; !set && discovery.Header(schema) {
		opts["header"] = "true"
	}
	for _, n := range discovery.Notes(schema) {
		fmt.Fprintf(stdout, "-- %s\n", n)
	}
	fmt.Fprint(stdout, discovery.CreateStream(fs.last("name", "SOURCE_SQL_STREAM_001"), discovery.Columns(schema), opts))
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
	if err != nil {
		return nil, err
	}
	return discovery.WithFileFormat(opts), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
