// Package sql is Eddy's SQL front end: it turns the text of a KDA-style or
// Flink-style streaming SQL application into Eddy's own syntax tree (ast.go,
// expr.go), with every error positioned as line:col in the user's text.
//
// The stock TiDB parser (github.com/pingcap/tidb/pkg/parser) does the heavy
// lifting behind a length-preserving rewrite pass of ours, so every offset
// TiDB reports is an offset in the user's own text.
//
// It imports no other Eddy package and does not resolve names: binding
// against the catalog of streams is the planner's job.
package sql
