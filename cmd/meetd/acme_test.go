package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"meetd/internal/pebbletest"
)

// TestServeWithACME runs meetd with [acme] against pebble: the HTTPS
// listener answers the TLS-ALPN-01 challenge, then serves the issued
// certificate, and the port-80 listener redirects to https.
func TestServeWithACME(t *testing.T) {
	bin := pebbletest.Binary(t)
	ports := pebbletest.FreePorts(t)
	p := pebbletest.Start(t, bin, ports, 3600)
	roots := p.Roots(t)
	p.Client.CloseIdleConnections()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := loopbackConfig(t)
	cfg.HTTP.Listen = fmt.Sprintf("127.0.0.1:%d", ports.TLSALPN01)
	cfg.ACME.Enabled = true // domain localhost: Validate refuses it, serve does not validate
	cfg.ACME.Directory = p.Directory
	cfg.ACME.CARoots = p.CAFile
	cfg.ACME.HTTPListen = fmt.Sprintf("127.0.0.1:%d", ports.HTTP01)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	defer pr.Close()
	logs := &pebbletest.Buffer{}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)), pw); _ = pw.Close() }()
	readAnnounce(t, pr)
	pebbletest.WaitFor(t, wait, "the HTTPS listener serving pebble's certificate", func() bool {
		c, err := tls.Dial("tcp", cfg.HTTP.Listen, &tls.Config{RootCAs: roots, ServerName: "localhost"})
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	client := &http.Client{Timeout: wait, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("http://" + cfg.ACME.HTTPListen + "/myroom?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := fmt.Sprintf("https://localhost:%d/myroom?x=1", ports.TLSALPN01)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
		t.Errorf("port 80: %s to %q, want 301 to %q", resp.Status, resp.Header.Get("Location"), want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve = %v", err)
	}
	if !strings.Contains(logs.String(), "acme: new certificate in use") {
		t.Errorf("no certificate log line:\n%s", logs.String())
	}
	if t.Failed() {
		t.Logf("meetd:\n%s\npebble:\n%s", logs.String(), p.Log())
	}
}
