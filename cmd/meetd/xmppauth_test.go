package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"meetd/conf"
)

func TestJWTPublicKeyFile(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pkix, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	ecPKIX, _ := x509.MarshalPKIXPublicKey(&ek.PublicKey)
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path string
		ok         bool
	}{
		{"PKIX", write("pkix.pem", "PUBLIC KEY", pkix), true},
		{"PKCS1", write("pkcs1.pem", "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rk.PublicKey)), true},
		{"EC key", write("ec.pem", "PUBLIC KEY", ecPKIX), false},
		{"missing file", filepath.Join(dir, "missing.pem"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := xmppAuth(conf.Auth{AllowAnonymous: true, JWTAppID: "app", JWTPublicKeyFile: tc.path})
			if tc.ok != (err == nil) {
				t.Fatalf("err %v", err)
			}
			if tc.ok && a.JWT.PublicKey == nil {
				t.Fatal("no key")
			}
		})
	}
}
