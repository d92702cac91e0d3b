package file

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/eddy-sql/eddy/sources"
)

var (
	_ sources.Positioner = (*source)(nil)
	_ sources.Seeker     = (*source)(nil)
)

// position is where a file source is in each of its files.
type position struct {
	Files []filePosition `json:"files"`

	// The single-cursor form of earlier versions, which read the files
	// one after the other: files before File are read, file File (named
	// Path) up to Offset and Line. Seek still accepts it.
	File   *int   `json:"file,omitempty"`
	Path   string `json:"path,omitempty"`
	Offset int64  `json:"offset,omitempty"`
	Line   int64  `json:"line,omitempty"`
}

// filePosition is how far the rows returned cover one file: its bytes
// (uncompressed) and lines, the largest ROWTIME returned, and whether it
// is read to its end.
type filePosition struct {
	Path    string `json:"path"`
	Offset  int64  `json:"offset,omitempty"`
	Line    int64  `json:"line,omitempty"`
	MaxTime *int64 `json:"max_time,omitempty"`
	Done    bool   `json:"done,omitempty"`
}

// Position returns the position just after the last row Next returned, in
// every file of the glob.
func (s *source) Position() ([]byte, error) {
	p := position{Files: make([]filePosition, len(s.parts))}
	for i, f := range s.parts {
		p.Files[i] = filePosition{Path: f.path, Offset: f.offset, Line: f.line, Done: f.done}
		if f.maxTime != math.MinInt64 {
			p.Files[i].MaxTime = &f.maxTime
		}
	}
	return json.Marshal(p)
}

// Seek resumes every file just after pos, a token from Position: each file
// continues at its own offset. Files matched by the glob but absent from
// pos are read from their start; files in pos the glob no longer matches
// are ignored. A file that shrank below its position is read from its
// start. Seek must come before the first Next.
func (s *source) Seek(_ context.Context, raw []byte) error {
	var p position
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("file: bad position %q: %w", raw, err)
	}
	if s.admitted > 0 {
		return fmt.Errorf("file: seek after reading began")
	}
	if p.Files == nil && p.File != nil {
		return s.seekCursor(p)
	}
	at := make(map[string]filePosition, len(p.Files))
	for _, f := range p.Files {
		at[f.Path] = f
	}
	for _, part := range s.parts {
		f, ok := at[part.path]
		if !ok {
			continue
		}
		if f.Offset < 0 || f.Line < 0 {
			return fmt.Errorf("file: bad position of %s: offset %d, line %d", f.Path, f.Offset, f.Line)
		}
		part.offset, part.line, part.done = f.Offset, f.Line, f.Done
		if f.MaxTime != nil {
			part.maxTime = *f.MaxTime
		}
	}
	return nil
}

// seekCursor resumes from the single-cursor form of a position.
func (s *source) seekCursor(p position) error {
	n := *p.File
	if n < 0 || n > len(s.parts) || n < len(s.parts) && p.Path != "" && p.Path != s.parts[n].path {
		return fmt.Errorf("file: position names file %d (%s), but the source reads %d files", n, p.Path, len(s.parts))
	}
	for _, part := range s.parts[:n] {
		part.done = true
	}
	if n < len(s.parts) {
		s.parts[n].offset, s.parts[n].line = p.Offset, p.Line
	}
	return nil
}
