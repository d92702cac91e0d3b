// Package discovery samples a source through its connector's Discover and
// describes what it found: the columns, what it guessed beyond their types
// (sample values a column's type outvoted, how VARCHAR lengths were
// chosen), and a CREATE STREAM declaring them. eddy discover, eddy run's
// inputs bound without a CREATE STREAM and eddy serve's discover endpoint
// share it.
//
// It does not confine file paths or refuse connectors: eddy serve checks
// the options before it calls Schema. It does not sample sinks.
package discovery
