package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// client talks to eddy serve's own API.
type client struct {
	base  string
	token string
	http  *http.Client
}

// clientFlags are the flags every client command takes.
var clientFlags = []string{"server", "token-file", "ca-file"}

// newClient makes a client from --server, --token-file and --ca-file (or
// $EDDY_SERVER and $EDDY_TOKEN).
func newClient(fs *flagSet) (*client, error) {
	base := fs.last("server", os.Getenv("EDDY_SERVER"))
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want http(s)://HOST:PORT", base)
	}
	c := &client{base: strings.TrimRight(base, "/"), token: os.Getenv("EDDY_TOKEN"), http: &http.Client{Timeout: 60 * time.Second}}
	if f := fs.last("token-file", ""); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--token-file: %w", err)
		}
		c.token = strings.TrimSpace(string(data))
	}
	if f := fs.last("ca-file", ""); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate", f)
		}
		c.http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	return c, nil
}

// call sends a request with a JSON body (nil for none) and decodes the
// JSON answer into out.
func (c *client) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error, Message string }
		if json.Unmarshal(data, &e) == nil && e.Message != "" {
			return fmt.Errorf("%s: %s", e.Error, e.Message)
		}
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// submitUsage is the help of eddy submit.
const submitUsage = `usage: eddy submit FILE.sql... [flags]
  --name NAME              the application's name (default: the first file's, without .sql)
  --input NAME=URI         bind input stream NAME: CONNECTOR[:TARGET][?key=value&...]
  --output NAME=URI        bind output stream NAME
  --reference NAME=URI     bind reference table NAME
  --set KEY=VALUE          a setting, as SET KEY = 'VALUE'
  --start POSITION         NOW, TRIM_HORIZON or LAST_STOPPED_POINT (default); none: create only
  --no-start               create without starting
  --replace                replace an application of the same name (stopped, updated, restarted)
  --server URL             the server (default $EDDY_SERVER or http://127.0.0.1:8080)
  --token-file FILE        the server's token (default $EDDY_TOKEN)
  --ca-file FILE           trust this CA for an https server
File paths of file bindings are made absolute; the server accepts them only inside its --allow-path.
`

func cmdSubmit(args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "--help" {
			fmt.Fprint(stdout, submitUsage)
			return exitOK
		}
	}
	fs, err := parseFlags(args, append([]string{"name", "input", "output", "reference", "set", "start"}, clientFlags...), []string{"replace", "no-start"})
	if err != nil || len(fs.args) == 0 {
		if err == nil {
			err = errors.New("no SQL file given")
		}
		fmt.Fprintf(stderr, "eddy submit: %v\n%s", err, submitUsage)
		return exitUsage
	}
	sub := serve.Submission{Name: fs.last("name", ""), Start: fs.last("start", serve.PositionLastStoppedPoint), Replace: fs.bools["replace"]}
	if fs.bools["no-start"] {
		sub.Start = ""
	}
	if sub.Name == "" {
		sub.Name = strings.TrimSuffix(filepath.Base(fs.args[0]), filepath.Ext(fs.args[0]))
	}
	var code strings.Builder
	for _, f := range fs.args {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "eddy submit: %v\n", err)
			return exitUsage
		}
		code.Write(data)
		code.WriteString("\n")
	}
	sub.Code = code.String()
	for _, kind := range []string{"input", "output", "reference"} {
		for _, b := range fs.values[kind] {
			name, opts, err := parseBinding(b, kind != "output")
			if err != nil {
				fmt.Fprintf(stderr, "eddy submit: --%s %v\n", kind, err)
				return exitUsage
			}
			if opts["connector"] == "file" && opts["path"] != "" {
				if abs, err := filepath.Abs(opts["path"]); err == nil {
					opts["path"] = abs
				}
			}
			m := map[string]map[string]map[string]string{"input": sub.Inputs, "output": sub.Outputs, "reference": sub.References}[kind]
			if m == nil {
				m = map[string]map[string]string{}
				switch kind {
				case "input":
					sub.Inputs = m
				case "output":
					sub.Outputs = m
				default:
					sub.References = m
				}
			}
			m[name] = opts
		}
	}
	for _, kv := range fs.values["set"] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(stderr, "eddy submit: --set %q: want KEY=VALUE\n", kv)
			return exitUsage
		}
		if sub.Settings == nil {
			sub.Settings = map[string]string{}
		}
		sub.Settings[k] = v
	}
	c, err := newClient(fs)
	if err != nil {
		fmt.Fprintf(stderr, "eddy submit: %v\n", err)
		return exitUsage
	}
	var info serve.AppInfo
	if err := c.call(http.MethodPost, "/v1/applications", sub, &info); err != nil {
		fmt.Fprintf(stderr, "eddy submit: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: %s (version %d)\n", info.Name, info.Status, info.Version)
	return exitOK
}

// cmdClient is eddy apps, eddy stop NAME and eddy logs NAME.
func cmdClient(cmd string, args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, append([]string{"rows"}, clientFlags...), nil)
	want := 1
	if cmd == "apps" {
		want = 0
	}
	if err == nil && len(fs.args) != want {
		err = fmt.Errorf("want %d argument(s)", want)
	}
	if err != nil {
		fmt.Fprintf(stderr, "eddy %s: %v (usage: eddy apps | eddy stop NAME | eddy logs NAME [--rows N]; --server URL --token-file FILE)\n", cmd, err)
		return exitUsage
	}
	c, err := newClient(fs)
	if err != nil {
		fmt.Fprintf(stderr, "eddy %s: %v\n", cmd, err)
		return exitUsage
	}
	switch cmd {
	case "apps":
		var apps []serve.AppInfo
		if err = c.call(http.MethodGet, "/v1/applications", nil, &apps); err == nil {
			tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATUS\tVERSION\tLAST ERROR OR WARNING")
			for _, a := range apps {
				problem := a.LastError
				if problem == "" {
					problem = a.Warning
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", a.Name, a.Status, a.Version, problem)
			}
			tw.Flush()
		}
	case "stop":
		var info serve.AppInfo
		if err = c.call(http.MethodPost, "/v1/applications/"+url.PathEscape(fs.args[0])+"/stop", nil, &info); err == nil {
			fmt.Fprintf(stdout, "%s: %s\n", info.Name, info.Status)
		}
	case "logs":
		n := 100
		if v := fs.last("rows", ""); v != "" {
			if n, err = strconv.Atoi(v); err != nil || n <= 0 {
				fmt.Fprintf(stderr, "eddy logs: --rows %q: want a positive number\n", v)
				return exitUsage
			}
		}
		var out struct{ Rows []serve.ErrorRow }
		if err = c.call(http.MethodGet, "/v1/applications/"+url.PathEscape(fs.args[0])+"/logs?rows="+strconv.Itoa(n), nil, &out); err == nil {
			for _, r := range out.Rows {
				where := r.Stream
				if r.Pump != "" {
					where = strings.TrimPrefix(where+" pump "+r.Pump, " ")
				}
				fmt.Fprintf(stdout, "%s %s %s: %s (%s): %s\n", r.Time, r.Level, r.Name, r.Message, where, r.DataRow)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "eddy %s: %v\n", cmd, err)
		return exitFailure
	}
	return exitOK
}
