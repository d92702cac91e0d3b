package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/eddy-sql/eddy/"

// allowedImports says, for each top-level package tree, which Eddy package
// trees it may import: data flows sql → planner → exec/window → sinks, with
// sources feeding exec, and only cmd imports everything.
var allowedImports = map[string][]string{
	"sql":     {"sql"},
	"planner": {"planner", "sql", "exec", "window"},
	"exec":    {"exec"},
	"window":  {"window", "exec"},
	"sources": {"sources"},
	"sinks":   {"sinks", "sources"},
	"cmd":     {"cmd", "sql", "planner", "exec", "window", "sources", "sinks"},
}

// TestImportsFollowThePipeline fails when any package imports against the
// flow of data.
func TestImportsFollowThePipeline(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		allowed, ok := allowedImports[top]
		if !ok {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			target := strings.Split(strings.TrimPrefix(p, module), "/")[0]
			if !contains(allowed, target) {
				t.Errorf("%s imports %s: %s may import only %v", rel, p, top, allowed)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked only %d files; is the tree there?", checked)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
}

// TestNoCatchAllPackages keeps util, common and helpers packages out.
func TestNoCatchAllPackages(t *testing.T) {
	t.Parallel()
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "node_modules", ".git":
				return filepath.SkipDir
			case "util", "utils", "common", "helpers", "misc":
				t.Errorf("package directory %s: name packages after what they hold", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
