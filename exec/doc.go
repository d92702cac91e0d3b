// Package exec holds Eddy's vectorized operators and expressions over Arrow
// record batches: scalar expressions and the function library, filter,
// project, union, the bounded in-application streams that connect pumps, and
// the error stream.
//
// It never imports sql or planner: the planner compiles SQL into the values
// this package exports.
package exec
