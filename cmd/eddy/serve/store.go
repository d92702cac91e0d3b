package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// store keeps applications under DIR/apps/NAME: app.json (the
// configuration, mode 0600) and state/ (checkpoints).
type store struct{ dir string }

func (s store) appDir(name string) string     { return filepath.Join(s.dir, "apps", name) }
func (s store) configPath(name string) string { return filepath.Join(s.appDir(name), "app.json") }

// stateDir is the checkpoint directory of a state generation.
func (s store) stateDir(name string, gen int) string {
	return filepath.Join(s.appDir(name), "state", fmt.Sprintf("gen-%d", gen))
}

func marshalConfig(c *AppConfig) ([]byte, error)      { return json.MarshalIndent(c, "", "  ") }
func unmarshalConfig(data []byte, c *AppConfig) error { return json.Unmarshal(data, c) }

// save writes c atomically: a temporary file, synced, renamed over
// app.json, and the directory synced.
func (s store) save(c *AppConfig) error {
	dir := s.appDir(c.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("serve: save %s: %w", c.Name, err)
	}
	data, err := marshalConfig(c)
	if err != nil {
		return fmt.Errorf("serve: save %s: %w", c.Name, err)
	}
	tmp, err := os.CreateTemp(dir, ".app-*.json")
	if err != nil {
		return fmt.Errorf("serve: save %s: %w", c.Name, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(data)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), s.configPath(c.Name))
		}
	} else {
		tmp.Close()
	}
	if err != nil {
		return fmt.Errorf("serve: save %s: %w", c.Name, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// load reads every application, in name order.
func (s store) load() ([]*AppConfig, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "apps"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("serve: load: %w", err)
	}
	var out []*AppConfig
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		data, err := os.ReadFile(s.configPath(e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // a directory left by a delete that did not finish
		}
		if err != nil {
			return nil, fmt.Errorf("serve: load %s: %w", e.Name(), err)
		}
		var c AppConfig
		if err := unmarshalConfig(data, &c); err != nil {
			return nil, fmt.Errorf("serve: load %s: %w", e.Name(), err)
		}
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// remove deletes an application's directory: configuration first, so a
// crash in between leaves no application behind.
func (s store) remove(name string) error {
	if err := os.Remove(s.configPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("serve: delete %s: %w", name, err)
	}
	return os.RemoveAll(s.appDir(name))
}
