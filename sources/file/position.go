package file

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/eddy-sql/eddy/sources"
)

var (
	_ sources.Positioner = (*source)(nil)
	_ sources.Seeker     = (*source)(nil)
)

// position is where a file source is: in which of its files, how many
// bytes (uncompressed) and lines of it every returned row covers.
type position struct {
	File   int    `json:"file"` // index into the expanded paths
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
	Line   int64  `json:"line"`
}

// Position returns the position just after the last row Next returned.
func (s *source) Position() ([]byte, error) {
	p := position{File: s.next}
	if s.r != nil {
		p = position{File: s.next - 1, Path: s.path, Offset: s.offset - int64(s.in.Framer().Pending()), Line: s.in.Framer().Lines()}
	} else if s.next < len(s.paths) {
		p.Path = s.paths[s.next]
	}
	return json.Marshal(p)
}

// Seek resumes just after pos, a token from Position. The files must be
// the same (same glob, same order); a file that shrank below the position
// is read from its start.
func (s *source) Seek(_ context.Context, raw []byte) error {
	var p position
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("file: bad position %q: %w", raw, err)
	}
	if p.File < 0 || p.File > len(s.paths) || p.File < len(s.paths) && p.Path != "" && p.Path != s.paths[p.File] {
		return fmt.Errorf("file: position names file %d (%s), but the source reads %v", p.File, p.Path, s.paths)
	}
	s.closeFile()
	s.next = p.File
	if p.File == len(s.paths) || p.Offset == 0 && p.Line == 0 {
		return nil
	}
	if err := s.open(); err != nil {
		return err
	}
	if fi, err := s.f.Stat(); err == nil && !s.gzip[p.File] && fi.Size() < p.Offset {
		return nil // truncated since: read it again from the start
	}
	if s.gzip[p.File] {
		if _, err := io.CopyN(io.Discard, s.r, p.Offset); err != nil {
			return fmt.Errorf("file: seeking %s: %w", s.path, err)
		}
	} else if _, err := s.f.Seek(p.Offset, io.SeekStart); err != nil {
		return fmt.Errorf("file: seeking %s: %w", s.path, err)
	}
	s.offset = p.Offset
	s.in.Resume(s.path, p.Line)
	return nil
}
