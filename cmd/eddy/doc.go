// Command eddy runs streaming SQL applications: Amazon Kinesis Data
// Analytics for SQL programs as they are, and Flink-style streaming SQL.
// It is the only package that imports every other one: it wires the
// connectors (by importing them), the planner and the CLI, REPL and
// report commands.
//
//	eddy run app.sql --input SOURCE_SQL_STREAM_001='generator:ticker?rate=10'
//	eddy discover 'file:ticks.jsonl'
//	eddy bench nexmark --query q1 --events 10000000
package main
