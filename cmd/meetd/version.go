package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version and commit are set at link time by release builds
// (make build, make deb: -ldflags "-X main.version=1.2.3 -X main.commit=abc123");
// they are never written at run time. Otherwise the module version and the
// VCS revision Go recorded are shown ("(devel)", "unknown" when it recorded none).
var (
	version = ""
	commit  = ""
)

// buildInfo is what `meetd version` prints.
type buildInfo struct {
	version, commit, commitTime, goVersion string
	modified                               bool
}

// readBuildInfo collects the version, the VCS revision Go stamped into the
// binary (go build in a git checkout does) and the Go version.
func readBuildInfo() buildInfo {
	b := buildInfo{version: version, commit: commit}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b.orUnknown()
	}
	b.goVersion = info.GoVersion
	if b.version == "" {
		b.version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.commit == "" {
				b.commit = s.Value
			}
		case "vcs.time":
			b.commitTime = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b.orUnknown()
}

func (b buildInfo) orUnknown() buildInfo {
	if b.version == "" {
		b.version = "(devel)"
	}
	if b.commit == "" {
		b.commit = "unknown"
	}
	return b
}

// runVersion is `meetd version`.
func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if isHelpFlag(args[0]) {
			fmt.Fprintln(stdout, "usage: meetd version")
			return exitOK
		}
		fmt.Fprintln(stderr, "usage: meetd version")
		return exitUsage
	}
	b := readBuildInfo()
	commit := b.commit
	if b.modified {
		commit += " (with uncommitted changes)"
	}
	if b.commitTime != "" {
		commit += " " + b.commitTime
	}
	fmt.Fprintf(stdout, "meetd %s\ncommit %s\n%s\n", b.version, commit, b.goVersion)
	return exitOK
}

// bridgeVersion is the version a bridge announces in the brewery, e.g.
// "meetd/1.2.3+abc123def456": bridges of one build share it, and the focus
// keeps a conference on bridges of one version.
func (b buildInfo) bridgeVersion() string {
	c := b.commit
	if len(c) > 12 {
		c = c[:12]
	}
	return "meetd/" + b.version + "+" + c
}
