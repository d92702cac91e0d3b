package exec

import "io"

// Snapshotter is implemented by operators that keep state between batches
// (open windows, sliding-window buffers, watermarks). The engine calls
// Snapshot only while the pipeline is quiescent — no Next is running and
// every row the operator has seen is reflected in its state — and Restore
// once, before the first Next, with bytes an earlier Snapshot of an
// operator built from the same plan wrote. Columnar state is written as
// Arrow IPC. Snapshot must not change the operator's behaviour: the output
// after a Snapshot equals the output without it, and the output of an
// operator restored from a snapshot equals the output the snapshotted one
// would have produced.
type Snapshotter interface {
	Snapshot(w io.Writer) error
	Restore(r io.Reader) error
}

// StateSizer is implemented by operators whose state grows with their
// input; StateBytes estimates the memory the state holds.
type StateSizer interface {
	StateBytes() int
}
