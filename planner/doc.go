// Package planner turns parsed SQL statements into running pipelines. It
// keeps the catalog of in-application streams, pumps and reports, binds
// names and types, builds an immutable logical plan per query (scans,
// filters, projections, windowed aggregation, sliding windows, unions,
// lookup, stream-stream and temporal joins, table functions, DISTINCT and
// ORDER BY on streams),
// rewrites it with an ordered list of rules (merge filters, merge
// projections, push predicates into sources), and lowers it to exec and
// window operators and tasks in one exhaustive type switch.
//
// A Job runs a whole application in bounded or continuous mode, with
// checkpoints (consistent cuts found by pausing the sources and letting the
// pipeline drain) when the session has a state directory; Live runs a
// session incrementally for the REPL.
//
// It sees connectors only through its Connectors interface; cmd supplies
// one backed by the sources and sinks registries.
//
// Event time: the lateness and late_rows a window uses come from the
// streams it reads (event_time.go); the rules themselves are window.Tracker's.
//
// Not yet: checkpoints of streaming DISTINCT and ORDER BY state
// (forms.go), unbounded (non-windowed) GROUP BY with retractions, and
// hash-partitioning keyed operators across cores.
package planner
