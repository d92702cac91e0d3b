// Package serve is eddy serve: a server hosting any number of
// applications in one process, each with its own planner session, job and
// checkpoint directory, managed through the Kinesis Data Analytics API
// (kinesisanalytics, 2015-08-14, JSON protocol) and through Eddy's own
// small REST API, with Prometheus metrics per application, input and
// output.
//
// Applications and their configuration persist under the data directory
// (one JSON file per application, written atomically with mode 0600);
// after a restart every application that was running resumes from its last
// checkpoint.
//
// The package reaches connectors only through planner.Connectors, which
// its host (cmd/eddy) passes in; it wraps them to count records and bytes,
// to confine file paths and to refuse connectors that run programs.
// Schema discovery (DiscoverInputSchema; POST /v1/discover, through
// cmd/eddy/discovery, as eddy discover) and the connector list (GET
// /v1/connectors) read the sources and sinks registries directly, after
// the same confinement check.
//
// Each application keeps a bounded metrics history (rows/s in, out and to
// the error stream, and its lags, sampled every Options.SampleInterval) for
// the console's charts, and runs the reports it declares (CREATE REPORT,
// through cmd/eddy/report) while it runs, over the retained history of its
// state directory, remembering their last runs.
//
// An input's Lambda preprocessor (InputProcessingConfiguration) becomes the
// kinesis source's preprocess option, which cmd/eddy runs through
// sinks/function's Preprocessor.
//
// Not yet: InputParallelism above 1, Kinesis Data Firehose as an input,
// CloudWatch logging options; the metrics history and the list of report
// runs live in memory only (a server restart starts them afresh, though
// report files stay in the state directory).
package serve
