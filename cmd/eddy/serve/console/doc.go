// Package console is the web console of eddy serve: a page of every
// application (status, input and output rates, watermark lag, error-stream
// rate, last error; start, stop, delete), a live view of a stream's rows,
// and an editor of an application's SQL (CodeMirror 6, bundled from
// editor/ into static/editor.js) with Save and Run that shows Eddy's errors
// at their line and column.
//
// It is served by the same process as Eddy's API, with every asset
// embedded: the page makes no request outside the server. With a token the
// page logs in with it once and then carries a session cookie, and every
// change carries the session's CSRF token. The console reaches the
// applications only through the server's own API handler, which it wraps.
//
// The live view of an application's page shows the rows of a stream as
// they are produced, over Server-Sent Events from a serve.Tap: sampled at
// most LiveRate rows a second, dropped rather than waited for, so that the
// pipeline never slows for the page.
//
// The application page also charts the server's metrics history (GET
// /v1/applications/NAME/history, static/charts.js) and lists the
// application's reports and their runs, opening a run's HTML in a
// sandboxed frame (static/reports.js).
//
// Not yet: live views of intermediate streams (a tap reaches a run's
// sources, destinations and error stream, at the connectors; an
// intermediate exec.Stream is not reachable from outside planner.Job).
package console
