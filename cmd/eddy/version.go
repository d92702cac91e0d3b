package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is the release version, stamped by the release build:
// go build -ldflags "-X main.version=v1.2.3". Empty otherwise: the module
// version go install recorded is used, or "devel".
var version = ""

// commit is the VCS revision, stamped by the release build
// (-X main.commit=…) where the build records none (-buildvcs=false, a
// source tarball).
var commit = ""

// buildInfo is what eddy version prints.
type buildInfo struct {
	Version  string // v1.2.3, a pseudo-version, or devel
	Commit   string // the VCS revision, "unknown" when not recorded
	Time     string // the commit time, when recorded
	Modified bool   // built from a work tree with changes
	Go       string // the Go version that built eddy
	Platform string // GOOS/GOARCH
}

// readBuildInfo gathers the build's version from the -ldflags stamp and
// debug.ReadBuildInfo (module version, vcs.revision, vcs.time,
// vcs.modified).
func readBuildInfo(stamp, stampCommit string, info *debug.BuildInfo, ok bool) buildInfo {
	b := buildInfo{Version: stamp, Commit: stampCommit, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ok && info != nil {
		b.Go = info.GoVersion
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version // go install …@v1.2.3 or @latest
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// String renders the build info as eddy version prints it.
func (b buildInfo) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "eddy %s\n", b.Version)
	commit := b.Commit
	if b.Modified {
		commit += " (modified)"
	}
	if b.Time != "" {
		commit += " " + b.Time
	}
	fmt.Fprintf(&s, "commit: %s\n", commit)
	fmt.Fprintf(&s, "go: %s %s\n", b.Go, b.Platform)
	return s.String()
}

// cmdVersion is `eddy version` and `eddy --version`.
func cmdVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "eddy version: takes no arguments (%q)\n", args[0])
		return exitUsage
	}
	info, ok := debug.ReadBuildInfo()
	fmt.Fprint(stdout, readBuildInfo(version, commit, info, ok))
	return exitOK
}
