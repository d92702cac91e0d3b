package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/eddy-sql/eddy/planner"
)

func cmdDiscover(args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, []string{"name"}, nil)
	if err != nil || len(fs.args) != 1 {
		fmt.Fprintln(stderr, "usage: eddy discover [--name STREAM] CONNECTOR[:TARGET][?key=value&...]")
		return 2
	}
	opts, err := parseURI(fs.args[0], true)
	if err != nil {
		fmt.Fprintf(stderr, "eddy discover: %v\n", err)
		return 2
	}
	a := newApp(stdout, stderr, "")
	cols, err := a.checked.DiscoverSource(context.Background(), opts)
	if err != nil {
		fmt.Fprintf(stderr, "eddy discover: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, createStreamText(fs.last("name", "SOURCE_SQL_STREAM_001"), cols, opts))
	return 0
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
