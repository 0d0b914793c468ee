package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"meetd/conf"
	"meetd/recording/vault"
)

func TestRecordingCheck(t *testing.T) {
	tests := []struct {
		name, enabled, ffmpeg string
		problem, warning      bool
	}{
		{"auto without ffmpeg", conf.RecordingAuto, "/nonexistent/ffmpeg", false, true},
		{"on without ffmpeg", conf.RecordingOn, "/nonexistent/ffmpeg", true, false},
		{"off", conf.RecordingOff, "/nonexistent/ffmpeg", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := conf.Default()
			cfg.Recording.Enabled, cfg.Recording.FFmpeg = tc.enabled, tc.ffmpeg
			p, w := recordingCheck(cfg)
			if (p != "") != tc.problem || (w != "") != tc.warning {
				t.Fatalf("problem %q warning %q", p, w)
			}
			if p+w != "" && !strings.Contains(p+w, "ffmpeg") {
				t.Fatalf("does not say why: %q", p+w)
			}
		})
	}
}

func TestRecordingsList(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "meetd.toml")
	recDir := filepath.Join(dir, "rec")
	if err := os.WriteFile(cfgPath, []byte("[recording]\ndir = \""+recDir+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	if code := realMain([]string{"recordings", "list", "-config", cfgPath}, &out, &errw); code != exitOK || !strings.Contains(out.String(), "no recordings") {
		t.Fatalf("empty list: %d %q %q", code, out.String(), errw.String())
	}
	store, err := vault.NewStore(recDir)
	if err != nil {
		t.Fatal(err)
	}
	id := vault.NewID()
	fd, err := store.Create(id)
	if err != nil {
		t.Fatal(err)
	}
	fd.Close()
	created := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := store.Commit(vault.Info{ID: id, Room: "therapy@conference.localhost", Created: created, Duration: 3000, Size: 2e7, Participants: 2}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := realMain([]string{"recordings", "list", "-config", cfgPath}, &out, &errw); code != exitOK {
		t.Fatalf("list: %d %q", code, errw.String())
	}
	for _, want := range []string{id, "therapy@conference.localhost", "2026-12-01 10:00", "50m0s", "20.0 MB", "2026-12-31 10:00"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, out.String())
		}
	}
	if code := realMain([]string{"recordings", "delete"}, &out, &errw); code != exitUsage {
		t.Fatalf("unknown subcommand: %d", code)
	}
}
