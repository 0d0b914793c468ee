package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFocusCommandUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "focus.toml")
	if err := os.WriteFile(bad, []byte("domain = \"x y\"\nbogus = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noSecret := filepath.Join(dir, "nosecret.toml")
	if err := os.WriteFile(noSecret, []byte("domain = \"localhost\"\n[xmpp]\nserver = \"127.0.0.1:1\"\nsecret_file = \""+
		filepath.Join(dir, "none")+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"-h"}, exitOK, ""},
		{"no config", nil, exitUsage, "usage: meetd focus"},
		{"bad config: every problem", []string{"-config", bad}, exitFailure, "bogus"},
		{"missing file", []string{"-config", bad + ".none"}, exitFailure, "no such file"},
		{"missing secret", []string{"-config", noSecret}, exitFailure, "xmpp.secret_file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := realMain(append([]string{"focus"}, tc.args...), &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tc.stderr)
			}
		})
	}
}
