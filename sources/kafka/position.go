package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// position is the token of Position, Seek and Commit: per topic, per
// partition, the offset of the next message to read.
type position map[string]map[string]int64

// Position returns, as JSON {"topic":{"partition":offset}}, the offset
// after the last row Next returned of every partition it returned rows
// of (or was told by Seek).
func (s *source) Position() ([]byte, error) {
	pos := position{}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, st := range s.parts {
		if st.next < 0 {
			continue
		}
		if pos[p.topic] == nil {
			pos[p.topic] = map[string]int64{}
		}
		pos[p.topic][partitionName(p.partition)] = st.next
	}
	b, err := json.Marshal(pos)
	if err != nil {
		return nil, fmt.Errorf("kafka: position: %w", err)
	}
	return b, nil
}

func parsePosition(b []byte) (map[tp]int64, error) {
	var pos position
	if err := json.Unmarshal(b, &pos); err != nil {
		return nil, fmt.Errorf("kafka: bad position %q: %w", b, err)
	}
	out := map[tp]int64{}
	for topic, parts := range pos {
		for name, off := range parts {
			n, err := strconv.Atoi(name)
			if err != nil || n < 0 || off < 0 {
				return nil, fmt.Errorf("kafka: bad position %q: partition %q offset %d", b, name, off)
			}
			out[tp{topic, n}] = off
		}
	}
	return out, nil
}

// Seek makes reading resume at the offsets of pos, a token Position
// returned, for the partitions it names; the others start from the
// group's committed offset or option start. With a group, pos wins over
// the committed offsets for the partitions this member is assigned. Seek
// must come before the first Next.
func (s *source) Seek(_ context.Context, b []byte) error {
	if s.started {
		return fmt.Errorf("kafka: seek after the first Next")
	}
	offs, err := parsePosition(b)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, off := range offs {
		s.seekTo[p] = off
		s.part(p).next = off
	}
	return nil
}

// Commit commits the offsets of pos, a token Position returned, to the
// consumer group, for the partitions the group assigns this source now.
// Without a group there is nothing to commit. A commit refused because
// the group has moved on to a new generation is skipped, not an error:
// the partition's new owner re-reads from the last committed offset, so
// rows may repeat but none is lost.
func (s *source) Commit(ctx context.Context, b []byte) error {
	offs, err := parsePosition(b)
	if err != nil {
		return err
	}
	if s.cfg.group == "" {
		return nil
	}
	s.mu.Lock()
	gen := s.gen
	commit := map[string]map[int]int64{}
	for p, off := range offs {
		if _, ok := s.owned[p]; !ok {
			continue
		}
		if commit[p.topic] == nil {
			commit[p.topic] = map[int]int64{}
		}
		commit[p.topic][p.partition] = off
	}
	s.mu.Unlock()
	if gen == nil || len(commit) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := gen.CommitOffsets(commit); err != nil {
		s.mu.Lock()
		moved := s.gen != gen
		s.mu.Unlock()
		if moved || staleGeneration(err) {
			return nil
		}
		return fmt.Errorf("kafka: commit offsets of group %s: %w", s.cfg.group, err)
	}
	return nil
}
