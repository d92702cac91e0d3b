package window

import (
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// watermarkHeader is the JSON header of a watermark snapshot (no columnar
// state follows).
type watermarkHeader struct {
	Lateness int64
	MaxTs    int64
	WM       int64
	Finished bool
	// Quiet is how long (ns) the input had been idle when the snapshot was
	// taken, or -1 when no row had arrived yet.
	Quiet int64
}

// Snapshot writes the largest event time seen, the watermark and how long
// the input had been idle. It does not change the operator.
func (w *watermark) Snapshot(out io.Writer) error {
	h := watermarkHeader{Lateness: w.lateness, MaxTs: w.maxTs, WM: w.wm, Finished: w.finished, Quiet: -1}
	if !w.lastRow.IsZero() {
		h.Quiet = int64(w.clock().Sub(w.lastRow))
	}
	sw := &snapWriter{mem: memory.DefaultAllocator}
	if err := sw.header(&h); err != nil {
		return err
	}
	return sw.finish(out, snapWatermark)
}

// Restore replaces the operator's state with the one in r, written by
// Snapshot of a watermark operator with the same lateness. Idle time is
// counted on from the restore: the time the process was down does not
// advance the watermark. On error, which wraps ErrSnapshot, the operator is
// unchanged.
func (w *watermark) Restore(r io.Reader) error {
	return restoring(func() error {
		sr, err := openSnapshot(r, snapWatermark, memory.DefaultAllocator)
		if err != nil {
			return err
		}
		var h watermarkHeader
		if err := sr.header(&h); err != nil {
			return err
		}
		if err := sr.done(); err != nil {
			return err
		}
		if h.Lateness != w.lateness {
			return fmt.Errorf("%w: snapshot lateness %dms, operator %dms", ErrSnapshot, h.Lateness, w.lateness)
		}
		if h.Quiet < -1 {
			return fmt.Errorf("%w: negative idle time", ErrSnapshot)
		}
		w.maxTs, w.wm, w.finished = h.MaxTs, h.WM, h.Finished
		w.lastRow = time.Time{}
		if h.Quiet >= 0 {
			w.lastRow = w.clock().Add(-time.Duration(h.Quiet))
		}
		return nil
	})
}

// StateBytes is the operator's constant size: a few scalars.
func (w *watermark) StateBytes() int { return watermarkStateBytes }

const watermarkStateBytes = 64
