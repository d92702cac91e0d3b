package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
	"github.com/eddy-sql/eddy/planner"
)

// importUsage is the help of eddy import.
const importUsage = `usage: eddy import FILE.json [flags]
FILE.json is the output of
  aws kinesisanalytics describe-application --application-name NAME
(the whole response, or its ApplicationDetail). Without --server the
application runs here, as eddy run would run it: its ApplicationCode, its
input with its schema, its outputs and reference data source, connectors
from their ARNs. With --server it is created and started on that server.
  --config FILE            endpoints, region and credentials of the services the
                           ARNs name, as eddy serve --config (local runs and --print)
  --start POSITION         NOW, TRIM_HORIZON (or, with --server, LAST_STOPPED_POINT);
                           default: the file's InputStartingPosition, else NOW
  --state DIR              keep checkpoints in DIR and resume from them (local runs)
  --print                  print the SQL and the bindings it would run, and exit
  --name NAME              the application's name (default: the file's ApplicationName)
  --server URL             create and start the application on this eddy serve
  --replace                with --server: delete an application of the same name first
  --token-file FILE        the server's token (default $EDDY_TOKEN)
  --ca-file FILE           trust this CA for an https server
A Lambda preprocessor (InputProcessingConfiguration) runs on the input's
records before decoding (the kinesis source's preprocess option; the
config's lambda endpoint reaches it). Not supported, and reported with
their place in FILE.json: a Kinesis Data Firehose input, an
InputParallelism above 1.
`

// describedApp is the ApplicationDetail of describe-application, as the
// AWS CLI prints it (kinesisanalytics 2015-08-14).
type describedApp struct {
	ApplicationName        string
	ApplicationDescription string
	ApplicationCode        *string
	InputDescriptions      []struct {
		InputId                                 string
		NamePrefix                              string
		InputProcessingConfigurationDescription *struct {
			InputLambdaProcessorDescription *serve.ResourceRole
		}
		KinesisStreamsInputDescription     *serve.ResourceRole
		KinesisFirehoseInputDescription    *serve.ResourceRole
		InputSchema                        *serve.SourceSchema
		InputParallelism                   *serve.InputParallelism
		InputStartingPositionConfiguration *serve.InputStartingPositionConfiguration
	}
	OutputDescriptions []struct {
		OutputId                         string
		Name                             string
		KinesisStreamsOutputDescription  *serve.ResourceRole
		KinesisFirehoseOutputDescription *serve.ResourceRole
		LambdaOutputDescription          *serve.ResourceRole
		DestinationSchema                *serve.DestinationSchema
	}
	ReferenceDataSourceDescriptions []struct {
		ReferenceId                      string
		TableName                        string
		S3ReferenceDataSourceDescription *serve.S3ReferenceDataSource
		ReferenceSchema                  *serve.SourceSchema
	}
	// ApplicationConfigurationDescription is kinesisanalyticsv2's: not
	// this API.
	ApplicationConfigurationDescription json.RawMessage
}

// imported is an application read from a describe-application file.
type imported struct {
	cfg *serve.AppConfig
	// position is the input's InputStartingPosition ("" if none).
	position string
}

// importError is a problem of a describe-application file; each line is
// FILE:LINE:COL: message.
type importError struct{ problems []string }

func (e *importError) Error() string { return strings.Join(e.problems, "\n") }

// readDescribe reads and checks a describe-application file.
func readDescribe(path string) (*imported, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var whole struct{ ApplicationDetail *describedApp }
	if err := json.Unmarshal(data, &whole); err != nil {
		return nil, &importError{[]string{fmt.Sprintf("%s: not JSON: %v", path, err)}}
	}
	d := whole.ApplicationDetail
	if d == nil {
		d = &describedApp{}
		_ = json.Unmarshal(data, d) // parsed above
	}
	where := func(key string, nth int) string { return jsonPos(path, data, key, nth) }
	if d.ApplicationConfigurationDescription != nil {
		return nil, &importError{[]string{where("ApplicationConfigurationDescription", 0) + ": this is a kinesisanalyticsv2 (Managed Service for Apache Flink) description; eddy imports SQL applications described by aws kinesisanalytics describe-application"}}
	}
	if d.ApplicationCode == nil || d.ApplicationName == "" {
		return nil, &importError{[]string{path + ": no ApplicationName and ApplicationCode: want the output of aws kinesisanalytics describe-application --application-name NAME"}}
	}
	c := &serve.AppConfig{Name: d.ApplicationName, Description: d.ApplicationDescription, Code: *d.ApplicationCode}
	imp := &imported{cfg: c}
	var problems []string
	for i, in := range d.InputDescriptions {
		if in.KinesisFirehoseInputDescription != nil {
			problems = append(problems, fmt.Sprintf("%s: input %s: a Kinesis Data Firehose input (%s) is not supported: Eddy reads Kinesis streams; point the producers at a Kinesis stream", where("KinesisFirehoseInputDescription", i), in.NamePrefix, in.KinesisFirehoseInputDescription.ResourceARN))
		}
		if p := in.InputParallelism; p != nil && p.Count != nil && *p.Count != 1 {
			problems = append(problems, fmt.Sprintf("%s: input %s: InputParallelism Count %d is not supported: Eddy reads every shard in one in-application stream (Count 1)", where("InputParallelism", i), in.NamePrefix, *p.Count))
		}
		if p := in.InputStartingPositionConfiguration; p != nil {
			imp.position = p.InputStartingPosition
		}
		input := serve.Input{InputId: in.InputId, NamePrefix: in.NamePrefix, InputSchema: in.InputSchema, InputParallelism: in.InputParallelism, KinesisStreamsInput: in.KinesisStreamsInputDescription, KinesisFirehoseInput: in.KinesisFirehoseInputDescription}
		if p := in.InputProcessingConfigurationDescription; p != nil && p.InputLambdaProcessorDescription != nil {
			// The kinesis source runs it (option preprocess).
			input.InputProcessingConfiguration = &serve.InputProcessingConfiguration{InputLambdaProcessor: p.InputLambdaProcessorDescription}
		}
		c.Inputs = append(c.Inputs, input)
	}
	if len(d.InputDescriptions) > 1 {
		problems = append(problems, fmt.Sprintf("%s: %d inputs: an application has at most one streaming input", where("InputDescriptions", 0), len(d.InputDescriptions)))
	}
	for _, o := range d.OutputDescriptions {
		c.Outputs = append(c.Outputs, serve.Output{OutputId: o.OutputId, Name: o.Name, DestinationSchema: o.DestinationSchema, KinesisStreamsOutput: o.KinesisStreamsOutputDescription, KinesisFirehoseOutput: o.KinesisFirehoseOutputDescription, LambdaOutput: o.LambdaOutputDescription})
	}
	for _, r := range d.ReferenceDataSourceDescriptions {
		c.Refs = append(c.Refs, serve.ReferenceDataSource{ReferenceId: r.ReferenceId, TableName: r.TableName, ReferenceSchema: r.ReferenceSchema, S3ReferenceDataSource: r.S3ReferenceDataSourceDescription})
	}
	if len(problems) > 0 {
		return nil, &importError{problems}
	}
	return imp, nil
}

// jsonPos returns FILE:LINE:COL of the nth occurrence of "key" in data
// (FILE alone if it is not there).
func jsonPos(path string, data []byte, key string, nth int) string {
	needle := []byte(`"` + key + `"`)
	off := -1
	for i, from := 0, 0; i <= nth; i++ {
		k := bytes.Index(data[from:], needle)
		if k < 0 {
			break
		}
		off, from = from+k, from+k+len(needle)
	}
	if off < 0 {
		return path
	}
	line := bytes.Count(data[:off], []byte("\n")) + 1
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Sprintf("%s:%d:%d", path, line, col)
}

// bindingURI renders options as CONNECTOR?key=value&… (keys sorted), as
// --input and --output take them; redact shows secret values as ***.
func bindingURI(opts map[string]string, redact bool) string {
	if redact {
		opts = planner.RedactOptions(opts)
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		if k != "connector" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := opts[k]
		parts[i] = queryEscaper.Replace(k) + "=" + queryEscaper.Replace(v)
	}
	return opts["connector"] + "?" + strings.Join(parts, "&")
}

// queryEscaper escapes what url.ParseQuery would misread in a value (%,
// &, +, ;, space, #, '), and leaves the rest readable.
var queryEscaper = strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", ";", "%3B", " ", "%20", "#", "%23", "'", "%27", "\n", "%0A", "\t", "%09", "\r", "%0D")

// sortedNames returns the keys of m, sorted.
func sortedNames(m map[string]map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func cmdImport(args []string, stdout, stderr io.Writer) int {
	fs, err := parseFlags(args, append([]string{"config", "start", "state", "name"}, clientFlags...), []string{"print", "replace"})
	if err == nil && len(fs.args) != 1 {
		err = errors.New("want one describe-application JSON file")
	}
	if err != nil {
		fmt.Fprintf(stderr, "eddy import: %v (usage: eddy import FILE.json [--config FILE] [--server URL] [--start POS] [--print]; eddy import --help lists the flags)\n", err)
		return exitUsage
	}
	path := fs.args[0]
	imp, err := readDescribe(path)
	if err != nil {
		fmt.Fprintf(stderr, "eddy import: %v\n", err)
		return exitUsage
	}
	if n := fs.last("name", ""); n != "" {
		imp.cfg.Name = n
	}
	remote := fs.last("server", "") != ""
	position := strings.ToUpper(fs.last("start", imp.position))
	switch position {
	case "":
		position = serve.PositionNow
	case serve.PositionNow, serve.PositionTrimHorizon:
	case serve.PositionLastStoppedPoint:
		if !remote && fs.last("start", "") == "" {
			position = serve.PositionNow // the file's; a local run starts afresh (or from --state)
		} else if !remote {
			fmt.Fprintln(stderr, "eddy import: --start LAST_STOPPED_POINT: only with --server (a local run resumes with --state)")
			return exitUsage
		}
	default:
		fmt.Fprintf(stderr, "eddy import: --start %q: want NOW, TRIM_HORIZON or LAST_STOPPED_POINT\n", position)
		return exitUsage
	}
	if remote && !fs.bools["print"] {
		if fs.last("config", "") != "" || fs.last("state", "") != "" {
			fmt.Fprintln(stderr, "eddy import: --config and --state are for a local run: with --server, the server's own --config maps the ARNs")
			return exitUsage
		}
		return importRemote(fs, imp, position, stdout, stderr)
	}
	var svc serve.ServiceConfig
	if f := fs.last("config", ""); f != "" {
		if svc, err = serve.LoadServiceConfig(f); err != nil {
			fmt.Fprintf(stderr, "eddy import: %v\n", err)
			return exitUsage
		}
	}
	local := position
	if local == serve.PositionLastStoppedPoint {
		local = serve.PositionNow
	}
	b, err := serve.BindingsOf(imp.cfg, svc, local)
	if err != nil {
		fmt.Fprintf(stderr, "eddy import: %s: %v\n", path, err)
		return exitUsage
	}
	if fs.bools["print"] {
		printImport(stdout, path, imp.cfg, b)
		return exitOK
	}
	return importLocal(fs, path, imp.cfg, b, stdout, stderr)
}

// printImport writes the SQL and the bindings of an imported application.
func printImport(w io.Writer, path string, c *serve.AppConfig, b serve.Bindings) {
	fmt.Fprintf(w, "-- eddy import %s: application %s\n", filepath.Base(path), c.Name)
	fmt.Fprintln(w, "-- bindings (eddy run flags; secrets show as ***):")
	for _, g := range []struct {
		flag string
		m    map[string]map[string]string
	}{{"--input", b.Inputs}, {"--reference", b.References}, {"--output", b.Outputs}} {
		for _, name := range sortedNames(g.m) {
			fmt.Fprintf(w, "--   %s %s='%s'\n", g.flag, name, bindingURI(g.m[name], true))
		}
	}
	fmt.Fprintln(w, "\n-- the inputs and reference tables, from their schemas")
	fmt.Fprint(w, b.Prelude)
	fmt.Fprintln(w, "\n-- ApplicationCode")
	fmt.Fprint(w, c.Code)
	if !strings.HasSuffix(c.Code, "\n") {
		fmt.Fprintln(w)
	}
}

// importLocal runs the application as eddy run does: the declarations and
// the code are written to a temporary directory, whose paths never show
// (an error in the code is placed in FILE.json#ApplicationCode).
func importLocal(fs *flagSet, path string, c *serve.AppConfig, b serve.Bindings, stdout, stderr io.Writer) int {
	dir, err := os.MkdirTemp("", "eddy-import-")
	if err != nil {
		fmt.Fprintf(stderr, "eddy import: %v\n", err)
		return exitFailure
	}
	defer os.RemoveAll(dir)
	prelude, code := filepath.Join(dir, "inputs.sql"), filepath.Join(dir, "code.sql")
	if err := os.WriteFile(prelude, []byte(b.Prelude), 0o600); err != nil {
		fmt.Fprintf(stderr, "eddy import: %v\n", err)
		return exitFailure
	}
	if err := os.WriteFile(code, []byte(c.Code), 0o600); err != nil {
		fmt.Fprintf(stderr, "eddy import: %v\n", err)
		return exitFailure
	}
	args := []string{prelude, code}
	for _, g := range []struct {
		flag string
		m    map[string]map[string]string
	}{{"--input", b.Inputs}, {"--reference", b.References}, {"--output", b.Outputs}} {
		for _, name := range sortedNames(g.m) {
			args = append(args, g.flag, name+"="+bindingURI(g.m[name], false))
		}
	}
	if s := fs.last("state", ""); s != "" {
		args = append(args, "--state", s)
	}
	w := &replaceWriter{w: stderr, r: strings.NewReplacer(code, path+"#ApplicationCode", prelude, path+"#InputSchema", dir, "")}
	return runApp(args, stdout, w, nil)
}

// replaceWriter rewrites what is written through it (whole messages: eddy
// writes each line with one call).
type replaceWriter struct {
	w io.Writer
	r *strings.Replacer
}

func (rw *replaceWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// kdaCall calls an operation of the KDA API of a server and decodes its
// answer into out (nil: ignored).
func (c *client) kdaCall(op string, in, out any) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, c.base+"/", bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "KinesisAnalytics_20150814."+op)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &e) == nil && e.Type != "" {
			return &kdaException{Type: e.Type, Message: e.Message}
		}
		return fmt.Errorf("%s: %s: %s", op, resp.Status, strings.TrimSpace(string(body)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}

// kdaException is an exception of the KDA API.
type kdaException struct{ Type, Message string }

func (e *kdaException) Error() string { return e.Type + ": " + e.Message }

// remoteDetail is what eddy import reads of DescribeApplication.
type remoteDetail struct {
	ApplicationStatus    string
	ApplicationVersionId int64
	CreateTimestamp      json.RawMessage
	InputDescriptions    []struct{ InputId string }
}

func (c *client) describe(name string) (*remoteDetail, error) {
	var out struct{ ApplicationDetail remoteDetail }
	if err := c.kdaCall("DescribeApplication", map[string]string{"ApplicationName": name}, &out); err != nil {
		return nil, err
	}
	return &out.ApplicationDetail, nil
}

// importRemote creates (or replaces) and starts the application on a
// server through its KDA API, then waits until it runs.
func importRemote(fs *flagSet, imp *imported, position string, stdout, stderr io.Writer) int {
	c, err := newClient(fs)
	if err != nil {
		fmt.Fprintf(stderr, "eddy import: %v\n", err)
		return exitUsage
	}
	cfg := imp.cfg
	fail := func(err error) int {
		var ke *kdaException
		if errors.As(err, &ke) && ke.Type == "CodeValidationException" {
			// line:col in the code: placed in the file's ApplicationCode.
			fmt.Fprintf(stderr, "eddy import: %s on %s: %s\n%s#ApplicationCode:%s\n", cfg.Name, c.base, ke.Type, fs.args[0], ke.Message)
			return exitUsage
		}
		fmt.Fprintf(stderr, "eddy import: %s on %s: %v\n", cfg.Name, c.base, err)
		return exitFailure
	}
	cur, err := c.describe(cfg.Name)
	var ke *kdaException
	switch {
	case err == nil && !fs.bools["replace"]:
		fmt.Fprintf(stderr, "eddy import: application %s exists on %s (%s); --replace deletes it (and its checkpoints) and imports again\n", cfg.Name, c.base, cur.ApplicationStatus)
		return exitFailure
	case err == nil:
		if err := c.kdaCall("DeleteApplication", map[string]any{"ApplicationName": cfg.Name, "CreateTimestamp": cur.CreateTimestamp}, nil); err != nil {
			return fail(err)
		}
	case errors.As(err, &ke) && ke.Type == "ResourceNotFoundException":
	default:
		return fail(err)
	}
	create := map[string]any{"ApplicationName": cfg.Name, "ApplicationCode": cfg.Code, "Inputs": cfg.Inputs, "Outputs": cfg.Outputs}
	if cfg.Description != "" {
		create["ApplicationDescription"] = cfg.Description
	}
	if err := c.kdaCall("CreateApplication", create, nil); err != nil {
		return fail(err)
	}
	d, err := c.describe(cfg.Name)
	if err != nil {
		return fail(err)
	}
	version := d.ApplicationVersionId
	for _, r := range cfg.Refs {
		if err := c.kdaCall("AddApplicationReferenceDataSource", map[string]any{"ApplicationName": cfg.Name, "CurrentApplicationVersionId": version, "ReferenceDataSource": r}, nil); err != nil {
			return fail(err)
		}
		version++
	}
	var inputs []map[string]any
	for _, in := range d.InputDescriptions {
		inputs = append(inputs, map[string]any{"Id": in.InputId, "InputStartingPositionConfiguration": map[string]string{"InputStartingPosition": position}})
	}
	if err := c.kdaCall("StartApplication", map[string]any{"ApplicationName": cfg.Name, "InputConfigurations": inputs}, nil); err != nil {
		code := fail(err)
		fmt.Fprintf(stderr, "eddy import: %s stays created but READY on %s; import again with --replace\n", cfg.Name, c.base)
		return code
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		d, err := c.describe(cfg.Name)
		if err != nil {
			return fail(err)
		}
		switch d.ApplicationStatus {
		case serve.StatusRunning:
			fmt.Fprintf(stdout, "%s: %s on %s (version %d)\n", cfg.Name, d.ApplicationStatus, c.base, d.ApplicationVersionId)
			return exitOK
		case serve.StatusReady: // it ended, or failed to start
			var info serve.AppInfo
			if err := c.call(http.MethodGet, "/v1/applications/"+url.PathEscape(cfg.Name), nil, &info); err == nil && info.LastError != "" {
				return fail(fmt.Errorf("it did not start: %s", info.LastError))
			}
			return fail(errors.New("it stopped right after starting (READY)"))
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("still %s after a minute", d.ApplicationStatus))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
