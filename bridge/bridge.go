package bridge

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/dtls/v3/pkg/crypto/fingerprint"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	"github.com/pion/ice/v4"
	"github.com/pion/logging"
)

// Bridge is one SFU instance: a UDP media port shared by every endpoint, the
// conferences allocated on it, and the DTLS identity it presents.
type Bridge struct {
	cfg           Config
	log           *slog.Logger
	udp           *net.UDPConn
	mux           *ice.UDPMuxDefault
	tcp           *tcpMedia // nil without TCPListen (socket.go)
	cert          tls.Certificate
	certFP        string // upper-case sha-256 fingerprint of cert
	advertise     []string
	pionLog       logging.LoggerFactory
	counters      counters
	stress        stressMeter
	shuttingDown  atomic.Bool                       // Shutdown was called (shutdown.go)
	announce      chan struct{}                     // asks the session for a presence now
	bufs          sync.Pool                         // *outPacket
	relay         atomic.Pointer[RelayLookup]       // in-process TURN relay (localrelay.go)
	inbox         *relayInbox                       // datagrams from that relay (relayinbox.go)
	transportLost atomic.Pointer[TransportLostFunc] // transportlost.go
	statsMu       sync.Mutex                        // EndpointStats sampling
	iceTimers     iceTimers                         // zero: pion's consent timers (consent.go)
	inactiveAfter atomic.Int64                      // nanoseconds; zero: inactiveExpiry (inactive.go)

	mu     sync.Mutex
	confs  map[string]*conference
	closed bool
}

// New binds the UDP media port and prepares the bridge's DTLS identity.
func New(cfg Config) (*Bridge, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	laddr, err := net.ResolveUDPAddr("udp", cfg.UDPListen)
	if err != nil {
		return nil, fmt.Errorf("%w: UDPListen: %w", ErrConfig, err)
	}
	udp, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("bridge: listen %s: %w", cfg.UDPListen, err)
	}
	b := &Bridge{cfg: cfg, log: cfg.Logger, udp: udp, confs: map[string]*conference{}, announce: make(chan struct{}, 1)}
	if err := sizeSocketBuffers(udp); err != nil {
		b.log.Warn("media socket buffers not enlarged", "err", err)
	}
	unknown := unknownSourceLog{log: cfg.Logger, n: &b.counters.unroutable}
	b.pionLog = &pionLoggerFactory{log: cfg.Logger, unknownSource: func() { unknown.drop("") }}
	if err := b.makeIdentity(); err != nil {
		_ = udp.Close()
		return nil, err
	}
	b.advertise = b.advertiseIPs()
	if b.inbox, err = newRelayInbox(udp); err != nil {
		_ = udp.Close()
		return nil, fmt.Errorf("bridge: media socket: %w", err)
	}
	b.mux = ice.NewUDPMuxDefault(ice.UDPMuxParams{
		UDPConn:           stunGate{UDPConn: udp, dropped: func() { b.counters.garbage.Add(1) }, inbox: b.inbox},
		Logger:            b.pionLog.NewLogger("udpmux"),
		OnUnhandledPacket: func(_ []byte, from netip.AddrPort) { unknown.drop(from.String()) },
	})
	if b.tcp, err = listenTCPMedia(cfg.TCPListen, b.pionLog); err != nil {
		_ = b.mux.Close()
		return nil, err
	}
	return b, nil
}

func (b *Bridge) makeIdentity() error {
	cert, err := selfsign.GenerateSelfSigned()
	if err != nil {
		return fmt.Errorf("bridge: certificate: %w", err)
	}
	fp, err := certFingerprint(cert)
	if err != nil {
		return err
	}
	b.cert, b.certFP = cert, fp
	return nil
}

// certFingerprint is the upper-case sha-256 fingerprint of cert.
func certFingerprint(cert tls.Certificate) (string, error) {
	if len(cert.Certificate) == 0 {
		return "", fmt.Errorf("bridge: certificate: %w", ErrNoFingerprint)
	}
	x, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return "", fmt.Errorf("bridge: certificate: %w", err)
	}
	fp, err := fingerprint.Fingerprint(x, crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("bridge: fingerprint: %w", err)
	}
	return strings.ToUpper(fp), nil
}

func (b *Bridge) advertiseIPs() []string {
	if len(b.cfg.AdvertiseIPs) > 0 {
		return append([]string(nil), b.cfg.AdvertiseIPs...)
	}
	ip := b.UDPAddr().IP
	if ip == nil || ip.IsUnspecified() {
		return []string{"127.0.0.1"}
	}
	return []string{ip.String()}
}

// UDPAddr is the bound media address (useful when UDPListen used port 0).
func (b *Bridge) UDPAddr() *net.UDPAddr {
	a, _ := b.udp.LocalAddr().(*net.UDPAddr)
	return a
}

// Close expires every conference and releases the UDP port.
func (b *Bridge) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	confs := b.confs
	b.confs = map[string]*conference{}
	b.mu.Unlock()
	for _, c := range confs {
		c.expire()
	}
	if b.tcp != nil {
		_ = b.tcp.mux.Close()
	}
	return b.mux.Close()
}

// conference returns the conference with the given meeting-id, or nil.
func (b *Bridge) conference(meetingID string) *conference {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.confs[meetingID]
}

// removeConference forgets a conference and expires it.
func (b *Bridge) removeConference(c *conference) {
	b.mu.Lock()
	if b.confs[c.meetingID] == c {
		delete(b.confs, c.meetingID)
	}
	b.mu.Unlock()
	c.expire()
}

// counts returns the number of conferences and endpoints.
func (b *Bridge) counts() (confs, endpoints int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.confs {
		endpoints += len(c.list())
	}
	return len(b.confs), endpoints
}

// ctxDone reports whether ctx is finished.
func ctxDone(ctx context.Context) bool { return ctx.Err() != nil }
