package web

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
)

// contentTypes are set explicitly (nosniff is on): Go's built-in table
// lacks several the web app ships, and /etc/mime.types differs by system.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".js": "application/javascript; charset=utf-8",
	".mjs": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
	".json": "application/json", ".map": "application/json", ".wasm": "application/wasm",
	".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
	".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
	".eot": "application/vnd.ms-fontobject", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
	".opus": "audio/ogg", ".wav": "audio/wav", ".mp4": "video/mp4", ".webm": "video/webm",
	".txt": "text/plain; charset=utf-8", ".xml": "application/xml", ".webmanifest": "application/manifest+json",
	".tflite": "application/octet-stream", ".onnx": "application/octet-stream", ".bin": "application/octet-stream",
}

// Cache lifetimes: versioned URLs (?v=…, as index.html writes them) never
// change; unversioned files may change with an upgrade of the web app.
const (
	cacheVersioned = "public, max-age=31536000, immutable"
	cacheStatic    = "public, max-age=3600"
)

// file serves a regular file of the web app with its type and caching.
func (a *webApp) file(w http.ResponseWriter, r *http.Request, p string) {
	rel, ok := cleanAppPath(p)
	if !ok || a.dir == "" {
		http.NotFound(w, r)
		return
	}
	f, err := os.OpenInRoot(a.dir, rel)
	if err != nil {
		a.notFound(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	ct, known := contentTypes[strings.ToLower(path.Ext(rel))]
	if !known {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Access-Control-Allow-Origin", "*")
	if r.URL.Query().Has("v") {
		h.Set("Cache-Control", cacheVersioned)
	} else {
		h.Set("Cache-Control", cacheStatic)
	}
	http.ServeContent(w, r, rel, st.ModTime(), f)
}

func (a *webApp) notFound(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, fs.ErrNotExist) {
		a.log.Debug("web: static file refused", "path", r.URL.Path, "err", err)
	}
	http.NotFound(w, r)
}
