package firehose

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is wrapped when a store has no object under a key.
var ErrNotFound = errors.New("firehose: object not found")

// store is an object store: a local directory or an S3 bucket and prefix.
// Keys are relative slash paths. Put makes an object appear whole.
type store interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	// Move publishes src under dst; a missing src wraps ErrNotFound.
	Move(ctx context.Context, src, dst string) error
	Delete(ctx context.Context, key string) error
	// List returns the keys of the objects under prefix, in no order.
	List(ctx context.Context, prefix string) ([]string, error)
	String() string
}

// dirStore keeps objects as files under a directory.
type dirStore struct{ dir string }

// newDirStore reads file:///dir (or file:dir).
func newDirStore(u *url.URL) (*dirStore, error) {
	dir := u.Path
	if dir == "" {
		dir = u.Opaque
	}
	if u.Host != "" && u.Host != "localhost" {
		return nil, fmt.Errorf("firehose: destination %s: a file URL has no host (use file:///dir)", u)
	}
	if dir == "" {
		return nil, fmt.Errorf("firehose: destination %s names no directory", u)
	}
	return &dirStore{dir: filepath.Clean(dir)}, nil
}

func (d *dirStore) String() string { return "file://" + d.dir }

func (d *dirStore) path(key string) string { return filepath.Join(d.dir, filepath.FromSlash(key)) }

// Put writes a temporary file, syncs it and renames it into place.
func (d *dirStore) Put(_ context.Context, key string, data []byte) error {
	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("firehose: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("firehose: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("firehose: put %s: %w", p, err)
	}
	return nil
}

func (d *dirStore) Get(_ context.Context, key string) ([]byte, error) {
	b, err := os.ReadFile(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotFound, key, err)
	}
	if err != nil {
		return nil, fmt.Errorf("firehose: %w", err)
	}
	return b, nil
}

func (d *dirStore) Move(_ context.Context, src, dst string) error {
	p := d.path(dst)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("firehose: %w", err)
	}
	err := os.Rename(d.path(src), p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s: %w", ErrNotFound, src, err)
	}
	if err != nil {
		return fmt.Errorf("firehose: move: %w", err)
	}
	return nil
}

func (d *dirStore) Delete(_ context.Context, key string) error {
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("firehose: %w", err)
	}
	return nil
}

// List walks the directory of prefix (a key prefix ending in a slash).
func (d *dirStore) List(_ context.Context, prefix string) ([]string, error) {
	var keys []string
	root := d.path(prefix)
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !e.IsDir() {
			rel, err := filepath.Rel(d.dir, p)
			if err != nil {
				return err
			}
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("firehose: list %s: %w", prefix, err)
	}
	return keys, nil
}

// joinKey joins a prefix and a key with one slash.
func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return strings.TrimSuffix(prefix, "/") + "/" + strings.TrimPrefix(key, "/")
}
