package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestHelpListsEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"-help"}, {"--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut strings.Builder
			if code := realMain(args, &out, &errOut); code != exitOK {
				t.Fatalf("exit %d, want 0; stderr %q", code, errOut.String())
			}
			for _, c := range commands() {
				if !strings.Contains(out.String(), "  "+c.name+" ") || !strings.Contains(out.String(), c.summary) {
					t.Errorf("help lacks the line of %q:\n%s", c.name, out.String())
				}
			}
			if !strings.Contains(out.String(), "-config FILE") {
				t.Errorf("help lacks -config:\n%s", out.String())
			}
			if errOut.Len() != 0 {
				t.Errorf("help wrote to stderr: %q", errOut.String())
			}
		})
	}
}

// TestExitCodes: 0 for help (of meetd and of each command), 2 for bad usage, 1 for a failure.
func TestExitCodes(t *testing.T) {
	missing := t.TempDir() + "/missing.toml"
	tests := []struct {
		name string
		args []string
		code int
		out  string // in the output
	}{
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"stray argument", []string{"-config", "x.toml", "extra"}, exitUsage, "unexpected argument"},
		{"unknown flag", []string{"-nope"}, exitUsage, "-nope"},
		{"missing config", []string{"-config", missing}, exitFailure, "missing.toml"},
		{"help help", []string{"help", "help"}, exitOK, "meetd help"},
		{"help unknown", []string{"help", "nope"}, exitUsage, "unknown command"},
		{"check -h", []string{"check", "-h"}, exitOK, "usage: meetd check -config FILE"},
		{"help check", []string{"help", "check"}, exitOK, "usage: meetd check -config FILE"},
		{"check bad flag", []string{"check", "-x"}, exitUsage, "usage: meetd check"},
		{"check missing file", []string{"check", "-config", missing}, exitFailure, "no such file"},
		{"import-env -h", []string{"import-env", "-h"}, exitOK, "usage: meetd import-env"},
		{"import-env no file", []string{"import-env"}, exitUsage, "usage: meetd import-env"},
		{"import-env missing file", []string{"import-env", missing}, exitFailure, "no such file"},
		{"passwd -h", []string{"passwd", "-h"}, exitOK, "usage: meetd passwd"},
		{"passwd no user", []string{"passwd"}, exitUsage, "usage: meetd passwd"},
		{"version -h", []string{"version", "-h"}, exitOK, "usage: meetd version"},
		{"version extra", []string{"version", "x"}, exitUsage, "usage: meetd version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			code := realMain(tt.args, &out, &errOut)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout %q\nstderr %q", code, tt.code, out.String(), errOut.String())
			}
			if !strings.Contains(out.String()+errOut.String(), tt.out) {
				t.Errorf("output lacks %q\nstdout %q\nstderr %q", tt.out, out.String(), errOut.String())
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var out strings.Builder
	if code := realMain([]string{"version"}, &out, &strings.Builder{}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "meetd ") || !strings.HasPrefix(lines[1], "commit ") || !strings.HasPrefix(lines[2], "go1.") {
		t.Errorf("version output %q: want meetd <version>, commit <rev>, go<version>", out.String())
	}
}

// TestVersionFromLinker builds meetd the way make build does and checks that the version and commit given
// to the linker are what `meetd version` prints.
func TestVersionFromLinker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := t.TempDir() + "/meetd"
	build := exec.Command("go", "build", "-ldflags", "-X main.version=9.8.7 -X main.commit=0123abc", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "meetd 9.8.7\ncommit 0123abc"; !strings.HasPrefix(string(out), want) {
		t.Errorf("meetd version = %q, want it to start with %q", out, want)
	}
}
