package web

import (
	"net/http"
	"net/url"
	"strings"

	"meetd/conf"
)

// hstsMaxAge is the Strict-Transport-Security lifetime: 180 days, without
// includeSubDomains (other names of the domain are the operator's call).
const hstsMaxAge = "max-age=15552000"

// headers are the security headers every response carries.
type headers struct {
	csp  string
	hsts bool
}

// headerPolicy builds the headers for cfg: a Content-Security-Policy under
// which the Jitsi Meet web app runs (docs/operations.md#content-security-policy)
// and which keeps its pages from contacting any other origin, and HSTS
// when the certificate is one browsers trust (configured files or ACME),
// never for the self-signed one.
func headerPolicy(cfg *conf.Config, public *url.URL) headers {
	return headers{csp: contentSecurityPolicy(public), hsts: cfg.HTTP.TLSCert != "" || cfg.ACME.Enabled}
}

// contentSecurityPolicy allows the web app's own origin and data:/blob:
// URLs and nothing else. The app needs inline scripts and styles (its
// index.html), eval and WebAssembly (noise suppression, virtual
// backgrounds) and blob: workers; none of these reach another origin. An
// image URL a participant puts in its presence (an avatar) is not loaded:
// it would tell a third party every other participant's address.
func contentSecurityPolicy(public *url.URL) string {
	connect := "'self'"
	if public != nil && public.Host != "" {
		connect += " wss://" + public.Host // 'self' does not cover wss: in older Safari
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval' blob:",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: blob:",
		"media-src 'self' data: blob:",
		"font-src 'self' data:",
		"connect-src " + connect + " data: blob:",
		"worker-src 'self' blob:",
		"child-src 'self' blob:",
		"frame-src 'self'",
		"manifest-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
	}, "; ")
}

// securityHeaders sets the headers every response carries; a handler may
// replace the policy with a stricter one of its own.
func securityHeaders(p headers, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", p.csp)
		if p.hsts {
			h.Set("Strict-Transport-Security", hstsMaxAge)
		}
		next.ServeHTTP(w, r)
	})
}
