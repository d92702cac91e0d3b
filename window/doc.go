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
//   - Tracker: the one place for the watermark rules (per-partition
//     lateness decided row by row, emission watermark over the partitions
//     that are neither idle nor done, idle clock, retention floor).
//
//   - NewGroupBy: grouping keys of any type (NULLs group together) plus a
//     window, exec.AggSpec aggregates, output keys, window_start, window_end,
//     aggregates, [is_partial], ROWTIME = window end. Each row is checked
//     against its own partition's watermark (exec.OriginOf), so the output
//     does not depend on batch boundaries; late rows go to the error stream
//     ("LATE", saying whether the partition's watermark or the retention
//     floor made them late), or are dropped/counted. A window fires once the
//     emission watermark passes its last millisecond and is emitted once;
//     its state is kept until the retention floor passes it. When the
//     emission watermark ran ahead of the data (an idle partition, the idle
//     clock), a row on time in its partition can still reach a window that
//     fired: the window is then emitted again after that batch, in full,
//     with the same keys, window_start, window_end and ROWTIME — a later row
//     for the same (keys, window) replaces the earlier one, as with KDA's
//     two-window pattern (a session that such a row merges is emitted with
//     its merged bounds). Stagger windows are those of each key's on-time
//     rows sorted by event time, whatever their arrival order: rows wait
//     (as pending rows, holding their batch's aggregate arguments) until the
//     emission watermark makes their window's start certain. Early partial
//     results every interval of event or processing time (stagger: pending
//     rows count as the windows they would form). Bounded input emits every
//     open window at io.EOF; an input that stops (exec.ErrStopped, the job
//     is stopping) leaves them open for the checkpoint, unless
//     Config.Drain. The output is one exec.Partition whose watermark is the
//     emission watermark.
//
//   - NewWatermark: max event time − lateness, advanced with processing time
//     once the input has been idle for the idle timeout. Kept for inputs
//     that report no partitions; the group-by does not need it.
//
//   - NewOver: KDA sliding windows (RANGE … PRECEDING, ROWS n PRECEDING),
//     one output row per input row, a different window per column, LAG,
//     FIRST_VALUE, LAST_VALUE, NTH_VALUE (IGNORE NULLS for all four),
//     EXP_AVG (weights halving every half-life) and the exec aggregates.
//
//   - NewDistinct: KDA's streaming SELECT DISTINCT: per bucket of a
//     monotonic expression of ROWTIME (a Bucket function), the first on-time
//     row of each key comes out as it arrives; a bucket's keys are forgotten
//     once the retention floor has passed it (later rows of it are late).
//
//   - NewOrder: KDA's streaming ORDER BY with a monotonic leading key: the
//     rows of a bucket are held until the emission watermark passes it,
//     then come out sorted by the other keys (then ROWTIME, then arrival).
//
//   - NewJoin: joins of two streams bounded in event time (KDA windows on
//     a joined stream, Flink interval and window joins, state_ttl), INNER,
//     LEFT, RIGHT and FULL, each side on its own Tracker, rows emitted in
//     ROWTIME order at the smaller side's watermark, held rows kept in
//     their Arrow batches and freed past the other side's floor.
//
//   - Checkpoints: the group-by, OVER, join and watermark operators implement
//     exec.Snapshotter and exec.StateSizer. A snapshot is a small frame
//     (magic "EDWS", format version SnapshotVersion, operator kind, payload
//     length, CRC-32C) around a JSON header of scalars (the group-by's
//     tracker: largest event time per partition and watermarks; late-row
//     and update counts, emit progress, window bounds, fired and dirty
//     windows) and Arrow IPC record batches of the columnar state: group
//     keys, each accumulator's state (exec.Accumulator.State),
//     session/stagger slots, windows and heaps, pending stagger rows and
//     OVER frame rows with their argument values. Group and slot ids are kept, so a restored operator
//     emits exactly what the snapshotted one would have. Restore rejects
//     other versions, operators or configurations and corrupt bytes with
//     errors wrapping ErrSnapshot. StateBytes is O(1) per window pane or
//     spec.
//
//   - NewParallelGroupBy: NewGroupBy with a keyed aligned window's groups,
//     or a keyed session window's sessions (early results included), on N
//     workers (by a hash of the keys); event time is decided once,
//     before the rows are dealt out, so each Next emits the rows NewGroupBy
//     would, in ascending ROWTIME (rows of equal ROWTIME in unspecified
//     order); snapshots are NewGroupBy's and restore at any N.
//
//   - NewParallelOver: NewOver with each spec's partitions' frames folded
//     on N workers (by partition id); the state, event time and the order
//     rows are released in stay on the operator's goroutine, so the output
//     is NewOver's row for row, ties included, and snapshots are NewOver's.
//
//   - NewParallelJoin: NewJoin with the held rows of an equi-join on N
//     workers (by a hash of the keys); event time and the rows' arrival
//     numbers are decided once, before the rows are dealt out, so each Next
//     emits NewJoin's rows in NewJoin's order; snapshots are NewJoin's and
//     restore at any N. A join without keys stays on one goroutine.
//
//   - NewTemporalJoin: Flink's event-time temporal join of a stream with a
//     versioned stream (WITH (primary_key = …)): each left row joins the
//     right version valid at its ROWTIME, emitted once both watermarks
//     pass it.
//
// What it does not do yet: stagger and global windows and joins without
// keys run on one goroutine; OVER windows fold only their frames on several
// (NewParallelOver); sessions on N pay only from about 4 cores
// (ParallelPaysFrom), and the parallel join costs more CPU per event than
// NewJoin; ORDER BY sorts a
// bucket with a comparison sort when it closes (about a million rows/s);
// the join's ROWS windows (only RANGE bounds), its drain on a stop (held
// rows stay for the checkpoint), and an alignment of its two inputs (a side
// far ahead in event time holds its rows until the other catches up);
// updates of fired windows re-emit the whole
// window (for panes every key of it, not only the changed ones), and
// downstream operators see them as ordinary rows (no retraction); OVER
// windows recompute each row's frame (cost proportional to the frame size,
// not incremental) and assume rows of a partition arrive in time order;
// COUNT(DISTINCT) and SUM/AVG(DISTINCT) are not available in OVER;
// snapshots of identical state are not byte-identical (COUNT(DISTINCT) sets
// are written in map order), and the idle clocks (the tracker's, the
// watermark operator's) do not count the time between a snapshot and its
// restore.
package window
