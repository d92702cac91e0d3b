package serve

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sql"
)

// plan is what an application's configuration turns into: the statements
// that declare its inputs and reference tables (from their KDA schemas),
// and the bindings of streams and tables to connectors.
type plan struct {
	prelude    string // CREATE STREAM / CREATE TABLE of the KDA inputs and references
	settings   string // SET statements
	inputs     map[string]map[string]string
	outputs    map[string]map[string]string
	references map[string]map[string]string
	// ids maps stream names to the KDA input or output id for metrics.
	ids map[string]string
}

// inAppStreams returns the in-application stream names of an input:
// NamePrefix_001 … as KDA named them.
func inAppStreams(in Input) []string {
	n := 1
	if in.InputParallelism != nil && in.InputParallelism.Count != nil {
		n = *in.InputParallelism.Count
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s_%03d", in.NamePrefix, i+1)
	}
	return out
}

// planOf turns c into a plan; position is the starting position of the
// KDA inputs (NOW or TRIM_HORIZON).
func planOf(c *AppConfig, svc ServiceConfig, position string) (*plan, error) {
	p := &plan{inputs: map[string]map[string]string{}, outputs: map[string]map[string]string{}, references: map[string]map[string]string{}, ids: map[string]string{}}
	var pre strings.Builder
	for _, in := range c.Inputs {
		opts, err := inputOptions(in, svc, position)
		if err != nil {
			return nil, invalid("input %s: %v", in.InputId, err)
		}
		for _, name := range inAppStreams(in) {
			fmt.Fprintf(&pre, "CREATE STREAM %s (%s);\n", quoteName(name), columnsSQL(in.InputSchema.RecordColumns))
			p.inputs[name] = opts
			p.ids[name] = in.InputId
		}
	}
	for _, r := range c.Refs {
		opts, err := referenceOptions(r, svc)
		if err != nil {
			return nil, invalid("reference data source %s: %v", r.ReferenceId, err)
		}
		fmt.Fprintf(&pre, "CREATE TABLE %s (%s);\n", quoteName(r.TableName), columnsSQL(r.ReferenceSchema.RecordColumns))
		p.references[r.TableName] = opts
	}
	for _, o := range c.Outputs {
		opts, err := outputOptions(o, svc)
		if err != nil {
			return nil, invalid("output %s: %v", o.OutputId, err)
		}
		p.outputs[o.Name] = opts
		p.ids[o.Name] = o.OutputId
	}
	for name, opts := range c.InputBindings {
		p.inputs[name] = copyMap(opts)
	}
	for name, opts := range c.OutputBindings {
		p.outputs[name] = copyMap(opts)
	}
	for name, opts := range c.ReferenceBindings {
		p.references[name] = copyMap(opts)
	}
	p.prelude = pre.String()
	keys := make([]string, 0, len(c.Settings))
	for k := range c.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var set strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&set, "SET %s = '%s';\n", k, strings.ReplaceAll(c.Settings[k], "'", "''"))
	}
	p.settings = set.String()
	return p, nil
}

// columnsSQL renders record columns as a column list.
func columnsSQL(cols []RecordColumn) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quoteName(c.Name) + " " + c.SqlType
	}
	return strings.Join(parts, ", ")
}

// formatOptions returns the codec options of a record format and columns:
// format, mapping (JSON), delimiter (CSV).
func formatOptions(s *SourceSchema) (map[string]string, error) {
	if s == nil || s.RecordFormat == nil || len(s.RecordColumns) == 0 {
		return nil, errors.New("a schema needs RecordFormat and RecordColumns")
	}
	if e := s.RecordEncoding; e != "" && !strings.EqualFold(e, "UTF-8") {
		return nil, fmt.Errorf("RecordEncoding %q: only UTF-8", e)
	}
	opts := map[string]string{}
	switch strings.ToUpper(s.RecordFormat.RecordFormatType) {
	case "JSON":
		opts["format"] = "json"
		var maps []string
		for _, c := range s.RecordColumns {
			if c.Mapping != "" {
				maps = append(maps, c.Name+"="+c.Mapping)
			}
		}
		if len(maps) > 0 {
			opts["mapping"] = strings.Join(maps, ", ")
		}
	case "CSV":
		opts["format"] = "csv"
		if mp := s.RecordFormat.MappingParameters; mp != nil && mp.CSVMappingParameters != nil {
			if d := mp.CSVMappingParameters.RecordColumnDelimiter; d != "" {
				opts["delimiter"] = d
			}
			if r := mp.CSVMappingParameters.RecordRowDelimiter; r != "" && r != "\n" && r != "\r\n" {
				return nil, fmt.Errorf("RecordRowDelimiter %q: only a newline", r)
			}
		}
	default:
		return nil, fmt.Errorf("RecordFormatType %q: want JSON or CSV", s.RecordFormat.RecordFormatType)
	}
	for _, c := range s.RecordColumns {
		if c.Name == "" || c.SqlType == "" {
			return nil, errors.New("every record column needs a Name and a SqlType")
		}
	}
	return opts, nil
}

// inputOptions maps a KDA input to the options of a kinesis source.
func inputOptions(in Input, svc ServiceConfig, position string) (map[string]string, error) {
	if in.KinesisFirehoseInput != nil {
		return nil, errors.New("Kinesis Data Firehose inputs are not supported; use a Kinesis stream")
	}
	if in.KinesisStreamsInput == nil {
		return nil, errors.New("KinesisStreamsInput is required")
	}
	name, err := kinesisStream(in.KinesisStreamsInput.ResourceARN)
	if err != nil {
		return nil, err
	}
	opts, err := formatOptions(in.InputSchema)
	if err != nil {
		return nil, err
	}
	opts["connector"] = "kinesis"
	opts["stream"] = name
	opts["start"] = "latest"
	if position == PositionTrimHorizon {
		opts["start"] = "trim_horizon"
	}
	if p := in.InputProcessingConfiguration; p != nil {
		if err := preprocessOptions(opts, p, svc); err != nil {
			return nil, err
		}
	}
	return withService(opts, svc.options("kinesis"), sourceKeys("kinesis")), nil
}

// preprocessOptions maps an input's Lambda preprocessor to the kinesis
// source's preprocess options: the function, and the Lambda service
// configuration's endpoint, region and timeout.
func preprocessOptions(opts map[string]string, p *InputProcessingConfiguration, svc ServiceConfig) error {
	if p.InputLambdaProcessor == nil || p.InputLambdaProcessor.ResourceARN == "" {
		return errors.New("InputProcessingConfiguration needs an InputLambdaProcessor with a ResourceARN")
	}
	name, err := lambdaFunction(p.InputLambdaProcessor.ResourceARN)
	if err != nil {
		return fmt.Errorf("InputLambdaProcessor: %w", err)
	}
	opts["preprocess"] = "lambda:" + name
	lambda := svc.options("lambda")
	for _, k := range []string{"endpoint", "region", "timeout"} {
		if v := lambda[k]; v != "" {
			opts["preprocess_"+k] = v
		}
	}
	return nil
}

// referenceOptions maps a KDA reference data source to the options of an
// s3 source.
func referenceOptions(r ReferenceDataSource, svc ServiceConfig) (map[string]string, error) {
	if r.S3ReferenceDataSource == nil {
		return nil, errors.New("S3ReferenceDataSource is required")
	}
	bucket, err := s3Bucket(r.S3ReferenceDataSource.BucketARN)
	if err != nil {
		return nil, err
	}
	if r.S3ReferenceDataSource.FileKey == "" {
		return nil, errors.New("FileKey is required")
	}
	opts, err := formatOptions(r.ReferenceSchema)
	if err != nil {
		return nil, err
	}
	opts["connector"] = "s3"
	opts["url"] = "s3://" + bucket + "/" + strings.TrimPrefix(r.S3ReferenceDataSource.FileKey, "/")
	return withService(opts, svc.options("s3"), sourceKeys("s3")), nil
}

// outputOptions maps a KDA output to a kinesis, firehose or function
// destination.
func outputOptions(o Output, svc ServiceConfig) (map[string]string, error) {
	format := "json"
	if o.DestinationSchema != nil {
		switch strings.ToUpper(o.DestinationSchema.RecordFormatType) {
		case "JSON":
		case "CSV":
			format = "csv"
		default:
			return nil, fmt.Errorf("RecordFormatType %q: want JSON or CSV", o.DestinationSchema.RecordFormatType)
		}
	} else {
		return nil, errors.New("DestinationSchema is required")
	}
	if o.Name == "" {
		return nil, errors.New("Name (the in-application stream) is required")
	}
	opts := map[string]string{"format": format}
	var service string
	switch {
	case o.KinesisStreamsOutput != nil:
		name, err := kinesisStream(o.KinesisStreamsOutput.ResourceARN)
		if err != nil {
			return nil, err
		}
		opts["connector"], opts["stream"], service = "kinesis", name, "kinesis"
	case o.KinesisFirehoseOutput != nil:
		name, err := firehoseStream(o.KinesisFirehoseOutput.ResourceARN)
		if err != nil {
			return nil, err
		}
		opts["connector"], opts["destination"], service = "firehose", "firehose://"+name, "firehose"
		opts["buffer_interval"] = "1s" // the delivery stream buffers; Eddy only batches calls
	case o.LambdaOutput != nil:
		name, err := lambdaFunction(o.LambdaOutput.ResourceARN)
		if err != nil {
			return nil, err
		}
		opts["connector"], opts["lambda"], service = "function", name, "lambda"
	default:
		return nil, errors.New("one of KinesisStreamsOutput, KinesisFirehoseOutput and LambdaOutput is required")
	}
	return withService(opts, svc.options(service), sinkKeys(opts["connector"])), nil
}

// withService adds the service's options that the connector knows
// (known), without overriding opts.
func withService(opts, service map[string]string, known map[string]bool) map[string]string {
	for k, v := range service {
		if _, set := opts[k]; !set && known[k] {
			opts[k] = v
		}
	}
	return opts
}

func sourceKeys(connector string) map[string]bool {
	keys := map[string]bool{}
	if f, ok := sources.Lookup(connector); ok {
		// Not append(f.Options, …): that would write into the
		// registry's slice when it has room, racing with other callers.
		for _, opts := range [][]sources.OptionSpec{f.Options, sources.Common} {
			for _, o := range opts {
				keys[o.Name] = true
			}
		}
	}
	return keys
}

func sinkKeys(connector string) map[string]bool {
	keys := map[string]bool{}
	if f, ok := sinks.Lookup(connector); ok {
		for _, o := range f.Options {
			keys[o.Name] = true
		}
	}
	return keys
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
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

// load executes a plan and the application's code in session s: settings,
// then the declarations of inputs and references, then the code. Errors
// in the code are *sql.Error positioned in it (line:col).
func (p *plan) load(ctx context.Context, s *planner.Session, code string) error {
	for name, opts := range p.inputs {
		s.BindInput(name, opts)
	}
	for name, opts := range p.outputs {
		s.BindOutput(name, opts)
	}
	for name, opts := range p.references {
		s.BindReference(name, opts)
	}
	for _, src := range []*sql.Source{{Name: "settings", Text: p.settings}, {Name: "input configuration", Text: p.prelude}, {Text: code}} {
		if strings.TrimSpace(src.Text) == "" {
			continue
		}
		stmts, err := sql.Parse(src)
		if err != nil {
			return wrapConfig(src, err)
		}
		for _, st := range stmts {
			if _, err := s.Exec(ctx, st); err != nil {
				return wrapConfig(src, err)
			}
		}
	}
	return nil
}

// wrapConfig makes an error in the generated statements an
// InvalidArgumentException (the configuration is wrong, not the code).
func wrapConfig(src *sql.Source, err error) error {
	if src.Name == "" {
		return err
	}
	return invalid("%s: %s", src.Name, planner.RedactSQL(err.Error()))
}

// newRedactorOf returns a redactor that knows the secrets of opts.
func newRedactorOf(opts ...map[string]string) *planner.Redactor {
	r := &planner.Redactor{}
	for _, o := range opts {
		r.Add(o)
	}
	return r
}

// Bindings are the statements and connector bindings an application's KDA
// configuration turns into: what eddy import runs without a server.
type Bindings struct {
	// Prelude declares the inputs (CREATE STREAM) and reference tables
	// (CREATE TABLE) from their KDA schemas.
	Prelude string
	// Inputs, Outputs and References bind stream and table names to
	// connector options (a WITH clause's keys, connector included).
	Inputs, Outputs, References map[string]map[string]string
}

// BindingsOf maps c's inputs, outputs and reference data sources to
// connectors as the server does, with the services of svc; position is
// where the inputs start (PositionNow or PositionTrimHorizon).
func BindingsOf(c *AppConfig, svc ServiceConfig, position string) (Bindings, error) {
	p, err := planOf(c, svc, position)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return Bindings{}, errors.New(ae.Message)
		}
		return Bindings{}, err
	}
	return Bindings{Prelude: p.prelude, Inputs: p.inputs, Outputs: p.outputs, References: p.references}, nil
}
