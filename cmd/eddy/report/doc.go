// Package report runs Eddy's scheduled reports (CREATE REPORT … SCHEDULE
// 'cron' | EVERY INTERVAL … AS SELECT …): it parses schedules (cron with
// time zones, through github.com/robfig/cron/v3, or a fixed period), runs
// a report's query over the window of retained stream history that ends at
// the scheduled time, renders the result (HTML with an inline SVG chart,
// Markdown, CSV, JSON) and delivers it to a directory or to any destination
// connector, with retries and catch-up of runs missed while Eddy was down.
//
// A run is reproducible: the same scheduled time T reads the same history
// window [T - window, T) and sees CURRENT_TIMESTAMP = T. The run time shown
// in a report is the only thing that changes between reruns.
//
// Not yet: runs of several reports in parallel, a report reading a stream
// that is not retained (the planner refuses it), windows longer than what
// the stream retains (older rows are simply absent), charts of more than
// one numeric column per series, and delivery by e-mail.
package report
