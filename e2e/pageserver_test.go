package e2e

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// servePage serves the test page, jQuery and the lib-jitsi-meet bundle over HTTP on 127.0.0.1 (a secure
// context for getUserMedia). It returns the page URL.
func servePage(t *testing.T, tl tools) string {
	t.Helper()
	files := map[string]string{
		"/":                      "page/index.html",
		"/meetd-test.js":         "page/meetd-test.js",
		"/jquery.min.js":         tl.jquery,
		"/lib-jitsi-meet.min.js": tl.lib,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if r.URL.Path == "/favicon.ico" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, f)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}
