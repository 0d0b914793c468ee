package web

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"

	"meetd/conf"
)

// staticDirs are the web app's folders served as files, at the root and
// under a tenant (nginx: ^/(libs|css|static|…)/).
var staticDirs = map[string]bool{
	"libs": true, "css": true, "static": true, "images": true, "fonts": true,
	"lang": true, "sounds": true, "connection_optimization": true,
}

// tenantRootFiles are the web app's files it also loads under a tenant,
// /<tenant>/<name>, served from the root as Jitsi's nginx site rewrites them.
var tenantRootFiles = map[string]bool{"pwa-worker.js": true, "manifest.json": true}

// Paths inside the web app directory.
const (
	appIndex         = "index.html"
	appExternalAPI   = "libs/external_api.min.js"
	appInterfaceJS   = "interface_config.js"
	appLoggingJS     = "logging_config.js"
	InterfaceJSPath  = "/interface_config.js"
	LoggingJSPath    = "/logging_config.js"
	ExternalAPIPath  = "/external_api.js"
	maxAppFileBytes  = 4 << 20 // index.html and its fragments
	reservedPrefix   = "_"     // tenants may not start with it (/_meetd/…)
	tenantMaxLength  = 63
	roomForbiddenSet = "?&:'\"./\\%"
)

// webApp serves the Jitsi Meet web app from dir, or meetd's own page when
// dir is empty: / and /<room> (index.html), /<tenant>/<room>, the static
// folders, and the config scripts per tenant.
type webApp struct {
	cfg *conf.Config
	pub *url.URL
	dir string
	log *slog.Logger
}

func newWebApp(cfg *conf.Config, pub *url.URL, log *slog.Logger) (*webApp, error) {
	a := &webApp{cfg: cfg, pub: pub, dir: cfg.Web.AppDir, log: log}
	if a.dir == "" {
		return a, nil
	}
	st, err := os.Stat(a.dir + "/" + appIndex)
	if err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: web.app_dir %q has no index.html (is it the Jitsi Meet web app directory?)", ErrAppDir, a.dir)
	}
	return a, nil
}

func (a *webApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	a.route(w, r, "", segs)
}

func (a *webApp) route(w http.ResponseWriter, r *http.Request, tenant string, segs []string) {
	switch {
	case len(segs) == 1:
		a.top(w, r, tenant, segs[0])
	case staticDirs[segs[0]] && a.dir != "":
		a.file(w, r, path.Join(segs...))
	case tenant == "" && a.isTenant(segs[0]):
		a.route(w, r, strings.ToLower(segs[0]), segs[1:])
	default:
		http.NotFound(w, r)
	}
}

// top serves a single path segment after the root or a tenant.
func (a *webApp) top(w http.ResponseWriter, r *http.Request, tenant, name string) {
	switch name {
	case "", appIndex:
		a.index(w, r, tenant, "")
	case "config.js":
		a.script(w, a.configJS(tenant))
	case appInterfaceJS:
		a.script(w, a.interfaceJS())
	case appLoggingJS:
		a.script(w, a.loggingJS())
	case "external_api.js":
		a.file(w, r, appExternalAPI)
	default:
		a.topName(w, r, tenant, name)
	}
}

func (a *webApp) topName(w http.ResponseWriter, r *http.Request, tenant, name string) {
	if strings.Contains(name, ".") {
		if a.dir == "" || tenant != "" && !tenantRootFiles[name] {
			http.NotFound(w, r)
			return
		}
		a.file(w, r, name) // manifest.json, pwa-worker.js, favicon.ico, …
		return
	}
	if !validRoom(name) {
		http.NotFound(w, r)
		return
	}
	a.index(w, r, tenant, name)
}

// index serves index.html with its SSI expanded for tenant, or meetd's page.
func (a *webApp) index(w http.ResponseWriter, r *http.Request, tenant, room string) {
	if a.dir == "" {
		servePage(w, a.cfg, a.pub.String(), tenant, room)
		return
	}
	body, err := a.read(appIndex)
	if err != nil {
		a.log.Error("web: reading the web app's index.html", "err", err)
		http.Error(w, "the web app's index.html cannot be read", http.StatusInternalServerError)
		return
	}
	var out bytes.Buffer
	expandSSI(&out, body, a.ssiEnv(tenant), 0)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(out.Bytes())
}

func (a *webApp) ssiEnv(tenant string) ssiEnv {
	// As in Jitsi's nginx site, subdir and subdomain are only set under a
	// tenant; elsewhere echo prints its default.
	vars := map[string]string{"http_host": a.pub.Host}
	if tenant != "" {
		vars["subdir"], vars["subdomain"], vars["prefix"] = tenant+"/", tenant+".", tenant
	}
	return ssiEnv{vars: vars, include: func(p string) ([]byte, bool) { return a.fragment(tenant, p) }}
}

// fragment resolves an SSI include: the config scripts are meetd's own,
// everything else is a file of the web app (missing files are empty).
func (a *webApp) fragment(tenant, p string) ([]byte, bool) {
	switch p {
	case ConfigJSPath:
		return a.configJS(tenant), false
	case InterfaceJSPath:
		return a.interfaceJS(), false
	case LoggingJSPath:
		return a.loggingJS(), false
	}
	rel, ok := cleanAppPath(p)
	if !ok {
		return nil, false
	}
	body, err := a.read(rel)
	if err != nil {
		a.log.Debug("web: SSI include not found", "path", rel)
		return nil, false
	}
	return body, strings.HasSuffix(rel, ".html")
}

func (a *webApp) script(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(body)
}

// read returns a file of the web app; os.OpenInRoot refuses paths (and
// symbolic links) leading out of the directory.
func (a *webApp) read(rel string) ([]byte, error) {
	f, err := os.OpenInRoot(a.dir, rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxAppFileBytes))
}

// cleanAppPath turns an include path or URL path into a path relative to the
// app directory; dot files and ".." are refused.
func cleanAppPath(p string) (string, bool) {
	rel := strings.TrimPrefix(path.Clean("/"+p), "/")
	if rel == "" {
		return "", false
	}
	for _, s := range strings.Split(rel, "/") {
		if strings.HasPrefix(s, ".") {
			return "", false
		}
	}
	return rel, true
}

// isTenant reports whether s names a configured tenant ([web] tenants;
// case-insensitive, as the MUC domain is lowercased).
func (a *webApp) isTenant(s string) bool {
	return validTenant(s) && slices.Contains(a.cfg.Web.Tenants, strings.ToLower(s))
}

// validTenant accepts what can become a DNS label of the tenant's MUC
// domain, conference.<tenant>.<domain>: letters, digits, '-' and '_'.
func validTenant(s string) bool {
	if s == "" || len(s) > tenantMaxLength || strings.HasPrefix(s, reservedPrefix) || staticDirs[s] {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// validRoom mirrors Jitsi's nginx rule ^/([^/?&:'"]+)$ (and no dot, which
// marks a file); the name is never inserted into index.html.
func validRoom(s string) bool {
	return s != "" && !strings.ContainsAny(s, roomForbiddenSet) && !strings.ContainsFunc(s, isControl)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
