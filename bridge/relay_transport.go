package bridge

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/dtls/v3"
	dtlsnet "github.com/pion/dtls/v3/pkg/net"
	"github.com/pion/ice/v4"

	"meetd/bridge/pipe"
	"meetd/xmpp/jingle"
)

// The pause before the relay channel is dialled again: from relayRedial,
// doubled up to relayRedialMax while dialling fails.
const (
	relayRedial    = time.Second
	relayRedialMax = 30 * time.Second
)

// connectRelay runs ICE (controlling: Dial; controlled: Accept), DTLS as
// client or server, derives SRTP and, on the controlling side, opens the
// relay channel to the other bridge. Its own goroutine, like connect.
func (e *endpoint) connectRelay(remote remoteTransport, controlling bool, wsURL string) {
	defer e.wg.Done()
	var conn *ice.Conn
	var err error
	if controlling {
		conn, err = e.agent.Dial(e.ctx, remote.ufrag, remote.pwd)
	} else {
		conn, err = e.agent.Accept(e.ctx, remote.ufrag, remote.pwd)
	}
	if err != nil {
		e.logFailure("ice", err)
		return
	}
	p := pipe.NewDTLS(conn)
	e.wg.Add(1)
	go e.readLoop(conn, p)
	client := relayDTLSClient(remote.fingerprints, controlling)
	var dconn *dtls.Conn
	if client {
		dconn, err = e.clientHandshake(p, conn.RemoteAddr(), remote.fingerprints)
	} else {
		dconn, err = e.handshake(p, conn.RemoteAddr(), remote.fingerprints)
	}
	if err != nil {
		e.logFailure("dtls", err)
		return
	}
	if err := e.startSRTP(dconn, conn, client); err != nil {
		e.logFailure("srtp", err)
		return
	}
	e.log.Info("relay connected", "ice_controlling", controlling, "dtls_client", client)
	if controlling && wsURL != "" {
		e.dialRelayChannel(wsURL)
	}
}

// relayDTLSClient decides the DTLS role from the setup the focus gave for
// the other side: passive there makes us the client, active the server;
// actpass (a focus that did not choose) makes the ICE-controlling side the
// client, as the side that initiates the relay is in Jicofo.
func relayDTLSClient(fps []jingle.Fingerprint, controlling bool) bool {
	for _, fp := range fps {
		switch strings.ToLower(fp.Setup) {
		case "passive":
			return true
		case "active":
			return false
		}
	}
	return controlling
}

// clientHandshake runs the DTLS client side against the other bridge and
// checks its certificate against the signalled fingerprint.
func (e *endpoint) clientHandshake(p *pipe.DTLS, raddr net.Addr, fps []jingle.Fingerprint) (*dtls.Conn, error) {
	var opts []dtls.ClientOption
	for _, o := range e.dtlsOptions(fps) {
		opts = append(opts, o)
	}
	dconn, err := dtls.ClientWithOptions(dtlsnet.PacketConnFromConn(p), raddr, opts...)
	if err != nil {
		return nil, fmt.Errorf("bridge: dtls client: %w", err)
	}
	return e.runHandshake(dconn)
}

// dialRelayChannel keeps the relay channel to the other bridge open while
// the relay lives: dial, serve until it drops, dial again.
func (e *endpoint) dialRelayChannel(u string) {
	d := websocket.Dialer{TLSClientConfig: e.b.cfg.RelayTLS, HandshakeTimeout: 10 * time.Second,
		ReadBufferSize: 1024, WriteBufferSize: 4096}
	pause := relayRedial
	for !ctxDone(e.ctx) {
		conn, resp, err := d.DialContext(e.ctx, u, nil)
		status := 0
		if resp != nil {
			status = resp.StatusCode
			if resp.Body != nil {
				_ = resp.Body.Close()
			}
		}
		if err == nil {
			e.serveChannel(conn)
			pause = relayRedial
		} else if !ctxDone(e.ctx) {
			// The URL carries the channel's password: neither it nor an
			// error text that may quote it is logged.
			e.log.Info("relay channel dial failed", "status", status, "retry_in", pause)
			pause = min(2*pause, relayRedialMax)
		}
		select {
		case <-e.ctx.Done():
		case <-time.After(pause):
		}
	}
}
