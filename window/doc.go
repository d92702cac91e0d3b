// Package window holds Eddy's event-time windowing on top of exec: window
// assigners, the windowed GROUP BY operator, the watermark operator and
// sliding OVER windows.
//
// What it does:
//   - Assigners: Tumbling (KDA STEP/FLOOR on ROWTIME, Flink TUMBLE), Hopping
//     (HOP; state per pane of gcd(size, slide), panes combined on emission, so
//     a row is folded once), Cumulate, Session (per key, merged when a row —
//     also a late one within the lateness — bridges two sessions) and KDA
//     Stagger (a window per key opened by its first row, closing RANGE later).
//   - NewGroupBy: grouping keys of any type (NULLs group together) plus a
//     window, exec.AggSpec aggregates, output keys, window_start, window_end,
//     aggregates, [is_partial], ROWTIME = window end. Windows close when the
//     watermark passes their end; their state is freed then. Late rows go to
//     the error stream ("LATE"), or are dropped/counted. Early partial results
//     every interval of event or processing time. Bounded input flushes every
//     open window at io.EOF.
//   - NewWatermark: max event time − lateness, advanced with processing time
//     once the input has been idle for the idle timeout.
//   - NewOver: KDA sliding windows (RANGE … PRECEDING, ROWS n PRECEDING),
//     one output row per input row, a different window per column, LAG,
//     FIRST_VALUE, LAST_VALUE, NTH_VALUE and the exec aggregates.
//
// What it does not do yet: the watermark of several inputs or partitions
// (the minimum over them) is the planner's to combine; allowed lateness
// after a window fired (retractions/updates) is not supported — a row is
// either on time or late; OVER windows recompute each row's frame (cost
// proportional to the frame size, not incremental) and assume rows of a
// partition arrive in time order; COUNT(DISTINCT) and SUM/AVG(DISTINCT) are
// not available in OVER.
package window
