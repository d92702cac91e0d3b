// Package sinks defines how Eddy delivers output: the Sink contract and the
// connector registry. Each destination connector lives in its own
// subpackage and registers itself from init.
package sinks
