package serve

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/cmd/eddy/discovery"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// discoverTimeout bounds how long POST /v1/discover samples a source.
const discoverTimeout = 30 * time.Second

// DiscoverRequest is the body of POST /v1/discover: the options of a
// source (a WITH clause's keys, connector included) and the name of the
// stream the CREATE STREAM it answers declares (SOURCE_SQL_STREAM_001
// when empty). With Application, a secret option given as
// planner.Redacted takes its value from that application's binding of
// Name (an input or a reference table), so that a page that only ever saw
// the redacted options can sample the source.
type DiscoverRequest struct {
	Options     map[string]string `json:"options"`
	Name        string            `json:"name,omitempty"`
	Application string            `json:"application,omitempty"`
}

// DiscoverResult is the answer of POST /v1/discover: the columns the
// source would produce, the options it would be opened with (a file's
// format and a CSV header filled in; secrets redacted), what discovery
// guessed beyond the types, and a CREATE STREAM declaring it all.
type DiscoverResult struct {
	Columns      []DiscoveredColumn `json:"columns"`
	Options      map[string]string  `json:"options"`
	Notes        []string           `json:"notes,omitempty"`
	CreateStream string             `json:"create_stream"`
}

// DiscoveredColumn is a column discovery found: its name, SQL type, and,
// for a JSON field not at the top level, the JSONPath it maps (the
// binding's mapping option takes COL=PATH pairs).
type DiscoveredColumn struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Mapping string `json:"mapping,omitempty"`
}

// ConnectorInfo describes a registered connector for GET /v1/connectors:
// its name, one line of documentation, the option a binding's TARGET
// fills, whether it can discover a schema (sources), and its options.
type ConnectorInfo struct {
	Name     string       `json:"name"`
	Doc      string       `json:"doc"`
	Target   string       `json:"target,omitempty"`
	Discover bool         `json:"discover,omitempty"`
	Options  []OptionInfo `json:"options"`
}

// OptionInfo is one documented connector option.
type OptionInfo struct {
	Name     string `json:"name"`
	Doc      string `json:"doc"`
	Default  string `json:"default,omitempty"`
	Required bool   `json:"required,omitempty"`
	Secret   bool   `json:"secret,omitempty"`
}

// serveDiscover answers POST /v1/discover and GET /v1/connectors.
func (a *api) serveDiscover(w http.ResponseWriter, r *http.Request, body []byte) {
	var out any
	var err error
	switch {
	case r.URL.Path == "/v1/discover" && r.Method == http.MethodPost:
		out, err = a.discover(r.Context(), body)
	case r.URL.Path == "/v1/connectors" && r.Method == http.MethodGet:
		out = connectorCatalog()
	default:
		noEndpoint(w, r)
		return
	}
	writeResult(w, out, err)
}

// discover samples the source a DiscoverRequest describes, within the
// server's confinement.
func (a *api) discover(ctx context.Context, body []byte) (*DiscoverResult, error) {
	var in DiscoverRequest
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	opts := map[string]string{}
	for k, v := range in.Options {
		opts[strings.ToLower(strings.TrimSpace(k))] = v
	}
	if opts["connector"] == "" {
		return nil, invalid("discover: options need a connector")
	}
	if in.Name == "" {
		in.Name = "SOURCE_SQL_STREAM_001"
	}
	if in.Application != "" {
		app, err := a.m.get(in.Application)
		if err != nil {
			return nil, err
		}
		cur, _ := app.snapshot()
		old := cur.InputBindings[in.Name]
		if old == nil {
			old = cur.ReferenceBindings[in.Name]
		}
		if err := keepSecrets("discover", opts, old); err != nil {
			return nil, err
		}
	} else if err := keepSecrets("discover", opts, nil); err != nil {
		return nil, err
	}
	redact := newRedactorOf(opts)
	if err := a.m.confine.check(opts); err != nil {
		return nil, invalid("discover: %v", redact.Text(err.Error()))
	}
	opts = discovery.WithFileFormat(opts)
	ctx, cancel := context.WithTimeout(ctx, discoverTimeout)
	defer cancel()
	schema, err := discovery.Schema(ctx, opts)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "no records within " + discoverTimeout.String() + ": " + msg
		}
		if errors.Is(err, sources.ErrOption) {
			return nil, invalid("discover: %s", redact.Text(msg))
		}
		return nil, &apiError{Type: errUnableToDetectSchema, Message: "discover: " + redact.Text(msg)}
	}
	if _, set := opts["header"]; !set && discovery.Header(schema) {
		opts["header"] = "true"
	}
	cols := discovery.Columns(schema)
	res := &DiscoverResult{Columns: make([]DiscoveredColumn, len(cols)), Options: planner.RedactOptions(opts), Notes: discovery.Notes(schema),
		CreateStream: discovery.CreateStream(in.Name, cols, opts)}
	for i, c := range cols {
		res.Columns[i] = DiscoveredColumn{Name: c.Name, Type: c.SQLType}
		if m, ok := schema.Field(i).Metadata.GetValue(codec.MetaMapping); ok {
			res.Columns[i].Mapping = m
		}
	}
	return res, nil
}

// connectorCatalog lists the registered sources and destinations with
// their documented options (a source's include the ones every source
// takes).
func connectorCatalog() map[string][]ConnectorInfo {
	optionsOf := func(specs ...[]sources.OptionSpec) []OptionInfo {
		out := []OptionInfo{}
		for _, list := range specs {
			for _, o := range list {
				if o.Name == "connector" {
					continue
				}
				out = append(out, OptionInfo{Name: o.Name, Doc: o.Doc, Default: o.Default, Required: o.Required, Secret: planner.IsSecretOption(o.Name)})
			}
		}
		return out
	}
	srcs := []ConnectorInfo{}
	for _, n := range sources.Names() {
		f, _ := sources.Lookup(n)
		srcs = append(srcs, ConnectorInfo{Name: n, Doc: f.Doc, Target: f.Target, Discover: f.Discover != nil, Options: optionsOf(f.Options, sources.Common)})
	}
	dsts := []ConnectorInfo{}
	names := sinks.Names()
	sort.Strings(names)
	for _, n := range names {
		f, _ := sinks.Lookup(n)
		dsts = append(dsts, ConnectorInfo{Name: n, Doc: f.Doc, Target: f.Target, Options: optionsOf(f.Options)})
	}
	return map[string][]ConnectorInfo{"sources": srcs, "destinations": dsts}
}
