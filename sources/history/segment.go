package history

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SegmentExt is the file name extension of a history segment.
const SegmentExt = ".arrow"

// segmentTime is the layout of the times in a segment's file name: UTC,
// millisecond precision, sorting as text in time order.
const segmentTime = "20060102T150405.000Z"

// Segment is one history file: Arrow IPC (file format) record batches
// whose ROWTIME lies in [Min, Max], both inclusive.
type Segment struct {
	Path     string
	Min, Max time.Time
	// Seq orders segments written by the same destination.
	Seq int64
}

// SegmentName returns the file name of a segment: seg-MIN-MAX-SEQ.arrow.
func SegmentName(min, max time.Time, seq int64) string {
	return fmt.Sprintf("seg-%s-%s-%08d%s", min.UTC().Format(segmentTime), max.UTC().Format(segmentTime), seq, SegmentExt)
}

// ParseSegmentName reads a name made by SegmentName; ok is false for any
// other file (temporary files among them).
func ParseSegmentName(name string) (min, max time.Time, seq int64, ok bool) {
	rest, found := strings.CutPrefix(name, "seg-")
	if !found {
		return
	}
	rest, found = strings.CutSuffix(rest, SegmentExt)
	if !found {
		return
	}
	parts := strings.Split(rest, "-")
	if len(parts) != 3 {
		return
	}
	var err error
	if min, err = time.Parse(segmentTime, parts[0]); err != nil {
		return
	}
	if max, err = time.Parse(segmentTime, parts[1]); err != nil {
		return
	}
	if seq, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
		return
	}
	return min, max, seq, !max.Before(min)
}

// ListSegments returns the segments in dir, ordered by Min, then Seq. A
// directory that does not exist holds no segments.
func ListSegments(dir string) ([]Segment, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("history: list %s: %w", dir, err)
	}
	var out []Segment
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		min, max, seq, ok := ParseSegmentName(e.Name())
		if !ok {
			continue
		}
		out = append(out, Segment{Path: filepath.Join(dir, e.Name()), Min: min, Max: max, Seq: seq})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Min.Equal(out[j].Min) {
			return out[i].Min.Before(out[j].Min)
		}
		return out[i].Seq < out[j].Seq
	})
	return out, nil
}
