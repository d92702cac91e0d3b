// Package planner turns parsed SQL statements into running pipelines. It
// keeps the catalog of in-application streams and pumps, binds names and
// types, builds an immutable logical plan per query, rewrites it with an
// ordered list of rules, and lowers it to exec operators and tasks in one
// exhaustive type switch.
//
// It sees connectors only through its Connectors interface; cmd supplies
// one backed by the sources and sinks registries.
package planner
