// Package relay is meetd's built-in TURN server (RFC 8656, on pion/turn): a
// private relay that lets clients whose networks block UDP reach the
// bridge. It listens on UDP and TCP (default port 3478) and takes TURN over
// TLS connections that the web listener hands over from the HTTPS port
// (see web/demux.go). Credentials are time-limited (the TURN REST scheme),
// peers are restricted to the bridge's own media addresses, and
// allocations are bounded per user and per source address. See
// docs/networks.md.
package relay
