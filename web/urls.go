package web

import "net/url"

// Paths the server mounts.
const (
	XMPPWebSocketPath = "/xmpp-websocket"
	BOSHPath          = "/http-bind"
	ColibriWSPrefix   = "/colibri-ws/"
	ColibriRelayWS    = "/colibri-relay-ws/" // bridge-to-bridge relay channels
	ConfigJSPath      = "/config.js"
	RecordingsPrefix  = "/recordings/" // private recording links (package recording)
)

// XMPPWebSocketURL returns wss://<public host>/xmpp-websocket.
func XMPPWebSocketURL(public *url.URL) string {
	return withScheme(public, "wss", XMPPWebSocketPath)
}

// BOSHURL returns https://<public host>/http-bind.
func BOSHURL(public *url.URL) string {
	return withScheme(public, "https", BOSHPath)
}

// BridgeWebSocketURL returns the base of a bridge's colibri-ws URLs,
// wss://<public host>/colibri-ws/<bridgeID>; the bridge appends
// /<meeting id>/<endpoint id>?pwd=… to it.
func BridgeWebSocketURL(public *url.URL, bridgeID string) string {
	return withScheme(public, "wss", ColibriWSPrefix+url.PathEscape(bridgeID))
}

func withScheme(public *url.URL, scheme, path string) string {
	u := url.URL{Scheme: scheme, Host: public.Host, Path: path}
	return u.String()
}
