package web

import (
	"net/http"
	"slices"
	"strings"
)

// tenantProtocols serves /<tenant>/http-bind and /<tenant>/xmpp-websocket
// as Jitsi's nginx site does for its tenants: the request goes on to
// /http-bind or /xmpp-websocket with prefix=<tenant> added to its query
// (the XMPP server needs nothing from it: a tenant's rooms are addressed by
// their MUC domain, conference.<tenant>.<domain>). Other paths, and paths
// of tenants not in web.tenants, reach next unchanged.
func tenantProtocols(tenants []string, next http.Handler) http.Handler {
	if len(tenants) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if !ok || (rest != "http-bind" && rest != "xmpp-websocket") ||
			!validTenant(tenant) || !slices.Contains(tenants, strings.ToLower(tenant)) {
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		u := *r.URL
		u.Path, u.RawPath = "/"+rest, ""
		q := u.Query()
		q.Set("prefix", strings.ToLower(tenant))
		u.RawQuery = q.Encode()
		r2.URL, r2.RequestURI = &u, u.RequestURI()
		next.ServeHTTP(w, r2)
	})
}
