// Package window holds Eddy's event-time windowing on top of exec: window
// assigners, the windowed GROUP BY operator, the watermark operator and
// sliding OVER windows.
//
// What it does:
//
//   - Assigners: Tumbling (KDA STEP/FLOOR on ROWTIME, Flink TUMBLE), Hopping
//     (HOP; state per pane of gcd(size, slide), panes combined on emission, so
//     a row is folded once), Cumulate, Session (per key, merged when a row —
//     also a late one within the lateness — bridges two sessions) and KDA
//     Stagger (a window per key opened by its first row, closing RANGE later).
//
//   - NewGroupBy: grouping keys of any type (NULLs group together) plus a
//     window, exec.AggSpec aggregates, output keys, window_start, window_end,
//     aggregates, [is_partial], ROWTIME = window end. Windows close when the
//     watermark passes their end; their state is freed then. Late rows go to
//     the error stream ("LATE"), or are dropped/counted. Early partial results
//     every interval of event or processing time. Bounded input flushes every
//     open window at io.EOF.
//
//   - NewWatermark: max event time − lateness, advanced with processing time
//     once the input has been idle for the idle timeout.
//
//   - NewOver: KDA sliding windows (RANGE … PRECEDING, ROWS n PRECEDING),
//     one output row per input row, a different window per column, LAG,
//     FIRST_VALUE, LAST_VALUE, NTH_VALUE and the exec aggregates.
//
//   - Checkpoints: the group-by, OVER and watermark operators implement
//     exec.Snapshotter and exec.StateSizer. A snapshot is a small frame
//     (magic "EDWS", format version SnapshotVersion, operator kind, payload
//     length, CRC-32C) around a JSON header of scalars (watermark, largest
//     event time, late-row count, emit progress, window bounds) and Arrow
//     IPC record batches of the columnar state: group keys, each
//     accumulator's state (exec.Accumulator.State), session/stagger slots,
//     windows and end heap, OVER frame rows with their argument values.
//     Group and slot ids are kept, so a restored operator emits exactly what
//     the snapshotted one would have. Restore rejects other versions,
//     operators or configurations and corrupt bytes with errors wrapping
//     ErrSnapshot. StateBytes is O(1) per window pane or spec.
//
// What it does not do yet: the watermark of several inputs or partitions
// (the minimum over them) is the planner's to combine; allowed lateness
// after a window fired (retractions/updates) is not supported — a row is
// either on time or late; OVER windows recompute each row's frame (cost
// proportional to the frame size, not incremental) and assume rows of a
// partition arrive in time order; COUNT(DISTINCT) and SUM/AVG(DISTINCT) are
// not available in OVER; snapshots of identical state are not
// byte-identical (COUNT(DISTINCT) sets are written in map order), and the
// watermark operator's idle clock does not count the time between a
// snapshot and its restore.
package window
