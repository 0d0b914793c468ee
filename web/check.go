package web

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"meetd/conf"
)

// CheckFiles returns, in plain words, the problems with the files the
// configuration names: the web app directory and the certificate files
// (their chain as a phone would see it for host). The configuration itself
// is assumed valid (conf.Load).
func CheckFiles(cfg *conf.Config, host string, now time.Time) []string {
	var problems []string
	if dir := cfg.Web.AppDir; dir != "" {
		if st, err := os.Stat(filepath.Join(dir, appIndex)); err != nil || !st.Mode().IsRegular() {
			problems = append(problems, fmt.Sprintf("web.app_dir: %q has no index.html (is it the Jitsi Meet web app directory?)", dir))
		}
	}
	if cfg.HTTP.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.HTTP.TLSCert, cfg.HTTP.TLSKey)
		if err != nil {
			return append(problems, fmt.Sprintf("http.tls_cert/http.tls_key: %v", err))
		}
		for _, p := range checkChain(&cert, host, nil, now) {
			problems = append(problems, "http.tls_cert: "+p)
		}
	}
	if cfg.ACME.CARoots != "" {
		if _, err := os.Stat(cfg.ACME.CARoots); err != nil {
			problems = append(problems, fmt.Sprintf("acme.ca_roots: %v", err))
		}
	}
	return problems
}
