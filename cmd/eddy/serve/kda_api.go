package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// targetPrefix starts the X-Amz-Target of every kinesisanalytics call.
const targetPrefix = "KinesisAnalytics_20150814."

// kdaContentType is the JSON protocol's content type.
const kdaContentType = "application/x-amz-json-1.1"

// kdaOps are the operations of the KDA API the server answers.
var kdaOps = map[string]func(*api, []byte) (any, error){
	"CreateApplication":                             (*api).createApplication,
	"DescribeApplication":                           (*api).describeApplication,
	"ListApplications":                              (*api).listApplications,
	"StartApplication":                              (*api).startApplication,
	"StopApplication":                               (*api).stopApplication,
	"UpdateApplication":                             (*api).updateApplication,
	"DeleteApplication":                             (*api).deleteApplication,
	"AddApplicationInput":                           (*api).addApplicationInput,
	"AddApplicationOutput":                          (*api).addApplicationOutput,
	"DeleteApplicationOutput":                       (*api).deleteApplicationOutput,
	"AddApplicationReferenceDataSource":             (*api).addApplicationReferenceDataSource,
	"DeleteApplicationReferenceDataSource":          (*api).deleteApplicationReferenceDataSource,
	"DiscoverInputSchema":                           (*api).discoverInputSchema,
	"TagResource":                                   (*api).tagResource,
	"UntagResource":                                 (*api).untagResource,
	"ListTagsForResource":                           (*api).listTagsForResource,
	"AddApplicationInputProcessingConfiguration":    (*api).addApplicationInputProcessingConfiguration,
	"DeleteApplicationInputProcessingConfiguration": (*api).deleteApplicationInputProcessingConfiguration,
	"AddApplicationCloudWatchLoggingOption":         unsupported,
	"DeleteApplicationCloudWatchLoggingOption":      unsupported,
}

func unsupported(*api, []byte) (any, error) {
	return nil, &apiError{Type: errUnsupportedOperation, Message: "not supported by eddy serve yet"}
}

// api answers the KDA API and Eddy's own for a Manager.
type api struct {
	m *Manager
}

// serveKDA answers one call of the KDA JSON protocol.
func (a *api) serveKDA(w http.ResponseWriter, r *http.Request, body []byte) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	fn, ok := kdaOps[op]
	if !ok {
		writeKDAError(w, &apiError{Type: errUnknownOperation, Message: fmt.Sprintf("unknown operation %q", r.Header.Get("X-Amz-Target"))})
		return
	}
	out, err := fn(a, body)
	if err != nil {
		ae := asAPIError(err)
		a.m.log.Info("api call failed", "operation", op, "error", ae.Error())
		writeKDAError(w, ae)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	data, err := json.Marshal(out)
	if err != nil {
		writeKDAError(w, &apiError{Type: errServiceUnavailable, Message: err.Error()})
		return
	}
	w.Header().Set("Content-Type", kdaContentType)
	w.Write(data)
}

// writeKDAError writes an exception as the JSON protocol does.
func writeKDAError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", kdaContentType)
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.WriteHeader(e.status())
	data, _ := json.Marshal(map[string]string{"__type": e.Type, "message": e.Message})
	w.Write(data)
}

// decode reads a request body into v.
func decode(body []byte, v any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{Type: errSerialization, Message: err.Error()}
	}
	return nil
}

// applicationSummary is ListApplications' and CreateApplication's entry.
type applicationSummary struct {
	ApplicationName   string
	ApplicationARN    string
	ApplicationStatus string
}

func (a *api) createApplication(body []byte) (any, error) {
	var in struct {
		ApplicationName        string
		ApplicationDescription string
		ApplicationCode        string
		Inputs                 []Input
		Outputs                []Output
		Tags                   []Tag
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	c := &AppConfig{Name: in.ApplicationName, Description: in.ApplicationDescription, Code: in.ApplicationCode, Tags: in.Tags}
	for _, i := range in.Inputs {
		i.InputId = c.newID()
		c.Inputs = append(c.Inputs, i)
	}
	for _, o := range in.Outputs {
		o.OutputId = c.newID()
		c.Outputs = append(c.Outputs, o)
	}
	if err := a.m.Create(c); err != nil {
		return nil, err
	}
	return map[string]any{"ApplicationSummary": applicationSummary{c.Name, c.ARN, StatusReady}}, nil
}

type nameRequest struct{ ApplicationName string }

// inputDescription, outputDescription and referenceDescription are
// DescribeApplication's shapes.
type inputDescription struct {
	InputId                                 string
	NamePrefix                              string
	InAppStreamNames                        []string
	InputProcessingConfigurationDescription *inputProcessingDescription `json:",omitempty"`
	KinesisStreamsInputDescription          *ResourceRole               `json:",omitempty"`
	KinesisFirehoseInputDescription         *ResourceRole               `json:",omitempty"`
	InputSchema                             *SourceSchema
	InputParallelism                        *InputParallelism
	InputStartingPositionConfiguration      *InputStartingPositionConfiguration `json:",omitempty"`
}

type inputProcessingDescription struct {
	InputLambdaProcessorDescription *ResourceRole `json:",omitempty"`
}

type outputDescription struct {
	OutputId                         string
	Name                             string
	KinesisStreamsOutputDescription  *ResourceRole `json:",omitempty"`
	KinesisFirehoseOutputDescription *ResourceRole `json:",omitempty"`
	LambdaOutputDescription          *ResourceRole `json:",omitempty"`
	DestinationSchema                *DestinationSchema
}

type referenceDescription struct {
	ReferenceId                      string
	TableName                        string
	S3ReferenceDataSourceDescription *S3ReferenceDataSource
	ReferenceSchema                  *SourceSchema
}

type applicationDetail struct {
	ApplicationName                     string
	ApplicationDescription              string `json:",omitempty"`
	ApplicationARN                      string
	ApplicationStatus                   string
	CreateTimestamp                     epochTime
	LastUpdateTimestamp                 epochTime
	InputDescriptions                   []inputDescription
	OutputDescriptions                  []outputDescription
	ReferenceDataSourceDescriptions     []referenceDescription
	CloudWatchLoggingOptionDescriptions []struct{}
	ApplicationCode                     string
	ApplicationVersionId                int64
}

// detailOf describes an application as KDA did; Eddy's bindings (and so
// their secrets) are not part of it.
func detailOf(c *AppConfig, status string) applicationDetail {
	d := applicationDetail{
		ApplicationName: c.Name, ApplicationDescription: c.Description, ApplicationARN: c.ARN, ApplicationStatus: status,
		CreateTimestamp: epochTime{c.Created}, LastUpdateTimestamp: epochTime{c.Updated},
		InputDescriptions: []inputDescription{}, OutputDescriptions: []outputDescription{},
		ReferenceDataSourceDescriptions: []referenceDescription{}, CloudWatchLoggingOptionDescriptions: []struct{}{},
		ApplicationCode: c.Code, ApplicationVersionId: c.Version,
	}
	for _, in := range c.Inputs {
		one := 1
		par := in.InputParallelism
		if par == nil || par.Count == nil {
			par = &InputParallelism{Count: &one}
		}
		desc := inputDescription{
			InputId: in.InputId, NamePrefix: in.NamePrefix, InAppStreamNames: inAppStreams(in),
			KinesisStreamsInputDescription: in.KinesisStreamsInput, KinesisFirehoseInputDescription: in.KinesisFirehoseInput,
			InputSchema: in.InputSchema, InputParallelism: par,
		}
		if in.InputProcessingConfiguration != nil {
			desc.InputProcessingConfigurationDescription = &inputProcessingDescription{InputLambdaProcessorDescription: in.InputProcessingConfiguration.InputLambdaProcessor}
		}
		if c.Position != "" {
			desc.InputStartingPositionConfiguration = &InputStartingPositionConfiguration{InputStartingPosition: c.Position}
		}
		d.InputDescriptions = append(d.InputDescriptions, desc)
	}
	for _, o := range c.Outputs {
		d.OutputDescriptions = append(d.OutputDescriptions, outputDescription{
			OutputId: o.OutputId, Name: o.Name, KinesisStreamsOutputDescription: o.KinesisStreamsOutput,
			KinesisFirehoseOutputDescription: o.KinesisFirehoseOutput, LambdaOutputDescription: o.LambdaOutput,
			DestinationSchema: o.DestinationSchema,
		})
	}
	for _, r := range c.Refs {
		d.ReferenceDataSourceDescriptions = append(d.ReferenceDataSourceDescriptions, referenceDescription{
			ReferenceId: r.ReferenceId, TableName: r.TableName, S3ReferenceDataSourceDescription: r.S3ReferenceDataSource, ReferenceSchema: r.ReferenceSchema,
		})
	}
	return d
}

func (a *api) describeApplication(body []byte) (any, error) {
	var in nameRequest
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	app, err := a.m.get(in.ApplicationName)
	if err != nil {
		return nil, err
	}
	c, status := app.snapshot()
	return map[string]any{"ApplicationDetail": detailOf(c, status)}, nil
}

func (a *api) listApplications(body []byte) (any, error) {
	var in struct {
		Limit                         int
		ExclusiveStartApplicationName string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Limit <= 0 || in.Limit > 50 {
		in.Limit = 50
	}
	out := []applicationSummary{}
	more := false
	for _, app := range a.m.apps() {
		c, status := app.snapshot()
		if in.ExclusiveStartApplicationName != "" && c.Name <= in.ExclusiveStartApplicationName {
			continue
		}
		if len(out) == in.Limit {
			more = true
			break
		}
		out = append(out, applicationSummary{c.Name, c.ARN, status})
	}
	return map[string]any{"ApplicationSummaries": out, "HasMoreApplications": more}, nil
}

func (a *api) startApplication(body []byte) (any, error) {
	var in struct {
		ApplicationName     string
		InputConfigurations []struct {
			Id                                 string
			InputStartingPositionConfiguration *InputStartingPositionConfiguration
		}
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	app, err := a.m.get(in.ApplicationName)
	if err != nil {
		return nil, err
	}
	c, _ := app.snapshot()
	position := ""
	for _, ic := range in.InputConfigurations {
		found := false
		for _, i := range c.Inputs {
			found = found || i.InputId == ic.Id
		}
		if !found {
			return nil, invalid("input %q not found in application %s", ic.Id, c.Name)
		}
		if ic.InputStartingPositionConfiguration != nil {
			position = ic.InputStartingPositionConfiguration.InputStartingPosition
		}
	}
	return nil, a.m.Start(in.ApplicationName, position)
}

func (a *api) stopApplication(body []byte) (any, error) {
	var in nameRequest
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, a.m.Stop(in.ApplicationName)
}

func (a *api) deleteApplication(body []byte) (any, error) {
	var in struct {
		ApplicationName string
		CreateTimestamp *epochTime
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.CreateTimestamp == nil {
		return nil, invalid("CreateTimestamp is required")
	}
	return nil, a.m.Delete(in.ApplicationName, &in.CreateTimestamp.Time)
}

// versioned is the head of every call that changes an application.
type versioned struct {
	ApplicationName             string
	CurrentApplicationVersionId *int64
}

func (a *api) addApplicationInput(body []byte) (any, error) {
	var in struct {
		versioned
		Input *Input
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Input == nil {
		return nil, invalid("Input is required")
	}
	return nil, a.m.Update(in.ApplicationName, in.CurrentApplicationVersionId, func(c *AppConfig) error {
		if len(c.Inputs) > 0 {
			return &apiError{Type: errLimitExceeded, Message: "an application has at most one streaming input"}
		}
		i := *in.Input
		i.InputId = c.newID()
		c.Inputs = append(c.Inputs, i)
		return nil
	})
}

// addApplicationInputProcessingConfiguration sets the Lambda
// preprocessor of an input; the kinesis source runs it (option
// preprocess) when the application next starts.
func (a *api) addApplicationInputProcessingConfiguration(body []byte) (any, error) {
	var in struct {
		versioned
		InputId                      string
		InputProcessingConfiguration *InputProcessingConfiguration
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	p := in.InputProcessingConfiguration
	if p == nil || p.InputLambdaProcessor == nil || p.InputLambdaProcessor.ResourceARN == "" {
		return nil, invalid("InputProcessingConfiguration.InputLambdaProcessor.ResourceARN is required")
	}
	if _, err := lambdaFunction(p.InputLambdaProcessor.ResourceARN); err != nil {
		return nil, invalid("InputLambdaProcessor: %v", err)
	}
	return nil, a.m.Update(in.ApplicationName, in.CurrentApplicationVersionId, func(c *AppConfig) error {
		for i := range c.Inputs {
			if c.Inputs[i].InputId == in.InputId {
				if c.Inputs[i].InputProcessingConfiguration != nil {
					return invalid("input %s already has a processing configuration", in.InputId)
				}
				pc := *p
				c.Inputs[i].InputProcessingConfiguration = &pc
				return nil
			}
		}
		return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("no input %s", in.InputId)}
	})
}

// deleteApplicationInputProcessingConfiguration removes an input's
// preprocessor.
func (a *api) deleteApplicationInputProcessingConfiguration(body []byte) (any, error) {
	var in struct {
		versioned
		InputId string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, a.m.Update(in.ApplicationName, in.CurrentApplicationVersionId, func(c *AppConfig) error {
		for i := range c.Inputs {
			if c.Inputs[i].InputId == in.InputId {
				if c.Inputs[i].InputProcessingConfiguration == nil {
					return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("input %s has no processing configuration", in.InputId)}
				}
				c.Inputs[i].InputProcessingConfiguration = nil
				return nil
			}
		}
		return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("no input %s", in.InputId)}
	})
}

func (a *api) addApplicationOutput(body []byte) (any, error) {
	var in struct {
		versioned
		Output *Output
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Output == nil {
		return nil, invalid("Output is required")
	}
	return nil, a.m.Update(in.ApplicationName, in.CurrentApplicationVersionId, func(c *AppConfig) error {
		o := *in.Output
		for _, x := range c.Outputs {
			if x.Name == o.Name {
				return invalid("in-application stream %s already has an output (%s)", o.Name, x.OutputId)
			}
		}
		o.OutputId = c.newID()
		c.Outputs = append(c.Outputs, o)
		return nil
	})
}

func (a *api) deleteApplicationOutput(body []byte) (any, error) {
	var in struct {
		versioned
		OutputId string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, a.m.Update(in.ApplicationName, in.CurrentApplicationVersionId, func(c *AppConfig) error {
		for i, o := range c.Outputs {
			if o.OutputId == in.OutputId {
				c.Outputs = append(c.Outputs[:i], c.Outputs[i+1:]...)
				return nil
			}
		}
		return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("output %q not found", in.OutputId)}
	})
}

func (a *api) addApplicationReferenceDataSource(body []byte) (any, error) {
	var in struct {
		versioned
		ReferenceDataSource *ReferenceDataSource
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.ReferenceDataSource == nil {
		return nil, invalid("ReferenceDataSource is required")
	}
	return nil, a.m.Update(in.ApplicationName, in.CurrentApplicationVersionId, func(c *AppConfig) error {
		r := *in.ReferenceDataSource
		if r.TableName == "" {
			return invalid("TableName is required")
		}
		r.ReferenceId = c.newID()
		c.Refs = append(c.Refs, r)
		return nil
	})
}

func (a *api) deleteApplicationReferenceDataSource(body []byte) (any, error) {
	var in struct {
		versioned
		ReferenceId string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, a.m.Update(in.ApplicationName, in.CurrentApplicationVersionId, func(c *AppConfig) error {
		for i, r := range c.Refs {
			if r.ReferenceId == in.ReferenceId {
				c.Refs = append(c.Refs[:i], c.Refs[i+1:]...)
				return nil
			}
		}
		return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("reference data source %q not found", in.ReferenceId)}
	})
}

// arnUpdate is the shape of KinesisStreamsInputUpdate and its kin.
type arnUpdate struct {
	ResourceARNUpdate *string
	RoleARNUpdate     *string
}

func (u *arnUpdate) apply(r *ResourceRole) *ResourceRole {
	if r == nil {
		r = &ResourceRole{}
	}
	if u.ResourceARNUpdate != nil {
		r.ResourceARN = *u.ResourceARNUpdate
	}
	if u.RoleARNUpdate != nil {
		r.RoleARN = *u.RoleARNUpdate
	}
	return r
}

type applicationUpdate struct {
	ApplicationCodeUpdate *string
	InputUpdates          []struct {
		InputId           string
		NamePrefixUpdate  *string
		InputSchemaUpdate *struct {
			RecordFormatUpdate   *RecordFormat
			RecordEncodingUpdate *string
			RecordColumnUpdates  []RecordColumn
		}
		InputParallelismUpdate     *struct{ CountUpdate *int }
		KinesisStreamsInputUpdate  *arnUpdate
		KinesisFirehoseInputUpdate *arnUpdate
	}
	OutputUpdates []struct {
		OutputId                    string
		NameUpdate                  *string
		DestinationSchemaUpdate     *DestinationSchema
		KinesisStreamsOutputUpdate  *arnUpdate
		KinesisFirehoseOutputUpdate *arnUpdate
		LambdaOutputUpdate          *arnUpdate
	}
	ReferenceDataSourceUpdates []struct {
		ReferenceId                 string
		TableNameUpdate             *string
		S3ReferenceDataSourceUpdate *struct {
			BucketARNUpdate, FileKeyUpdate, ReferenceRoleARNUpdate *string
		}
		ReferenceSchemaUpdate *SourceSchema
	}
}

func (a *api) updateApplication(body []byte) (any, error) {
	var in struct {
		versioned
		ApplicationUpdate *applicationUpdate
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	u := in.ApplicationUpdate
	if u == nil {
		return nil, invalid("ApplicationUpdate is required")
	}
	return nil, a.m.Update(in.ApplicationName, in.CurrentApplicationVersionId, func(c *AppConfig) error {
		if u.ApplicationCodeUpdate != nil {
			c.Code = *u.ApplicationCodeUpdate
		}
		for _, iu := range u.InputUpdates {
			i := indexOf(len(c.Inputs), func(k int) bool { return c.Inputs[k].InputId == iu.InputId })
			if i < 0 {
				return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("input %q not found", iu.InputId)}
			}
			in := &c.Inputs[i]
			if iu.NamePrefixUpdate != nil {
				in.NamePrefix = *iu.NamePrefixUpdate
			}
			if s := iu.InputSchemaUpdate; s != nil {
				if in.InputSchema == nil {
					in.InputSchema = &SourceSchema{}
				}
				if s.RecordFormatUpdate != nil {
					in.InputSchema.RecordFormat = s.RecordFormatUpdate
				}
				if s.RecordEncodingUpdate != nil {
					in.InputSchema.RecordEncoding = *s.RecordEncodingUpdate
				}
				if s.RecordColumnUpdates != nil {
					in.InputSchema.RecordColumns = s.RecordColumnUpdates
				}
			}
			if p := iu.InputParallelismUpdate; p != nil && p.CountUpdate != nil {
				in.InputParallelism = &InputParallelism{Count: p.CountUpdate}
			}
			if iu.KinesisStreamsInputUpdate != nil {
				in.KinesisStreamsInput, in.KinesisFirehoseInput = iu.KinesisStreamsInputUpdate.apply(in.KinesisStreamsInput), nil
			}
			if iu.KinesisFirehoseInputUpdate != nil {
				in.KinesisFirehoseInput, in.KinesisStreamsInput = iu.KinesisFirehoseInputUpdate.apply(in.KinesisFirehoseInput), nil
			}
		}
		for _, ou := range u.OutputUpdates {
			i := indexOf(len(c.Outputs), func(k int) bool { return c.Outputs[k].OutputId == ou.OutputId })
			if i < 0 {
				return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("output %q not found", ou.OutputId)}
			}
			o := &c.Outputs[i]
			if ou.NameUpdate != nil {
				o.Name = *ou.NameUpdate
			}
			if ou.DestinationSchemaUpdate != nil {
				o.DestinationSchema = ou.DestinationSchemaUpdate
			}
			switch {
			case ou.KinesisStreamsOutputUpdate != nil:
				o.KinesisStreamsOutput, o.KinesisFirehoseOutput, o.LambdaOutput = ou.KinesisStreamsOutputUpdate.apply(o.KinesisStreamsOutput), nil, nil
			case ou.KinesisFirehoseOutputUpdate != nil:
				o.KinesisFirehoseOutput, o.KinesisStreamsOutput, o.LambdaOutput = ou.KinesisFirehoseOutputUpdate.apply(o.KinesisFirehoseOutput), nil, nil
			case ou.LambdaOutputUpdate != nil:
				o.LambdaOutput, o.KinesisStreamsOutput, o.KinesisFirehoseOutput = ou.LambdaOutputUpdate.apply(o.LambdaOutput), nil, nil
			}
		}
		for _, ru := range u.ReferenceDataSourceUpdates {
			i := indexOf(len(c.Refs), func(k int) bool { return c.Refs[k].ReferenceId == ru.ReferenceId })
			if i < 0 {
				return &apiError{Type: errResourceNotFound, Message: fmt.Sprintf("reference data source %q not found", ru.ReferenceId)}
			}
			r := &c.Refs[i]
			if ru.TableNameUpdate != nil {
				r.TableName = *ru.TableNameUpdate
			}
			if ru.ReferenceSchemaUpdate != nil {
				r.ReferenceSchema = ru.ReferenceSchemaUpdate
			}
			if s := ru.S3ReferenceDataSourceUpdate; s != nil {
				if r.S3ReferenceDataSource == nil {
					r.S3ReferenceDataSource = &S3ReferenceDataSource{}
				}
				if s.BucketARNUpdate != nil {
					r.S3ReferenceDataSource.BucketARN = *s.BucketARNUpdate
				}
				if s.FileKeyUpdate != nil {
					r.S3ReferenceDataSource.FileKey = *s.FileKeyUpdate
				}
				if s.ReferenceRoleARNUpdate != nil {
					r.S3ReferenceDataSource.ReferenceRoleARN = *s.ReferenceRoleARNUpdate
				}
			}
		}
		return nil
	})
}

func indexOf(n int, match func(int) bool) int {
	for i := 0; i < n; i++ {
		if match(i) {
			return i
		}
	}
	return -1
}

// discoverInputSchema samples a Kinesis stream and infers its schema, as
// KDA did.
func (a *api) discoverInputSchema(body []byte) (any, error) {
	var in struct {
		ResourceARN                        string
		RoleARN                            string
		InputStartingPositionConfiguration *InputStartingPositionConfiguration
		S3Configuration                    *struct{ BucketARN, FileKey, RoleARN string }
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.S3Configuration != nil {
		return nil, &apiError{Type: errUnsupportedOperation, Message: "discovering the schema of an S3 object is not supported yet; declare the ReferenceSchema"}
	}
	name, err := kinesisStream(in.ResourceARN)
	if err != nil {
		return nil, invalid("ResourceARN: %v", err)
	}
	f, ok := sources.Lookup("kinesis")
	if !ok || f.Discover == nil {
		return nil, &apiError{Type: errUnsupportedOperation, Message: "no kinesis connector in this build"}
	}
	raw := withService(map[string]string{"connector": "kinesis", "stream": name, "start": "trim_horizon"}, a.m.opts.Services.options("kinesis"), sourceKeys("kinesis"))
	if p := in.InputStartingPositionConfiguration; p != nil && p.InputStartingPosition == PositionNow {
		raw["start"] = "latest"
	}
	opts, err := sources.Validate(raw, f.Options, true)
	if err != nil {
		return nil, invalid("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema, err := f.Discover(ctx, opts)
	if err != nil {
		redact := newRedactorOf(raw)
		return nil, &apiError{Type: errUnableToDetectSchema, Message: redact.Text(err.Error())}
	}
	ss := &SourceSchema{RecordEncoding: "UTF-8", RecordFormat: &RecordFormat{RecordFormatType: "JSON", MappingParameters: &MappingParameters{JSONMappingParameters: &JSONMappingParameters{RecordRowPath: "$"}}}}
	mapped := false
	for _, fld := range schema.Fields() {
		col := RecordColumn{Name: fld.Name}
		if i := fld.Metadata.FindKey(codec.MetaSQLType); i >= 0 {
			col.SqlType = fld.Metadata.Values()[i]
		}
		if i := fld.Metadata.FindKey(codec.MetaMapping); i >= 0 {
			col.Mapping, mapped = fld.Metadata.Values()[i], true
		}
		ss.RecordColumns = append(ss.RecordColumns, col)
	}
	if !mapped {
		ss.RecordFormat = &RecordFormat{RecordFormatType: "CSV", MappingParameters: &MappingParameters{CSVMappingParameters: &CSVMappingParameters{RecordRowDelimiter: "\n", RecordColumnDelimiter: ","}}}
	}
	return map[string]any{"InputSchema": ss, "ParsedInputRecords": [][]string{}, "RawInputRecords": []string{}}, nil
}

// applicationOfARN finds the application an ARN names.
func (a *api) applicationOfARN(s string) (*application, error) {
	parsed, err := parseARN(s)
	if err != nil || parsed.service != "kinesisanalytics" || !strings.HasPrefix(parsed.resource, "application/") {
		return nil, invalid("ResourceARN %q is not an application ARN", s)
	}
	return a.m.get(strings.TrimPrefix(parsed.resource, "application/"))
}

func (a *api) tagResource(body []byte) (any, error) {
	var in struct {
		ResourceARN string
		Tags        []Tag
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	app, err := a.applicationOfARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return nil, a.m.retag(app, func(tags []Tag) ([]Tag, error) {
		for _, t := range in.Tags {
			i := indexOf(len(tags), func(k int) bool { return tags[k].Key == t.Key })
			if i >= 0 {
				tags[i] = t
			} else {
				tags = append(tags, t)
			}
		}
		if len(tags) > 50 {
			return nil, &apiError{Type: "TooManyTagsException", Message: "an application has at most 50 tags"}
		}
		return tags, nil
	})
}

func (a *api) untagResource(body []byte) (any, error) {
	var in struct {
		ResourceARN string
		TagKeys     []string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	app, err := a.applicationOfARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return nil, a.m.retag(app, func(tags []Tag) ([]Tag, error) {
		var out []Tag
		for _, t := range tags {
			drop := false
			for _, k := range in.TagKeys {
				drop = drop || k == t.Key
			}
			if !drop {
				out = append(out, t)
			}
		}
		return out, nil
	})
}

func (a *api) listTagsForResource(body []byte) (any, error) {
	var in struct{ ResourceARN string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	app, err := a.applicationOfARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	c, _ := app.snapshot()
	tags := c.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return map[string]any{"Tags": tags}, nil
}
