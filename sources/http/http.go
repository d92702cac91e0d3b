// Package http is the source connector of HTTP(S) resources (reference
// tables): it GETs one resource, JSON lines or CSV, and reads it to its
// end. Version reports the resource's ETag (or Last-Modified) from a HEAD
// request, so a table with a refresh period reloads only when it changed.
//
// Not yet: authentication headers, paging.
package http

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

func init() {
	sources.Register(sources.Factory{
		Name:    "http",
		Doc:     "one HTTP(S) resource, JSON lines or CSV, read to its end (reference tables)",
		Target:  "url",
		Options: Options(),
		Open: func(ctx context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
			return Open(ctx, env, opts)
		},
		Version: Version,
	})
}

// Options returns the options of the http connector, beyond sources.Common.
func Options() []sources.OptionSpec {
	return append([]sources.OptionSpec{
		{Name: "url", Required: true, Doc: "the resource: http(s)://host/path"},
		{Name: "timeout", Kind: sources.KindDuration, Default: "30s", Doc: "how long a request may take"},
		{Name: "batch_size", Kind: sources.KindInt, Default: "8192", Doc: "rows per batch at most"},
		{Name: "arrival", Doc: "a declared TIMESTAMP column whose value becomes APPROXIMATE_ARRIVAL_TIME"},
	}, codec.Options()...)
}

func request(ctx context.Context, raw sources.Options, method string) (*http.Response, sources.Options, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, nil, fmt.Errorf("http: %w", err)
	}
	u := opts.String("url")
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("http: %w", err)
	}
	client := &http.Client{Timeout: opts.Duration("timeout")}
	if method == http.MethodGet {
		client.Timeout = 0 // the body is read by the source, under ctx
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("http: %s %s: %w", method, u, err)
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		return nil, nil, fmt.Errorf("http: %s %s: %s", method, u, resp.Status)
	}
	return resp, opts, nil
}

// Open GETs the resource named by option url.
func Open(ctx context.Context, env sources.Env, raw sources.Options) (sources.Source, error) {
	resp, opts, err := request(ctx, raw, http.MethodGet)
	if err != nil {
		return nil, err
	}
	src, err := codec.NewReaderSource(env, opts, opts.String("url"), resp.Body, int(opts.Int("batch_size")))
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	return src, nil
}

// Version returns the resource's ETag, or its Last-Modified time.
func Version(ctx context.Context, raw sources.Options) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, _, err := request(ctx, raw, http.MethodHead)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if e := resp.Header.Get("ETag"); e != "" {
		return e, nil
	}
	return resp.Header.Get("Last-Modified"), nil
}
