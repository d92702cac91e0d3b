// Package console is the web console of eddy serve: a page of every
// application (status, input and output rates, watermark lag, error-stream
// rate, last error; start, stop, delete) and an editor of an application's
// SQL with Save and Run that shows Eddy's errors at their line and column.
//
// It is served by the same process as Eddy's API, with every asset
// embedded: the page makes no request outside the server. With a token the
// page logs in with it once and then carries a session cookie, and every
// change carries the session's CSRF token. The console reaches the
// applications only through the server's own API handler, which it wraps.
//
// Not yet: a live view of an in-application stream's rows (it needs a tap on
// exec.Stream that drops rather than blocks) and the pipeline graph with
// rows per second per edge and watermarks per stream (it needs the job's
// streams and pumps, which planner.Job does not expose).
package console
