// Package discard is the "discard" sink connector: it counts the rows and
// batches of an output stream and releases them without writing anything,
// to measure the engine without output costs (--output X=discard).
//
// It has no options and does not yet report rates or timings itself.
package discard
