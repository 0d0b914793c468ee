package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"meetd/web"
	"meetd/xmpp"
)

// waitTimeout is generous: tests run on loaded 2-core machines.
const waitTimeout = 20 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// target is an XMPP server a test logs in to.
type target struct {
	addr     string
	roots    *x509.CertPool
	jid      string
	password string
	room     string // a MUC room the account may join
	// mechanism is the SASL mechanism the login must use ("" any SCRAM).
	mechanism string
	// serverName is the name in the server's certificate.
	serverName string
	// component is the XEP-0114 side: address, domain and secret.
	compAddr, compDomain, compSecret string
	// logs collects what the client logged.
	logs *syncBuffer
	// kill drops every client connection (server side).
	kill func(t *testing.T)
}

func (tg target) config() Config {
	return Config{Addr: tg.addr, JID: tg.jid, Password: tg.password, RootCAs: tg.roots,
		Resource: "test", ServerName: tg.serverName, DialTimeout: waitTimeout,
		Logger: slog.New(slog.NewTextHandler(tg.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

func (tg target) componentConfig() ComponentConfig {
	return ComponentConfig{Addr: tg.compAddr, Domain: tg.compDomain, Secret: tg.compSecret, DialTimeout: waitTimeout,
		Logger: slog.New(slog.NewTextHandler(tg.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

// selfSigned is meetd's own self-signed certificate for localhost, written
// to dir as cert.pem / key.pem, and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	cert, err := web.SelfSigned(dir, []string{"localhost"}, time.Now(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return cert, pool
}

// trackingListener remembers accepted connections so a test can drop them.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *trackingListener) dropAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

// startMeetd runs meetd's XMPP server with a c2s TCP listener and a
// service account, as cmd/meetd does.
func startMeetd(t *testing.T) target {
	t.Helper()
	cert, roots := selfSigned(t, t.TempDir())
	hash, err := xmpp.HashPassword("s3cret", 4096)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := xmpp.NewServer(xmpp.Config{
		Domain: "localhost", MUCDomain: "conference.localhost", FocusDomain: "focus.localhost",
		AuthDomain: "auth.localhost", InternalMUCDomain: "internal.auth.localhost",
		RoomCreators: []string{"focus@auth.localhost"},
		Auth:         xmpp.Auth{Accounts: []xmpp.Account{{JID: "jvb@auth.localhost", PasswordHash: hash}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &trackingListener{Listener: raw}
	if err := srv.ServeC2S(ln, &tls.Config{Certificates: []tls.Certificate{cert}}); err != nil {
		t.Fatal(err)
	}
	rawComp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	comp := &trackingListener{Listener: rawComp}
	if err := srv.ServeComponents(comp, map[string]string{"jvb.localhost": "c0mp-secret"}); err != nil {
		t.Fatal(err)
	}
	return target{
		addr: raw.Addr().String(), roots: roots, jid: "jvb@auth.localhost", password: "s3cret",
		room: "jvbbrewery@internal.auth.localhost", serverName: "localhost", mechanism: "SCRAM-SHA-256",
		compAddr: rawComp.Addr().String(), compDomain: "jvb.localhost", compSecret: "c0mp-secret",
		kill: func(*testing.T) { ln.dropAll(); comp.dropAll() },
	}
}

func ctxTimeout(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
