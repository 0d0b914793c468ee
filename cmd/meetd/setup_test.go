package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"meetd/conf"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr error
	}{
		{"no flags", nil, "", nil},
		{"config", []string{"-config", "m.toml"}, "m.toml", nil},
		{"config with equals", []string{"--config=m.toml"}, "m.toml", nil},
		{"help", []string{"-h"}, "", flag.ErrHelp},
		{"stray argument", []string{"bridge"}, "", ErrUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && o.configPath != tt.want {
				t.Errorf("configPath = %q, want %q", o.configPath, tt.want)
			}
		})
	}
	if _, err := parseFlags([]string{"-nope"}); err == nil {
		t.Error("unknown flag accepted")
	}
}

func TestLoadConfig(t *testing.T) {
	c, err := loadConfig("")
	if err != nil || c.Domain != "localhost" {
		t.Fatalf("loadConfig(\"\") = %+v, %v; want the defaults", c, err)
	}
	path := filepath.Join(t.TempDir(), "m.toml")
	if err := os.WriteFile(path, []byte("[log]\nlevel = \"debug\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = loadConfig(path)
	if err != nil || c.Log.Level != "debug" {
		t.Fatalf("loadConfig(file) = %+v, %v", c, err)
	}
}

func TestRealMainRejectsBadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.toml")
	if err := os.WriteFile(path, []byte("[http]\nlisen = \":1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := realMain([]string{"-config", path}, io.Discard, &stderr); code != exitFailure {
		t.Errorf("exit code = %d, want %d (a configuration meetd cannot use is a failure, not bad usage)", code, exitFailure)
	}
	if !strings.Contains(stderr.String(), "http.lisen") || !strings.Contains(stderr.String(), "did you mean http.listen?") {
		t.Errorf("stderr %q does not name the unknown key", stderr.String())
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		name      string
		log       conf.Log
		wantDebug bool
		wantJSON  bool
	}{
		{"text info", conf.Log{Level: "info", Format: "text"}, false, false},
		{"json debug", conf.Log{Level: "debug", Format: "json"}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			l := newLogger(&b, tt.log)
			l.Debug("dbg")
			l.Info("inf", "room", "r1")
			out := b.String()
			if strings.Contains(out, "dbg") != tt.wantDebug {
				t.Errorf("debug line present = %v, want %v: %q", !tt.wantDebug, tt.wantDebug, out)
			}
			if strings.HasPrefix(out, "{") != tt.wantJSON {
				t.Errorf("json = %v, want %v: %q", !tt.wantJSON, tt.wantJSON, out)
			}
		})
	}
}

func TestAnnounce(t *testing.T) {
	var b bytes.Buffer
	pub, _ := conf.Default().PublicURL(8443)
	announce(&b, pub, &net.TCPAddr{IP: net.IPv4zero, Port: 8443},
		&net.UDPAddr{IP: net.IPv4zero, Port: 10000}, []string{"127.0.0.1"})
	want := "meetd: web https://localhost:8443/ (listening 0.0.0.0:8443)\n" +
		"meetd: media udp 0.0.0.0:10000 advertised 127.0.0.1\n"
	if b.String() != want {
		t.Errorf("announce =\n%s\nwant\n%s", b.String(), want)
	}
}

func TestPartsCloseNewestFirst(t *testing.T) {
	var order []string
	p := &parts{}
	for _, name := range []string{"xmpp", "bridge", "focus"} {
		p.onClose(func() error { order = append(order, name); return nil })
	}
	boom := errors.New("boom")
	p.onClose(func() error { return boom })
	if err := p.close(); !errors.Is(err, boom) {
		t.Errorf("close() = %v, want boom", err)
	}
	if got := strings.Join(order, ","); got != "focus,bridge,xmpp" {
		t.Errorf("close order %s, want focus,bridge,xmpp", got)
	}
}
