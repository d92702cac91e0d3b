// Command build bundles the console's SQL editor: src/editor.js and the
// CodeMirror packages it imports from node_modules (run `npm ci` first)
// into one minified IIFE, OUT/editor.js, and the licenses of every package
// in it into OUT/editor.LICENSES.txt. OUT is ../static unless -o says
// otherwise. The output depends only on the inputs: the same package-lock
// gives the same bytes, which .ci/check-console-bundle.sh relies on.
//
// It is a module of its own, so that esbuild is not a dependency of Eddy.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

const banner = "/*! Eddy console SQL editor: CodeMirror 6 (https://codemirror.net) and its dependencies, MIT licensed; see editor.LICENSES.txt. */"

func main() {
	out := flag.String("o", filepath.Join("..", "static"), "the directory to write editor.js and editor.LICENSES.txt to")
	flag.Parse()
	if err := build(*out); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

func build(out string) error {
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{"src/editor.js"},
		Bundle:            true,
		Format:            api.FormatIIFE,
		Target:            api.ES2020,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
		Banner:            map[string]string{"js": banner},
		Metafile:          true,
		Outfile:           "editor.js",
		LogLevel:          api.LogLevelWarning,
	})
	if len(res.Errors) > 0 {
		return fmt.Errorf("esbuild: %d errors", len(res.Errors))
	}
	if len(res.OutputFiles) != 1 {
		return fmt.Errorf("esbuild: %d output files, want 1", len(res.OutputFiles))
	}
	licenses, err := licenses(res.Metafile)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "editor.js"), res.OutputFiles[0].Contents, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "editor.LICENSES.txt"), licenses, 0o644)
}

// licenses returns the LICENSE file of every package with a file in the
// bundle, by package name, in name order.
func licenses(metafile string) ([]byte, error) {
	var pkgs []string
	for _, line := range strings.Split(metafile, "\"") {
		const nm = "node_modules/"
		i := strings.LastIndex(line, nm)
		if i < 0 {
			continue
		}
		parts := strings.SplitN(line[i+len(nm):], "/", 3)
		name := parts[0]
		if strings.HasPrefix(name, "@") && len(parts) > 1 {
			name += "/" + parts[1]
		}
		pkgs = append(pkgs, name)
	}
	slices.Sort(pkgs)
	pkgs = slices.Compact(pkgs)
	var b bytes.Buffer
	b.WriteString("The console's editor.js bundles these packages. Each is MIT licensed; its license follows.\n")
	for _, p := range pkgs {
		text, err := os.ReadFile(filepath.Join("node_modules", p, "LICENSE"))
		if err != nil {
			return nil, fmt.Errorf("license of %s: %w", p, err)
		}
		if !bytes.Contains(text, []byte("Permission is hereby granted, free of charge")) {
			return nil, fmt.Errorf("license of %s: not the MIT license; review it before bundling", p)
		}
		fmt.Fprintf(&b, "\n==== %s ====\n\n%s", p, bytes.TrimSpace(text))
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}
