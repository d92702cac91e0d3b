package firehose

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// stagingPrefix is where exactly-once objects wait for their checkpoint.
func stagingPrefix(name string) string { return ".eddy-staging/" + name + "/" }

func manifestKey(name string, checkpoint int64) string {
	return stagingPrefix(name) + "checkpoint-" + strconv.FormatInt(checkpoint, 10) + ".manifest"
}

// Prepare delivers the buffer and, with exactly_once, records the objects
// staged since the last Prepare in a manifest for checkpoint; they stay
// invisible until Commit. Without exactly_once it is Flush.
func (s *sink) Prepare(ctx context.Context, checkpoint int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.deliver(ctx); err != nil {
		return err
	}
	if !s.exactly {
		return nil
	}
	manifest := strings.Join(s.staged, "\n")
	if err := s.dest.store.Put(ctx, manifestKey(s.name, checkpoint), []byte(manifest)); err != nil {
		return fmt.Errorf("firehose: prepare %d: %w", checkpoint, err)
	}
	if s.prepared == nil {
		s.prepared = map[int64][]string{}
	}
	s.prepared[checkpoint] = append(s.prepared[checkpoint], s.staged...)
	s.staged = nil
	return nil
}

// Commit publishes the objects prepared for checkpoint (moving each into
// place) and removes the manifest. It is idempotent: objects already
// moved, or a manifest already removed, are skipped. It works in a new
// process too, since the manifest is in the store. Checkpoints this sink
// prepared before and could not commit (the store failed) are committed
// first, in order.
func (s *sink) Commit(ctx context.Context, checkpoint int64) error {
	if !s.exactly {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	earlier := make([]int64, 0, len(s.prepared))
	for id := range s.prepared {
		if id < checkpoint {
			earlier = append(earlier, id)
		}
	}
	slices.Sort(earlier)
	for _, id := range append(earlier, checkpoint) {
		if err := s.finish(ctx, id, true); err != nil {
			return err
		}
		delete(s.prepared, id)
	}
	return nil
}

// Abort deletes the objects prepared for checkpoint and the manifest.
//
// Called before this sink wrote anything (the engine restoring a
// checkpoint, after committing it, or starting fresh), Abort also clears
// the staging area: objects a killed run staged after its last Prepare, or
// under manifests of checkpoints that never completed, would otherwise
// stay there for good.
//
// Objects this sink prepared itself, in this run, are not deleted but
// staged again for the next checkpoint: the engine aborts a checkpoint it
// abandons while running on (its state could not be written), and the
// sources do not go back, so those rows must still be published. After a
// restart nothing is prepared yet, and Abort deletes what a crashed run
// left.
func (s *sink) Abort(ctx context.Context, checkpoint int64) error {
	if !s.exactly {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if keys, ok := s.prepared[checkpoint]; ok {
		delete(s.prepared, checkpoint)
		s.staged = append(keys, s.staged...)
		// The next Prepare writes a manifest naming them again; this one
		// may stay behind when the store fails, naming nothing new.
		_ = s.dest.store.Delete(ctx, manifestKey(s.name, checkpoint))
		return nil
	}
	if err := s.finish(ctx, checkpoint, false); err != nil {
		return err
	}
	if s.written || len(s.prepared) > 0 || len(s.staged) > 0 {
		return nil
	}
	return s.sweepStaging(ctx)
}

// sweepStaging deletes every object under the staging prefix, manifests
// last, so an interrupted sweep leaves no manifest naming a missing object.
func (s *sink) sweepStaging(ctx context.Context) error {
	keys, err := s.dest.store.List(ctx, stagingPrefix(s.name))
	if err != nil {
		return err
	}
	slices.SortFunc(keys, func(a, b string) int {
		am, bm := strings.HasSuffix(a, ".manifest"), strings.HasSuffix(b, ".manifest")
		switch {
		case am == bm:
			return strings.Compare(a, b)
		case am:
			return 1
		default:
			return -1
		}
	})
	for _, k := range keys {
		if err := s.dest.store.Delete(ctx, k); err != nil {
			return fmt.Errorf("firehose: clearing the staging area: %w", err)
		}
	}
	return nil
}

// finish publishes (or deletes) the objects of checkpoint's manifest and
// removes it. s.mu is held.
func (s *sink) finish(ctx context.Context, checkpoint int64, publish bool) error {
	mk := manifestKey(s.name, checkpoint)
	data, err := s.dest.store.Get(ctx, mk)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("firehose: checkpoint %d: %w", checkpoint, err)
	}
	for _, key := range strings.Split(string(data), "\n") {
		if key == "" {
			continue
		}
		staged := stagingPrefix(s.name) + key
		if publish {
			err = s.dest.store.Move(ctx, staged, key)
			if errors.Is(err, ErrNotFound) {
				err = nil
			}
		} else {
			err = s.dest.store.Delete(ctx, staged)
		}
		if err != nil {
			return fmt.Errorf("firehose: checkpoint %d: %w", checkpoint, err)
		}
	}
	if err := s.dest.store.Delete(ctx, mk); err != nil {
		return fmt.Errorf("firehose: checkpoint %d: %w", checkpoint, err)
	}
	return nil
}
