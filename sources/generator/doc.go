// Package generator is the built-in "generator" source connector: streams
// made up on the fly, for demos, tests and benchmarks, with no external
// system to run.
//
// Two kinds exist (option kind, the binding target: generator:ticker?rate=100):
//
//   - ticker: the stock ticks of the Kinesis Data Analytics demo stream,
//     columns TICKER_SYMBOL VARCHAR(4), SECTOR VARCHAR(16), CHANGE DOUBLE,
//     PRICE DOUBLE. Thirty symbols with fixed sectors each follow a random
//     walk in cents; about 2.5% of moves are larger than 15%, so the KDA
//     "price change > 15%" query has output. The same seed gives the same
//     rows. ROWTIME is the arrival time. Default rate: 10 events/s.
//   - nexmark: the Nexmark benchmark's bid, auction or person stream
//     (option table), bit for bit the sequence of
//     /work/shared/nexmark/SPEC.md §3: java.util.Random seeded per event
//     with the event id (XOR the seed option), static tables from seed 0, a
//     1 MiB extra buffer from seed 1, first event id and number 0, bidder
//     +1000 once. ROWTIME is the event's DATE_TIME (event time), so a
//     Nexmark run is deterministic whatever the pacing; option count is
//     Nexmark's events.num and counts events of all kinds (a bid stream gets
//     92% of them), and so does rate. Default rate: 0 (as fast as possible).
//
// A stream's declared columns (Discover reports them, with metadata
// "sqltype") may be declared in any subset and order; names match
// case-insensitively, ignoring underscores (dateTime matches DATE_TIME).
// BIGINT columns may be declared DOUBLE or REAL, DOUBLE ones REAL, VARCHAR
// ones as Arrow large strings and TIMESTAMP ones in any unit. Option rowtime
// may name another TIMESTAMP column (EXPIRES) or APPROXIMATE_ARRIVAL_TIME.
//
// Paced sources (rate > 0) read Env.Clock to decide which events are due and
// emit them in batches of at most batch_size rows at least every 100ms.
//
// The package also exports a plain Go API for tools and benchmarks:
// NewNexmark and WriteBidsJSON.
//
// Not done yet: Nexmark's out-of-order groups, SQUARE/SINE rate shapes,
// split generators for parallel sources, and the combined event stream
// (Flink's datagen table with one row per event of any kind).
package generator
