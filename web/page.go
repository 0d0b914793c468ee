package web

import (
	"html/template"
	"net/http"

	"meetd/conf"
)

// DeviceTestPath is the device test page (camera, microphone, connection).
const DeviceTestPath = "/_meetd/devicetest"

// AdminPath is the appointments' admin page (Options.Admin).
const AdminPath = "/_meetd/admin"

// pageTemplate is meetd's own page at / and /<room> when no web app is
// configured. html/template escapes every value it inserts.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.AppName}} – meetd</title>
<style>body{font-family:sans-serif;max-width:42em;margin:2em auto;padding:0 1em;line-height:1.45}code{background:#eee;padding:0 .2em}</style></head>
<body>
<h1>meetd on {{.Domain}}</h1>
{{if .Room}}<p>You opened the room <b>{{.Room}}</b>{{if .Tenant}} of <b>{{.Tenant}}</b>{{end}}. This server does not serve
the Jitsi Meet web app, so the call cannot start in this browser tab. Use the Jitsi Meet app (below) with the
server address <code>{{.Server}}</code> and the room name <code>{{.Room}}</code>, or ask whoever sent you the link.</p>
{{end}}<p>meetd is the server side of Jitsi Meet (XMPP server, conference focus and video bridge in one program).
Calls are joined with Jitsi Meet's own apps.</p>
<h2>Test your camera, microphone and connection</h2>
<p><a href="{{.DeviceTest}}">Open the device test</a> before your first call.</p>
<h2>Joining from a phone or tablet</h2>
<p>Install the app <b>Jitsi Meet</b>:
<a href="https://play.google.com/store/apps/details?id=org.jitsi.meet">Google Play</a>,
<a href="https://f-droid.org/packages/org.jitsi.meet/">F-Droid</a> or the
<a href="https://apps.apple.com/app/jitsi-meet/id1165103905">App Store</a>.
In the app's settings, set the server URL to <code>{{.Server}}</code>, then enter the room name.</p>
<h2>For the administrator: the web app</h2>
<p>To hold calls in the browser, meetd serves the Jitsi Meet web app from a directory:</p>
<ol>
<li>Get the web app: on Debian or Ubuntu install the package <code>jitsi-meet-web</code> from Jitsi's
package repository (it puts the app in <code>/usr/share/jitsi-meet</code>), or download a
<code>jitsi-meet-*.tar.bz2</code> release archive and unpack it.</li>
<li>Add to meetd's configuration file:<br><code>[web]<br>app_dir = "/usr/share/jitsi-meet"</code></li>
<li>Restart meetd. Rooms then open at <code>{{.Server}}/&lt;room&gt;</code>. meetd writes
<code>config.js</code> itself (<a href="/config.js">current config.js</a>); nothing in the web app needs editing.</li>
</ol>
</body>
</html>
`))

type pageData struct {
	AppName, Domain, Server string
	Tenant, Room            string
	DeviceTest              string
}

// servePage writes meetd's own page for a room (or none).
func servePage(w http.ResponseWriter, cfg *conf.Config, server, tenant, room string) {
	data := pageData{AppName: cfg.Web.AppName, Domain: cfg.Domain, Server: server,
		Tenant: tenant, Room: room, DeviceTest: DeviceTestPath}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = pageTemplate.Execute(w, data)
}
