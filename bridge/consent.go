package bridge

import (
	"time"

	"github.com/pion/ice/v4"
)

// Consent freshness (RFC 7675; docs/reliability.md M9). pion's ICE agent checks
// the selected pair every keepalive interval and reports the connection
// failed when nothing arrived from the client for the disconnected plus the
// failed timeout (5 s + 25 s by default: RFC 7675's 30 s). Failed is final
// for the agent: it sends no more checks. The bridge's media sink writes to
// the shared socket itself, bypassing pion, so on failure the endpoint
// stops sending (the sink drops every datagram, counted as refused sends)
// and ignores what still arrives on the pair (counted as unroutable): a
// client that stopped answering, or an address that never consented, gets
// no more media, and media sent after consent expired is not forwarded.

// iceTimers shortens the agent's consent timers; zero fields keep pion's
// defaults (production). Tests set Bridge.iceTimers before endpoints exist.
type iceTimers struct {
	disconnected, failed, keepalive time.Duration
}

func (t iceTimers) options() []ice.AgentOption {
	var o []ice.AgentOption
	if t.disconnected > 0 {
		o = append(o, ice.WithDisconnectedTimeout(t.disconnected))
	}
	if t.failed > 0 {
		o = append(o, ice.WithFailedTimeout(t.failed))
	}
	if t.keepalive > 0 {
		o = append(o, ice.WithKeepaliveInterval(t.keepalive))
	}
	return o
}

// consentState follows the agent's state: failed means consent expired.
func (e *endpoint) consentState(s ice.ConnectionState) {
	switch s {
	case ice.ConnectionStateFailed:
		e.consentLost.Store(true)
		if sk := e.sink.Load(); sk != nil {
			sk.pause()
		}
	case ice.ConnectionStateConnected:
		e.consentLost.Store(false)
		if sk := e.sink.Load(); sk != nil {
			sk.resume()
		}
	}
}
