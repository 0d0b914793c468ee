package web

import "errors"

var (
	// ErrNoPublicURL is returned by New when Options.PublicURL is missing;
	// config.js cannot be rendered without it.
	ErrNoPublicURL = errors.New("web: public URL not set")

	// ErrCertificate wraps failures to load or create the TLS certificate.
	ErrCertificate = errors.New("web: tls certificate")
)

// ErrAppDir marks a web.app_dir that is not the Jitsi Meet web app.
var ErrAppDir = errors.New("web: web app directory")

// ErrACME wraps failures to obtain or renew a certificate by ACME.
var ErrACME = errors.New("web: acme")
