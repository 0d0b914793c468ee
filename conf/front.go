package conf

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// Web configures what the HTTPS listener serves besides the protocols.
type Web struct {
	// AppDir is the directory of the Jitsi Meet web app (index.html, libs/,
	// css/, …), e.g. /usr/share/jitsi-meet. Empty: / explains how to get
	// the web app and which mobile apps to use.
	AppDir string `toml:"app_dir"`
	// AppName is the product name the web app shows (interface_config.js
	// APP_NAME) and the title of meetd's own pages.
	AppName string `toml:"app_name"`
	// Tenants are the first path segments of /<tenant>/<room> URLs; each
	// tenant's rooms live in their own MUC, conference.<tenant>.<domain>
	// (Jitsi's mapping). Only listed tenants are served.
	Tenants []string `toml:"tenants"`
	// Config holds config.js settings of the web app ([web.config]), merged
	// into the config.js meetd generates (conf/webconfig.go).
	Config map[string]any `toml:"config"`
}

// ACME configures automatic certificates (RFC 8555) for Domain.
type ACME struct {
	// Enabled turns ACME on; http.tls_cert/http.tls_key must then be empty
	// and domain a public name.
	Enabled bool `toml:"enabled"`
	// Directory is the ACME server's directory URL (default Let's Encrypt).
	Directory string `toml:"directory"`
	// Email is the account contact (optional; the CA sends expiry notices).
	Email string `toml:"email"`
	// HTTPListen is where HTTP-01 challenges are answered and other requests
	// redirected to https; empty turns HTTP-01 off (TLS-ALPN-01 on the HTTPS
	// listener remains).
	HTTPListen string `toml:"http_listen"`
	// CARoots is a PEM file of roots to trust for the ACME server's own
	// HTTPS (a private or test CA); empty uses the system roots.
	CARoots string `toml:"ca_roots"`
}

// Ops configures the operations listener (plain HTTP): /metrics,
// /about/health, /healthz and /readyz.
type Ops struct {
	// Listen is host:port; empty turns the listener off. Keep it on
	// localhost or a private network: metrics name rooms.
	Listen string `toml:"listen"`
	// ShutdownTimeout is how many seconds running calls may go on after
	// SIGTERM or SIGINT (the drain) before meetd ends them; new conferences
	// are refused meanwhile. 0 ends them at once. Default 60: under
	// systemd's default stop timeout (90 s).
	ShutdownTimeout int `toml:"shutdown_timeout"`
}

// DefaultShutdownTimeout is [ops] shutdown_timeout's default, in seconds.
const DefaultShutdownTimeout = 60

// maxShutdownTimeout bounds [ops] shutdown_timeout (one hour).
const maxShutdownTimeout = 3600

// LetsEncrypt is the default ACME directory.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

func defaultFront(c *Config) {
	c.Web = Web{AppName: "Jitsi Meet", Tenants: []string{}}
	c.ACME = ACME{Directory: LetsEncrypt, HTTPListen: ":80"}
	c.Ops = Ops{Listen: "127.0.0.1:8887", ShutdownTimeout: DefaultShutdownTimeout}
}

func (w Web) validate(bad badFunc) {
	for i, t := range w.Tenants {
		if msg := checkLabel(t); msg != "" || strings.HasPrefix(t, "_") {
			bad(fmt.Sprintf("web.tenants[%d]", i), "%q must be a lowercase DNS label (a-z, 0-9, '-')", t)
		}
	}
	if strings.TrimSpace(w.AppName) == "" || len(w.AppName) > 100 {
		bad("web.app_name", "must be 1 to 100 characters")
	}
	if strings.ContainsRune(w.AppDir, 0) {
		bad("web.app_dir", "must be a directory path")
	}
	validateWebConfig(w.Config, bad)
}

func (a ACME) validate(c *Config, bad badFunc) {
	if u, err := url.Parse(a.Directory); err != nil || u.Scheme != "https" || u.Host == "" {
		bad("acme.directory", "%q must be an https URL", a.Directory)
	}
	if a.Email != "" {
		if _, err := mail.ParseAddress(a.Email); err != nil {
			bad("acme.email", "%q is not an e-mail address", a.Email)
		}
	}
	if a.HTTPListen != "" {
		if msg := checkListen(a.HTTPListen); msg != "" {
			bad("acme.http_listen", "%q %s", a.HTTPListen, msg)
		}
	}
	if !a.Enabled {
		return
	}
	if c.HTTP.TLSCert != "" {
		bad("acme.enabled", "ACME and http.tls_cert/http.tls_key exclude each other; leave the files empty")
	}
	if c.Domain == localDomain || !strings.Contains(c.Domain, ".") {
		bad("acme.enabled", "an ACME certificate needs a public domain name, not %q", c.Domain)
	}
}

func (o Ops) validate(bad badFunc) {
	if o.ShutdownTimeout < 0 || o.ShutdownTimeout > maxShutdownTimeout {
		bad("ops.shutdown_timeout", "%d must be 0 to %d seconds", o.ShutdownTimeout, maxShutdownTimeout)
	}
	if o.Listen == "" {
		return
	}
	if msg := checkListen(o.Listen); msg != "" {
		bad("ops.listen", "%q %s", o.Listen, msg)
	}
}

// TenantMUCs returns the MUC domains of the configured tenants,
// conference.<tenant>.<domain>.
func (c *Config) TenantMUCs() []string {
	out := make([]string, 0, len(c.Web.Tenants))
	for _, t := range c.Web.Tenants {
		out = append(out, "conference."+t+"."+c.Domain)
	}
	return out
}
