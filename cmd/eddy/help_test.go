package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// checkGolden compares got with testdata/golden/name, or rewrites the file
// with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/eddy -run %s -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (-update rewrites it):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// TestHelp checks that every command answers -h, --help and eddy help CMD
// with its own help on stdout and exit 0, and pins each text.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var texts []string
			for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
				var out, errOut bytes.Buffer
				if code := run(args, strings.NewReader(""), &out, &errOut); code != 0 {
					t.Fatalf("eddy %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut.String())
				}
				if errOut.Len() > 0 {
					t.Errorf("eddy %s wrote to stderr: %q", strings.Join(args, " "), errOut.String())
				}
				texts = append(texts, out.String())
			}
			if texts[0] != texts[1] || texts[0] != texts[2] {
				t.Errorf("--help, -h and help %s differ", c.name)
			}
			if !strings.HasPrefix(texts[0], "usage: eddy "+c.name) {
				t.Errorf("help of %s does not start with its usage line: %q", c.name, firstLine(texts[0]))
			}
			if !strings.Contains(texts[0], "example") {
				t.Errorf("help of %s has no example", c.name)
			}
			checkGolden(t, "help_"+c.name+".txt", texts[0])
		})
	}
	t.Run("global", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		if code := run([]string{"help"}, nil, &out, &out); code != 0 {
			t.Fatalf("eddy help: exit %d", code)
		}
		for _, c := range commands {
			if !strings.Contains(out.String(), "\n  "+c.name+" ") {
				t.Errorf("eddy help does not list %s", c.name)
			}
		}
		checkGolden(t, "help.txt", out.String())
	})
}

func firstLine(s string) string { line, _, _ := strings.Cut(s, "\n"); return line }

// TestHelpExamplesWork runs every example line of the help texts that
// names a file of the repository, from the root of the repository, as
// --explain (so nothing runs for long): the files exist and load.
func TestHelpExamplesWork(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	for _, c := range commands {
		c, _ = lookupCommand(c.name)
		for _, line := range strings.Split(c.usage, "\n") {
			f := strings.Fields(line)
			if len(f) < 3 || f[0] != "eddy" || f[1] != "run" {
				continue
			}
			file := f[2]
			t.Run(c.name+"/"+file, func(t *testing.T) {
				t.Parallel()
				if _, err := os.Stat(filepath.Join(root, file)); err != nil {
					t.Fatalf("help of %s names %s: %v", c.name, file, err)
				}
				text, err := os.ReadFile(filepath.Join(root, file))
				if err != nil {
					t.Fatal(err)
				}
				// The example paths are relative to the root; so are the
				// paths inside the file.
				dir := t.TempDir()
				sqlText := strings.ReplaceAll(string(text), "'cmd/eddy/", "'"+filepath.Join(root, "cmd", "eddy")+"/")
				path := filepath.Join(dir, "app.sql")
				if err := os.WriteFile(path, []byte(sqlText), 0o600); err != nil {
					t.Fatal(err)
				}
				var out, errOut bytes.Buffer
				if code := run([]string{"run", path, "--explain", "--state", filepath.Join(dir, "state")}, nil, &out, &errOut); code != 0 {
					t.Fatalf("eddy run %s --explain: exit %d: %s", file, code, errOut.String())
				}
			})
		}
	}
}

// TestUsageErrors pins the messages a newcomer meets on a wrong command
// line: each exits 2 and says what to do.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
	}{
		{name: "unknown command", args: []string{"runn", "app.sql"}},
		{name: "unknown help topic", args: []string{"help", "runn"}},
		{name: "run without a file", args: []string{"run"}},
		{name: "run unknown flag", args: []string{"run", "app.sql", "--inptu", "X=stdin"}},
		{name: "report without state", args: []string{"report", "app.sql"}},
		{name: "discover without a source", args: []string{"discover"}},
		{name: "discover unknown connector", args: []string{"discover", "kafak:ticks"}},
		{name: "bench unknown query", args: []string{"bench", "nexmark", "--query", "q9"}},
		{name: "completion without shell", args: []string{"completion"}},
		{name: "completion unknown shell", args: []string{"completion", "tcsh"}},
		{name: "version with an argument", args: []string{"version", "now"}},
	}
	var all strings.Builder
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		code := run(tc.args, strings.NewReader(""), &out, &errOut)
		if code != exitUsage {
			t.Errorf("%s: eddy %s exited %d, want %d", tc.name, strings.Join(tc.args, " "), code, exitUsage)
		}
		if errOut.Len() == 0 {
			t.Errorf("%s: no message on stderr", tc.name)
		}
		all.WriteString("$ eddy " + strings.Join(tc.args, " ") + "\n" + errOut.String())
	}
	checkGolden(t, "usage_errors.txt", all.String())
}

// TestVersion checks eddy version and --version, and how the build info
// is read: the -ldflags stamp first, then the module version, then devel.
func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		if code := run(args, nil, &out, &out); code != 0 {
			t.Fatalf("eddy %s: exit %d", args[0], code)
		}
		if !strings.HasPrefix(out.String(), "eddy ") || !strings.Contains(out.String(), "\ncommit: ") || !strings.Contains(out.String(), "\ngo: go1.") {
			t.Errorf("eddy %s printed %q", args[0], out.String())
		}
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	cases := []struct {
		name, stamp, commit string
		info                *debug.BuildInfo
		want                buildInfo
	}{
		{name: "go install @version", info: info, want: buildInfo{Version: "v0.3.0", Commit: "abc123", Time: "2026-01-02T03:04:05Z", Modified: true, Go: "go1.26.1"}},
		{name: "release stamp wins", stamp: "v0.4.0", commit: "def456", info: info, want: buildInfo{Version: "v0.4.0", Commit: "def456", Time: "2026-01-02T03:04:05Z", Modified: true, Go: "go1.26.1"}},
		{name: "checkout build", info: &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"}}, want: buildInfo{Version: "devel", Commit: "unknown", Go: "go1.26.1"}},
	}
	for _, tc := range cases {
		got := readBuildInfo(tc.stamp, tc.commit, tc.info, true)
		got.Platform = ""
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestCompletion checks that each shell's script names every command.
func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish"} {
		var out bytes.Buffer
		if code := run([]string{"completion", shell}, nil, &out, &out); code != 0 {
			t.Fatalf("eddy completion %s: exit %d: %s", shell, code, out.String())
		}
		for _, c := range commands {
			if !strings.Contains(out.String(), c.name) {
				t.Errorf("%s completion lacks %s", shell, c.name)
			}
			if _, ok := commandFlags[c.name]; !ok {
				t.Errorf("command %s has no completion flags", c.name)
			}
		}
	}
}
