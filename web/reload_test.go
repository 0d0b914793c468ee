package web

import (
	"crypto/tls"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReload is the web half of issue 11 defect 7: a reload reads the
// certificate files again and rebuilds config.js; a broken certificate
// file is refused and the running certificate and routes stay (F10).
func TestReload(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair := func(host string) {
		c, k, err := newSelfSigned([]string{host}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(certPath, c, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyPath, k, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	served := func(s *Server) string {
		c, err := s.TLSConfig().GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		return string(c.Certificate[0])
	}
	configJS := func(s *Server) string {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/config.js", nil))
		b, _ := io.ReadAll(rec.Body)
		return string(b)
	}
	writePair("old.example")
	cfg := testConfig(t)
	cfg.HTTP.TLSCert, cfg.HTTP.TLSKey = certPath, keyPath
	s := newTestServer(t, cfg, Options{})
	old := served(s)

	writePair("new.example")
	cfg2 := testConfig(t)
	cfg2.HTTP.TLSCert, cfg2.HTTP.TLSKey = certPath, keyPath
	cfg2.Web.Config = map[string]any{"startWithAudioMuted": true}
	if err := s.Reload(cfg2); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	renewed := served(s)
	if renewed == old {
		t.Fatal("the renewed certificate file is not served")
	}
	if js := configJS(s); !strings.Contains(js, "startWithAudioMuted") {
		t.Fatal("config.js not rebuilt")
	}

	if err := os.WriteFile(certPath, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg3 := testConfig(t)
	cfg3.HTTP.TLSCert, cfg3.HTTP.TLSKey = certPath, keyPath
	if err := s.Reload(cfg3); err == nil {
		t.Fatal("a broken certificate file was accepted")
	}
	if served(s) != renewed || !strings.Contains(configJS(s), "startWithAudioMuted") {
		t.Fatal("a refused reload changed the running certificate or routes")
	}
}
