package serve

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// The types below are the kinesisanalytics (2015-08-14) API's shapes, with
// its field names, as they travel in JSON.

// Tag is a key-value pair on an application.
type Tag struct {
	Key   string
	Value string `json:",omitempty"`
}

// ResourceRole is a resource ARN with the role to reach it, as in
// KinesisStreamsInput, KinesisFirehoseOutput, LambdaOutput.
type ResourceRole struct {
	ResourceARN string
	RoleARN     string `json:",omitempty"`
}

// RecordColumn is one column of an input or reference schema.
type RecordColumn struct {
	Name    string
	SqlType string
	Mapping string `json:",omitempty"`
}

// JSONMappingParameters says where rows are in a JSON record.
type JSONMappingParameters struct {
	RecordRowPath string
}

// CSVMappingParameters says how a CSV record splits into rows and columns.
type CSVMappingParameters struct {
	RecordRowDelimiter    string
	RecordColumnDelimiter string
}

// MappingParameters holds the format's mapping parameters.
type MappingParameters struct {
	JSONMappingParameters *JSONMappingParameters `json:",omitempty"`
	CSVMappingParameters  *CSVMappingParameters  `json:",omitempty"`
}

// RecordFormat is JSON or CSV with its mapping.
type RecordFormat struct {
	RecordFormatType  string
	MappingParameters *MappingParameters `json:",omitempty"`
}

// SourceSchema is the schema of an input or a reference table.
type SourceSchema struct {
	RecordFormat   *RecordFormat
	RecordEncoding string `json:",omitempty"`
	RecordColumns  []RecordColumn
}

// InputParallelism is the number of in-application streams of an input.
type InputParallelism struct {
	Count *int `json:",omitempty"`
}

// InputLambdaProcessor preprocesses input records with a Lambda function.
type InputLambdaProcessor = ResourceRole

// InputProcessingConfiguration holds an input's preprocessor.
type InputProcessingConfiguration struct {
	InputLambdaProcessor *InputLambdaProcessor `json:",omitempty"`
}

// InputStartingPositionConfiguration says where an input starts reading.
type InputStartingPositionConfiguration struct {
	InputStartingPosition string `json:",omitempty"`
}

// Input is an application's streaming source as created; the server adds
// InputId.
type Input struct {
	InputId                      string `json:",omitempty"`
	NamePrefix                   string
	InputSchema                  *SourceSchema
	InputParallelism             *InputParallelism             `json:",omitempty"`
	InputProcessingConfiguration *InputProcessingConfiguration `json:",omitempty"`
	KinesisStreamsInput          *ResourceRole                 `json:",omitempty"`
	KinesisFirehoseInput         *ResourceRole                 `json:",omitempty"`
}

// DestinationSchema says how output rows are written.
type DestinationSchema struct {
	RecordFormatType string
}

// Output is an application's destination: an in-application stream and
// where its rows go.
type Output struct {
	OutputId              string `json:",omitempty"`
	Name                  string
	DestinationSchema     *DestinationSchema
	KinesisStreamsOutput  *ResourceRole `json:",omitempty"`
	KinesisFirehoseOutput *ResourceRole `json:",omitempty"`
	LambdaOutput          *ResourceRole `json:",omitempty"`
}

// S3ReferenceDataSource is the S3 object of a reference table.
type S3ReferenceDataSource struct {
	BucketARN        string
	FileKey          string
	ReferenceRoleARN string `json:",omitempty"`
}

// ReferenceDataSource is a reference table loaded from S3.
type ReferenceDataSource struct {
	ReferenceId           string `json:",omitempty"`
	TableName             string
	ReferenceSchema       *SourceSchema
	S3ReferenceDataSource *S3ReferenceDataSource `json:",omitempty"`
}

// epochTime is a time as KDA's JSON protocol carries it: seconds since the
// epoch, with a fraction.
type epochTime struct{ time.Time }

// MarshalJSON writes seconds since the epoch.
func (t epochTime) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
}

// UnmarshalJSON reads seconds since the epoch (a number).
func (t *epochTime) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC()
	return nil
}
