package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"meetd/conf"
)

//go:embed devicetest
var deviceTestFiles embed.FS

// deviceTestCSP allows the page's own script, media from the devices, and
// lib-jitsi-meet's connections to this origin.
const deviceTestCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob: mediastream:; connect-src 'self' wss: https:; worker-src 'self' blob:"

// deviceTestRoutes mounts the device test page and its assets.
func deviceTestRoutes(mux *http.ServeMux, cfg *conf.Config) error {
	page, err := renderDeviceTest(cfg)
	if err != nil {
		return err
	}
	mux.HandleFunc("GET "+DeviceTestPath, func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", deviceTestCSP)
		_, _ = w.Write(page)
	})
	for name, ctype := range map[string]string{
		"devicetest.js": "application/javascript; charset=utf-8", "devicetest.css": "text/css; charset=utf-8",
	} {
		body, err := deviceTestFiles.ReadFile("devicetest/" + name)
		if err != nil {
			return err
		}
		mux.HandleFunc("GET /_meetd/"+name, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Cache-Control", cacheStatic)
			_, _ = w.Write(body)
		})
	}
	return nil
}

func renderDeviceTest(cfg *conf.Config) ([]byte, error) {
	t, err := template.ParseFS(deviceTestFiles, "devicetest/devicetest.html")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, struct{ AppName, Domain string }{cfg.Web.AppName, cfg.Domain})
	return b.Bytes(), err
}
