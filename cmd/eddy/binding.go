package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
)

// parseBinding reads NAME=CONNECTOR[:TARGET][?key=value&…] as given to
// --input and --output, returning the stream name and the options (the
// same keys as a WITH clause). TARGET fills the connector's target option.
func parseBinding(arg string, input bool) (string, map[string]string, error) {
	name, uri, ok := strings.Cut(arg, "=")
	// A name with ':', '?', '&' or '/' is a URI whose NAME= was left out:
	// its first option is not a stream name.
	if !ok || name == "" || uri == "" || strings.ContainsAny(name, ":?&/") {
		return "", nil, fmt.Errorf("binding %q: want NAME=CONNECTOR[:TARGET][?key=value&…]", planner.RedactBinding(arg))
	}
	opts, err := parseURI(uri, input)
	if err != nil {
		return "", nil, fmt.Errorf("binding %s: %w", name, err)
	}
	return name, opts, nil
}

// parseURI reads CONNECTOR[:TARGET][?key=value&…].
func parseURI(uri string, input bool) (map[string]string, error) {
	head, query, _ := strings.Cut(uri, "?")
	connector, target, _ := strings.Cut(head, ":")
	connector = strings.ToLower(strings.TrimSpace(connector))
	opts := map[string]string{"connector": connector}
	if query != "" {
		vals, err := url.ParseQuery(query)
		if err != nil {
			// The query is shown redacted, and not the parser's
			// message: it quotes the bad part, which may be a secret.
			return nil, fmt.Errorf("options %q: want key=value pairs joined by & with %%XX escapes", planner.RedactBinding("?" + query)[1:])
		}
		for k, v := range vals {
			opts[strings.ToLower(k)] = v[len(v)-1]
		}
	}
	if target == "" {
		return opts, nil
	}
	target = strings.TrimPrefix(target, "//") // file:///abs/path
	var targetKey string
	if input {
		f, ok := sources.Lookup(connector)
		if !ok {
			return nil, fmt.Errorf("unknown source connector %q (have: %s)", connector, strings.Join(sources.Names(), ", "))
		}
		targetKey = f.Target
	} else {
		f, ok := sinks.Lookup(connector)
		if !ok {
			return nil, fmt.Errorf("unknown destination connector %q (have: %s)", connector, strings.Join(sinks.Names(), ", "))
		}
		targetKey = f.Target
	}
	if targetKey == "" {
		return nil, fmt.Errorf("connector %s takes no target (%q)", connector, planner.RedactBinding(target))
	}
	opts[targetKey] = target
	return opts, nil
}
