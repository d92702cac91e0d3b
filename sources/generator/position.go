package generator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/eddy-sql/eddy/sources"
)

var (
	_ sources.Positioner = (*source)(nil)
	_ sources.Seeker     = (*source)(nil)
)

// position is how many events of the (deterministic) sequence the source
// has consumed.
type position struct {
	Events int64 `json:"events"`
}

// Position returns the number of events consumed so far.
func (s *source) Position() ([]byte, error) {
	return json.Marshal(position{Events: s.emitted})
}

// Seek resumes the sequence after pos: the ticker's events before it are
// generated and dropped (its random walk depends on them), a Nexmark
// stream's skipped, and pacing starts from there.
func (s *source) Seek(ctx context.Context, raw []byte) error {
	var p position
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("generator: bad position %q: %w", raw, err)
	}
	if p.Events < 0 || s.emitted != 0 {
		return errors.New("generator: seek must come first, to a non-negative position")
	}
	if rt, ok := s.tbl.(rangeTable); ok {
		// Nexmark events depend only on their numbers: nothing to replay.
		g, _ := rt.nexmark()
		g.k = p.Events
		s.emitted, s.paceBase = p.Events, p.Events
		return nil
	}
	for s.emitted < p.Events {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.tbl.reset()
		_, used := s.tbl.fill(p.Events-s.emitted, chunkRows)
		s.emitted += used
	}
	s.tbl.reset()
	s.paceBase = s.emitted
	return nil
}
