package web

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func leafOf(t *testing.T, c tls.Certificate) *x509.Certificate {
	t.Helper()
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

func TestSelfSignedProperties(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state") // does not exist yet
	now := time.Now()
	c, err := SelfSigned(dir, []string{"meet.example.com", "10.1.2.3"}, now, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	leaf := leafOf(t, c)
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	for _, name := range []string{"meet.example.com", "10.1.2.3", "localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("certificate does not cover %s: %v", name, err)
		}
	}
	if leaf.NotAfter.Before(now.Add(300 * 24 * time.Hour)) {
		t.Errorf("NotAfter %v is too soon", leaf.NotAfter)
	}
	fi, err := os.Stat(filepath.Join(dir, SelfSignedKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("key file mode %v is readable by others", fi.Mode().Perm())
	}
}

func TestSelfSignedReuse(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name      string
		hosts2    []string
		now2      time.Time
		corrupt   bool
		wantReuse bool
	}{
		{"same domain is reused", []string{"localhost"}, now.Add(time.Hour), false, true},
		{"loopback public host is reused", []string{"localhost", "127.0.0.1"}, now, false, true},
		{"other domain is replaced", []string{"meet.example.com"}, now, false, false},
		{"new public host is replaced", []string{"localhost", "meet.example.org"}, now, false, false},
		{"near expiry is replaced", []string{"localhost"}, now.Add(340 * 24 * time.Hour), false, false},
		{"corrupt file is replaced", []string{"localhost"}, now, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first, err := SelfSigned(dir, []string{"localhost"}, now, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			if tt.corrupt {
				if err := os.WriteFile(filepath.Join(dir, SelfSignedCertFile), []byte("junk"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			second, err := SelfSigned(dir, tt.hosts2, tt.now2, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			same := bytes.Equal(first.Certificate[0], second.Certificate[0])
			if same != tt.wantReuse {
				t.Errorf("reused = %v, want %v", same, tt.wantReuse)
			}
		})
	}
}

func TestSelfSignedUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := SelfSigned(filepath.Join(file, "state"), []string{"localhost"}, time.Now(), quietLogger())
	if err == nil {
		t.Fatal("SelfSigned under a regular file succeeded")
	}
}
