package main

import (
	"context"
	"errors"
	"net"
	"net/http"

	"meetd/focus"
	"meetd/relay"
	"meetd/web"
	"meetd/xmpp"
)

// parts is what the wiring (run.go) hands to the lifecycle (lifecycle.go):
// the handlers web mounts, the long-running loops and how to close
// everything, in order.
type parts struct {
	xmpp       http.Handler // mounted at /xmpp-websocket
	bosh       http.Handler // mounted at /http-bind
	bridge     http.Handler // mounted at /colibri-ws/
	recordings http.Handler // mounted at /recordings/ (nil: recording off)
	mediaAddr  net.Addr     // the bound UDP media address
	runners    []runner
	closers    []func() error // called last-registered first on shutdown

	relay *relay.Server // nil when [turn] is off (relay.go)
	paths string        // the start-up line naming the media paths (relay.go)

	// listenXMPP opens the XMPP TCP listeners (xmpplisten.go).
	listenXMPP xmppListen

	stats func() []web.Metric // the parts' metrics (ops.go)

	xs           *xmpp.Server // reloaded on SIGHUP (reload.go)
	focus        *focus.Focus // drained and ended on a graceful stop (drain.go)
	participants func() int   // clients in conference rooms, for the drain

	appointments *appointmentParts               // nil unless [appointments] is on (appointment_wire.go)
	admin        http.Handler                    // the appointments' admin page, or nil
	roomGate     func(http.Handler) http.Handler // the appointments' room pages, or nil
}

// runner is a loop that runs until its context ends.
type runner struct {
	name string
	run  func(ctx context.Context) error
}

// onClose registers f to run at shutdown. Like defer, the last registered
// runs first, so a part closes before the parts it was built on.
func (p *parts) onClose(f func() error) { p.closers = append(p.closers, f) }

// close runs the closers, newest first, and joins their errors.
func (p *parts) close() error {
	var errs []error
	for i := len(p.closers) - 1; i >= 0; i-- {
		errs = append(errs, p.closers[i]())
	}
	return errors.Join(errs...)
}
