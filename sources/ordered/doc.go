// Package ordered runs the jobs of one reader on a pool of worker
// goroutines, each with state of its own (a decoder, a generator), and
// lets the reader take their results back in the order it submitted them:
// sources that make batches on several cores (sources/file decoding
// morsels, sources/generator generating event ranges) deliver exactly
// what they deliver on one core.
//
// The reader keeps its own queue of submitted jobs, bounded by the
// caller, and awaits the oldest. While it waits it runs waiting jobs
// itself on a worker of its own: on a busy machine, waking a sleeping
// thread can take milliseconds.
//
// Not done yet: work stealing between readers, and resizing a pool.
package ordered
