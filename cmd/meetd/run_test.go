package main

import (
	"context"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"meetd/conf"
)

// TestWireClosesOnLateError: a part that fails after the XMPP server and the
// bridge are built (here the recording store, whose directory sits under a
// regular file) makes wire return that error and close what it built, so the
// bridge's media port is free again. It used to panic: the early return set
// wire's named result to nil before the deferred close ran.
func TestWireClosesOnLateError(t *testing.T) {
	probe, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	media := probe.LocalAddr().String()
	probe.Close()
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := conf.Default()
	cfg.StateDir = t.TempDir()
	cfg.Media.Listen, cfg.TURN.Enabled = media, false
	cfg.Recording.Enabled, cfg.Recording.Dir = conf.RecordingOn, filepath.Join(file, "recordings")
	pub, _ := url.Parse("https://localhost:8443")
	p, err := wire(context.Background(), cfg, pub, slog.New(slog.DiscardHandler))
	if err == nil {
		p.close()
		t.Fatal("wire succeeded with the recording directory under a regular file")
	}
	again, err2 := net.ListenPacket("udp", media)
	if err2 != nil {
		t.Fatalf("after %v: the media port %s is still held: %v", err, media, err2)
	}
	again.Close()
}
