package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"meetd/web"
)

// TestShutdownAnswersHeldBOSHRequest: a BOSH client's held request (wait 60 s)
// is answered with system-shutdown when meetd stops, and the stop does not
// wait for the request to time out (serve returns nil, not
// ErrShutdownTimeout).
func TestShutdownAnswersHeldBOSHRequest(t *testing.T) {
	cfg := loopbackConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	defer pr.Close()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), pw); _ = pw.Close() }()
	url := "https://" + readAnnounce(t, pr) + "/http-bind"
	c := trustingClient(t, cfg.StateDir)
	defer c.CloseIdleConnections()

	created := boshPost(t, c, url, `<body rid='1' to='localhost' xml:lang='en' wait='60' hold='1' ver='1.6' `+
		`xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'/>`)
	m := regexp.MustCompile(`sid=['"]([^'"]+)['"]`).FindStringSubmatch(created)
	if m == nil {
		t.Fatalf("no sid in the session creation answer %q", created)
	}
	held := make(chan string, 1)
	go func() {
		held <- boshPost(t, c, url, `<body rid='2' sid='`+m[1]+`' xmlns='http://jabber.org/protocol/httpbind'/>`)
	}()
	time.Sleep(300 * time.Millisecond) // the request is held now
	cancel()
	select {
	case body := <-held:
		if !strings.Contains(body, "system-shutdown") {
			t.Errorf("held request answered %q, want system-shutdown", body)
		}
	case <-time.After(wait):
		t.Fatal("the held BOSH request was not answered")
	}
	awaitServe(t, done)
}

// trustingClient is an HTTPS client that trusts meetd's self-signed
// certificate in stateDir.
func trustingClient(t *testing.T, stateDir string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(filepath.Join(stateDir, web.SelfSignedCertFile))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemBytes)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	return &http.Client{Transport: tr, Timeout: wait}
}

// boshPost posts body and returns the answer ("" after an error, reported).
func boshPost(t *testing.T, c *http.Client, url, body string) string {
	resp, err := c.Post(url, "text/xml; charset=utf-8", strings.NewReader(body))
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
