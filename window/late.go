package window

import (
	"fmt"
	"strings"
)

// LatePolicy says what happens to a late row: one whose event time is at or
// below its partition's watermark when it arrives, or at or below the
// retention floor (see Tracker).
type LatePolicy uint8

const (
	// LateToErrors reports each late row to the error sink as an
	// exec.ErrorRecord named "LATE" (and counts it). It is the default;
	// with no error sink, late rows are counted only.
	LateToErrors LatePolicy = iota
	// LateDrop drops late rows, counting them.
	LateDrop
	// LateCount is LateDrop: late rows are only counted (see LateCounter).
	LateCount
)

// ParseLatePolicy parses a stream's late_rows option: "error" (or ""),
// "drop" or "count".
func ParseLatePolicy(s string) (LatePolicy, error) {
	switch strings.ToLower(s) {
	case "", "error", "errors", "error_stream":
		return LateToErrors, nil
	case "drop":
		return LateDrop, nil
	case "count":
		return LateCount, nil
	}
	return 0, fmt.Errorf("window: unknown late_rows policy %q (want error, drop or count)", s)
}

// LateCounter is implemented by operators that set late rows aside.
type LateCounter interface {
	// LateRows returns the number of late rows seen so far.
	LateRows() int64
}

// StateCounter is implemented by operators that keep per-group window
// state.
type StateCounter interface {
	// LiveGroups returns the number of (window, key) groups held open.
	LiveGroups() int
	// StateBytes estimates the memory the open state holds.
	StateBytes() int
}

// UpdateCounter is implemented by operators that emit a window again when
// an on-time row reaches it after it fired.
type UpdateCounter interface {
	// Updates returns the number of rows emitted again so far, each
	// replacing the earlier row of the same keys and window.
	Updates() int64
}
