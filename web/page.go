package web

import (
	"html/template"
	"net/http"

	"meetd/conf"
)

// pageTemplate is the plain page at / and /<room>. html/template escapes
// every value it inserts.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>meetd</title></head>
<body>
<h1>meetd on {{.Domain}}</h1>
<p>meetd is one Go program that replaces the Jitsi Meet server side (Prosody, Jicofo and
Jitsi Videobridge), so unmodified Jitsi Meet clients hold calls on it.</p>
{{if .Room}}<p>Room <b>{{.Room}}</b>: the Jitsi Meet web app is not served by meetd yet, so this
page cannot join the call. Jitsi client code that loads <a href="/config.js">/config.js</a>
can (XMPP over WebSocket at <code>/xmpp-websocket</code>).</p>
{{else}}<p>Client configuration: <a href="/config.js">/config.js</a>.
XMPP over WebSocket: <code>/xmpp-websocket</code>. The Jitsi Meet web app is not served yet.</p>
{{end}}</body>
</html>
`))

type pageData struct {
	Domain string
	Room   string
}

func pageHandler(cfg *conf.Config, room string) http.Handler {
	data := pageData{Domain: cfg.Domain, Room: room}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_ = pageTemplate.Execute(w, data)
	})
}
