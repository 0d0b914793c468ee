package bridge

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/fingerprint"
	dtlsnet "github.com/pion/dtls/v3/pkg/net"
	"github.com/pion/ice/v4"
	"github.com/pion/srtp/v3"

	"meetd/bridge/pipe"
	"meetd/xmpp/jingle"
)

const dtlsHandshakeTimeout = 30 * time.Second

// connect runs ICE as the controlling agent, then the DTLS server
// handshake, then derives the SRTP contexts and starts the media path and
// (if negotiated) the SCTP bridge channel. It runs in its own goroutine.
func (e *endpoint) connect(remote remoteTransport) {
	defer e.wg.Done()
	conn, err := e.agent.Dial(e.ctx, remote.ufrag, remote.pwd)
	if err != nil {
		e.logFailure("ice", err)
		return
	}
	e.log.Debug("ice connected")
	pipe := pipe.NewDTLS(conn)
	e.wg.Add(1)
	go e.readLoop(conn, pipe)
	dconn, err := e.handshake(pipe, conn.RemoteAddr(), remote.fingerprints)
	if err != nil {
		e.logFailure("dtls", err)
		return
	}
	if err := e.startSRTP(dconn, conn, false); err != nil {
		e.logFailure("srtp", err)
		return
	}
	e.log.Debug("dtls connected, media ready")
	e.sctpReady(dconn)
}

func (e *endpoint) logFailure(stage string, err error) {
	if ctxDone(e.ctx) {
		return
	}
	e.log.Info("endpoint transport failed", "stage", stage, "err", err)
}

// handshake runs the DTLS server side and checks the client's certificate
// against the fingerprint the focus signalled.
func (e *endpoint) handshake(pipe *pipe.DTLS, raddr net.Addr, fps []jingle.Fingerprint) (*dtls.Conn, error) {
	opts := []dtls.ServerOption{dtls.WithClientAuth(dtls.RequireAnyClientCert)}
	for _, o := range e.dtlsOptions(fps) {
		opts = append(opts, o)
	}
	dconn, err := dtls.ServerWithOptions(dtlsnet.PacketConnFromConn(pipe), raddr, opts...)
	if err != nil {
		return nil, fmt.Errorf("bridge: dtls server: %w", err)
	}
	return e.runHandshake(dconn)
}

// dtlsOptions are what both DTLS roles use: the bridge's certificate, the
// SRTP profiles, extended master secret, and the peer's certificate checked
// against the signalled fingerprints instead of a CA.
func (e *endpoint) dtlsOptions(fps []jingle.Fingerprint) []dtls.Option {
	return []dtls.Option{
		dtls.WithCertificates(e.b.cert),
		dtls.WithSRTPProtectionProfiles(dtls.SRTP_AEAD_AES_128_GCM, dtls.SRTP_AES128_CM_HMAC_SHA1_80),
		dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret),
		dtls.WithInsecureSkipVerify(true),
		dtls.WithVerifyPeerCertificate(func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyFingerprint(raw, fps)
		}),
		dtls.WithLoggerFactory(e.b.pionLog),
	}
}

// runHandshake records dconn for close() and runs its handshake within
// dtlsHandshakeTimeout.
func (e *endpoint) runHandshake(dconn *dtls.Conn) (*dtls.Conn, error) {
	if !e.adoptDTLS(dconn) {
		return nil, ErrClosed
	}
	ctx, cancel := context.WithTimeout(e.ctx, dtlsHandshakeTimeout)
	defer cancel()
	if err := dconn.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("bridge: dtls handshake: %w", err)
	}
	return dconn, nil
}

// adoptDTLS records the conn for close(); false (and the conn closed) when
// the endpoint is already closing.
func (e *endpoint) adoptDTLS(c *dtls.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		_ = c.Close()
		return false
	}
	e.dtls = c
	return true
}

// verifyFingerprint accepts the peer certificate if it matches one of the
// signalled fingerprints (sha-1/224/256/384/512).
func verifyFingerprint(raw [][]byte, fps []jingle.Fingerprint) error {
	if len(raw) == 0 {
		return fmt.Errorf("%w: no certificate", ErrFingerprint)
	}
	cert, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFingerprint, err)
	}
	usable := false
	for _, fp := range fps {
		name := strings.ToLower(fp.Hash)
		if !strings.HasPrefix(name, "sha-") {
			continue // md5 and unknown algorithms are not accepted
		}
		h, err := fingerprint.HashFromString(name)
		if err != nil {
			continue
		}
		usable = true
		got, err := fingerprint.Fingerprint(cert, h)
		if err == nil && strings.EqualFold(got, strings.TrimSpace(fp.Value)) {
			return nil
		}
	}
	if !usable {
		return ErrNoFingerprint
	}
	return ErrFingerprint
}

// startSRTP derives both SRTP contexts from the DTLS keying material and
// makes the endpoint's writer (client: we were the DTLS client, a relay).
func (e *endpoint) startSRTP(dconn *dtls.Conn, conn *ice.Conn, client bool) error {
	prof, ok := dconn.SelectedSRTPProtectionProfile()
	if !ok {
		return fmt.Errorf("bridge: no SRTP profile negotiated: %w", ErrClosed)
	}
	state, ok := dconn.ConnectionState()
	if !ok {
		return fmt.Errorf("bridge: no DTLS state: %w", ErrClosed)
	}
	cfg := &srtp.Config{Profile: srtp.ProtectionProfile(prof)}
	if err := cfg.ExtractSessionKeysFromDTLS(&state, client); err != nil {
		return fmt.Errorf("bridge: srtp keys: %w", err)
	}
	enc, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, cfg.Profile)
	if err != nil {
		return fmt.Errorf("bridge: srtp context: %w", err)
	}
	dec, err := srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, cfg.Profile,
		srtp.SRTPReplayProtection(256), srtp.SRTCPReplayProtection(256))
	if err != nil {
		return fmt.Errorf("bridge: srtp context: %w", err)
	}
	e.decrypt.Store(dec)
	if _, tcp := conn.RemoteAddr().(*net.TCPAddr); tcp {
		// ICE-TCP: pion frames the datagrams (RFC 4571) and drops them
		// when the connection's write buffer is full (socket.go).
		e.out.Store(newWriter(e, enc, conn))
		e.srtpReady.Store(true)
		return nil
	}
	udp := e.b.udp
	if e.own != nil {
		udp = e.own.udp
	}
	sink, err := e.b.newSink(udp, conn)
	if err != nil {
		return err
	}
	e.sink.Store(sink)
	e.out.Store(newWriter(e, enc, sink))
	e.srtpReady.Store(true)
	return nil
}

// newSink makes a media sink on udp (the shared socket, or a relay's own)
// aimed at the remote side of conn's selected candidate pair.
func (b *Bridge) newSink(udp *net.UDPConn, conn *ice.Conn) (*udpSink, error) {
	s, err := newUDPSink(udp)
	if err != nil {
		return nil, fmt.Errorf("bridge: media socket: %w", err)
	}
	s.relay.lookup = b.relayLookup()
	ra, ok := conn.RemoteAddr().(*net.UDPAddr)
	if !ok || !s.setRemote(ra.AddrPort()) {
		return nil, fmt.Errorf("bridge: remote address %v: %w", conn.RemoteAddr(), ErrClosed)
	}
	return s, nil
}
