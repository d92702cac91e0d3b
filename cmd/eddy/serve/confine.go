package serve

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrConfined is wrapped by the errors of options that reach outside what
// the server allows: a file path outside the --allow-path directories, or
// a connector that runs a program or reads the server's standard input.
var ErrConfined = errors.New("serve: not allowed")

// confinement confines the files an application's connectors may touch to
// a list of directories.
type confinement struct {
	allow []string // absolute, cleaned, symlinks resolved
}

// newConfinement resolves the allowed directories.
func newConfinement(dirs []string) (*confinement, error) {
	c := &confinement{}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("serve: --allow-path %s: %w", d, err)
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		}
		c.allow = append(c.allow, filepath.Clean(abs))
	}
	return c, nil
}

// check returns an error wrapping ErrConfined when options name a file or
// directory outside the allowed ones (the keys path, *_dir and *_file, and
// file: URLs in any option), a program to run (command, command:…), or the
// stdin connector.
func (c *confinement) check(options map[string]string) error {
	if strings.EqualFold(options["connector"], "stdin") {
		return fmt.Errorf("%w: the stdin connector", ErrConfined)
	}
	for k, v := range options {
		key := strings.ToLower(k)
		switch {
		case key == "command" || strings.HasPrefix(strings.ToLower(v), "command:"):
			return fmt.Errorf("%w: %s runs a program", ErrConfined, key)
		case key == "path" || strings.HasSuffix(key, "_dir") || strings.HasSuffix(key, "_file"):
			if err := c.allowed(key, v); err != nil {
				return err
			}
		case strings.HasPrefix(strings.ToLower(v), "file:"):
			p := strings.TrimPrefix(v[len("file:"):], "//")
			if err := c.allowed(key, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// allowed tells whether path p lies inside an allowed directory, after
// cleaning it and resolving the symbolic links of the part that exists.
func (c *confinement) allowed(key, p string) error {
	if p == "" {
		return nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrConfined, key, p, err)
	}
	abs = resolveExisting(filepath.Clean(abs))
	for _, dir := range c.allow {
		if abs == dir || strings.HasPrefix(abs, dir+string(filepath.Separator)) {
			return nil
		}
	}
	if len(c.allow) == 0 {
		return fmt.Errorf("%w: %s %q: the server allows no file paths (eddy serve --allow-path DIR)", ErrConfined, key, p)
	}
	return fmt.Errorf("%w: %s %q is outside the allowed directories (%s)", ErrConfined, key, p, strings.Join(c.allow, ", "))
}

// resolveExisting resolves the symbolic links of the longest existing
// prefix of an absolute clean path and appends the rest.
func resolveExisting(p string) string {
	rest := ""
	for cur := p; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		if _, err := os.Lstat(cur); err == nil {
			return p // exists but cannot be resolved: judge it as written
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}
