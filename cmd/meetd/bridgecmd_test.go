package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"meetd/conf"
)

func TestBridgeCommandUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bridge.toml")
	if err := os.WriteFile(bad, []byte("id = \"x y\"\nbogus = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"-h"}, exitOK, ""},
		{"no config", nil, exitUsage, "usage: meetd bridge"},
		{"bad config: every problem", []string{"-config", bad}, exitFailure, "bogus"},
		{"missing file", []string{"-config", bad + ".none"}, exitFailure, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := realMain(append([]string{"bridge"}, tc.args...), &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut.String())
			}
			if !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tc.stderr)
			}
		})
	}
}

// TestBridgeIDKept: without id the bridge generates one and keeps it in
// state_dir, so a restarted bridge comes back under the same name.
func TestBridgeIDKept(t *testing.T) {
	cfg := &conf.BridgeHost{StateDir: t.TempDir()}
	first, err := bridgeID(cfg)
	if err != nil || !strings.HasPrefix(first, "jvb-") || len(first) != len("jvb-")+8 {
		t.Fatalf("generated id %q, %v", first, err)
	}
	if again, err := bridgeID(cfg); err != nil || again != first {
		t.Fatalf("second start: id %q, want %q (%v)", again, first, err)
	}
	cfg.ID = "jvb-configured"
	if id, _ := bridgeID(cfg); id != "jvb-configured" {
		t.Fatalf("configured id ignored: %q", id)
	}
}
