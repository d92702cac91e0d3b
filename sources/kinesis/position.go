package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// position is the token of Position, Seek and Commit: per shard, the last
// sequence number delivered and whether the shard was read to its end.
type position struct {
	Stream string              `json:"stream"`
	Shards map[string]shardPos `json:"shards"`
}

// shardPos is where one shard is.
type shardPos struct {
	Seq  string `json:"seq,omitempty"`  // the last record delivered; "" for none
	Done bool   `json:"done,omitempty"` // read to its end (closed by a reshard)
}

// ErrPosition is wrapped by the errors for a position token that is not
// one of this source's.
var ErrPosition = errors.New("kinesis: bad position")

func parsePosition(b []byte, stream string) (position, error) {
	var p position
	if err := json.Unmarshal(b, &p); err != nil {
		return position{}, fmt.Errorf("%w: %v", ErrPosition, err)
	}
	if p.Stream != stream {
		return position{}, fmt.Errorf("%w: it is for stream %q, not %q", ErrPosition, p.Stream, stream)
	}
	if p.Shards == nil {
		p.Shards = map[string]shardPos{}
	}
	return p, nil
}

// Position returns the position after the last row Next returned: a JSON
// object with the last sequence number delivered per shard.
func (s *source) Position() ([]byte, error) {
	b, err := json.Marshal(position{Stream: s.stream.String(), Shards: s.pos})
	if err != nil {
		return nil, fmt.Errorf("kinesis: position: %w", err)
	}
	return b, nil
}

// Seek makes the source resume after pos, a token from Position. It must
// be called before the first Next.
func (s *source) Seek(_ context.Context, pos []byte) error {
	if s.started {
		return fmt.Errorf("kinesis: seek after the source started reading")
	}
	p, err := parsePosition(pos, s.stream.String())
	if err != nil {
		return err
	}
	s.resume = p.Shards
	return nil
}

// Commit acknowledges pos: with option checkpoint_dir it writes pos to the
// checkpoint file (atomically, by renaming a temporary file), so a source
// opened later without Seek resumes after it. Kinesis itself keeps no
// consumer positions. Commit is idempotent.
func (s *source) Commit(_ context.Context, pos []byte) error {
	if _, err := parsePosition(pos, s.stream.String()); err != nil {
		return err
	}
	if s.checkpointFile == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.checkpointFile), 0o755); err != nil {
		return fmt.Errorf("kinesis: commit: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.checkpointFile), ".checkpoint-*")
	if err != nil {
		return fmt.Errorf("kinesis: commit: %w", err)
	}
	_, werr := tmp.Write(pos)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("kinesis: commit: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.checkpointFile); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("kinesis: commit: %w", err)
	}
	return nil
}

// loadCheckpoint reads the checkpoint file, if there is one.
func (s *source) loadCheckpoint() error {
	if s.checkpointFile == "" {
		return nil
	}
	b, err := os.ReadFile(s.checkpointFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kinesis: read checkpoint: %w", err)
	}
	p, err := parsePosition(b, s.stream.String())
	if err != nil {
		return fmt.Errorf("kinesis: checkpoint %s: %w", s.checkpointFile, err)
	}
	s.resume = p.Shards
	return nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// checkpointPath names the checkpoint file of stream read into the
// in-application stream app, in dir.
func checkpointPath(dir, stream, app string) string {
	if dir == "" {
		return ""
	}
	name := "kinesis-" + unsafeName.ReplaceAllString(stream, "_")
	if app != "" {
		name += "-" + unsafeName.ReplaceAllString(app, "_")
	}
	return filepath.Join(dir, name+".json")
}
