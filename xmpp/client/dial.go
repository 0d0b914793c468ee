package client

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// negotiation is one login in progress on a TCP connection.
type negotiation struct {
	cfg     Config
	account jid.JID
	conn    net.Conn // raw, then TLS
	r       *streamReader
	mech    string // the SASL mechanism used
}

// Dial connects, upgrades with STARTTLS, authenticates with SCRAM and binds
// a resource. The returned Conn reads stanzas until Close or connection
// loss; ctx bounds only the login.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	account, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	d := net.Dialer{}
	raw, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("xmpp client: dial %s: %w", cfg.Addr, err)
	}
	n := &negotiation{cfg: cfg, account: account, conn: raw}
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	full, err := n.login(ctx)
	if !stop() || err != nil {
		_ = n.conn.Close()
		if err == nil {
			err = ctx.Err()
		} else if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return nil, err
	}
	return newConn(n.conn, n.r, full, cfg, n.mech, false), nil
}

func (n *negotiation) login(ctx context.Context) (jid.JID, error) {
	if err := n.startTLS(ctx); err != nil {
		return jid.JID{}, err
	}
	feats, err := n.open()
	if err != nil {
		return jid.JID{}, err
	}
	if err := n.authenticate(feats); err != nil {
		return jid.JID{}, err
	}
	if feats, err = n.open(); err != nil {
		return jid.JID{}, err
	}
	if feats.Child(ns.Bind, "bind") == nil {
		return jid.JID{}, fmt.Errorf("%w: no resource binding offered", ErrProtocol)
	}
	return n.bind()
}

// open sends a stream header and returns the server's features.
func (n *negotiation) open() (*dom.Element, error) {
	n.r = newStreamReader(n.conn, n.cfg.MaxStanzaBytes)
	hdr := fmt.Sprintf(`<?xml version='1.0'?><stream:stream xmlns='%s' xmlns:stream='%s' to='%s' version='1.0'>`,
		ns.Client, ns.Streams, escapeAttr(n.account.Domainpart()))
	if _, err := io.WriteString(n.conn, hdr); err != nil {
		return nil, fmt.Errorf("xmpp client: write: %w", err)
	}
	if err := n.r.header(); err != nil {
		return nil, err
	}
	f, err := n.r.next()
	if err != nil {
		return nil, err
	}
	if !f.Is(ns.Streams, "features") {
		return nil, fmt.Errorf("%w: want stream features, got <%s>", ErrProtocol, f.Local)
	}
	return f, nil
}

func (n *negotiation) startTLS(ctx context.Context) error {
	feats, err := n.open()
	if err != nil {
		return err
	}
	if feats.Child(ns.TLS, "starttls") == nil {
		return ErrNoTLS
	}
	if err := n.write(dom.New(ns.TLS, "starttls")); err != nil {
		return err
	}
	p, err := n.r.next()
	if err != nil {
		return err
	}
	if !p.Is(ns.TLS, "proceed") {
		return fmt.Errorf("%w: STARTTLS answered with <%s>", ErrProtocol, p.Local)
	}
	tc := tls.Client(n.conn, &tls.Config{
		RootCAs: n.cfg.RootCAs, ServerName: n.cfg.ServerName, MinVersion: tls.VersionTLS12,
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("xmpp client: TLS: %w", err)
	}
	n.conn = tc
	return nil
}

func (n *negotiation) write(el *dom.Element) error {
	if _, err := io.WriteString(n.conn, el.StringIn(ns.Client)); err != nil {
		return fmt.Errorf("xmpp client: write: %w", err)
	}
	return nil
}

// bind requests the configured resource and returns the full JID.
func (n *negotiation) bind() (jid.JID, error) {
	iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("id", "bind-1")
	b := iq.AddNew(ns.Bind, "bind")
	if n.cfg.Resource != "" {
		b.AddNew(ns.Bind, "resource").SetText(n.cfg.Resource)
	}
	if err := n.write(iq); err != nil {
		return jid.JID{}, err
	}
	for {
		r, err := n.r.next()
		if err != nil {
			return jid.JID{}, err
		}
		if !r.Is(ns.Client, "iq") || r.Attr("id") != "bind-1" {
			continue
		}
		if r.Attr("type") != "result" {
			return jid.JID{}, fmt.Errorf("%w: bind refused (%s)", ErrProtocol, stanzaCondition(r))
		}
		return parseBound(r, n.account)
	}
}

// parseBound checks the bound JID is a full JID of our account.
func parseBound(r *dom.Element, account jid.JID) (jid.JID, error) {
	b := r.Child(ns.Bind, "bind")
	if b == nil || b.Child(ns.Bind, "jid") == nil {
		return jid.JID{}, fmt.Errorf("%w: bind result without a JID", ErrProtocol)
	}
	full, err := jid.Parse(b.Child(ns.Bind, "jid").Text)
	if err != nil || full.Resourcepart() == "" || !full.Bare().Equal(account) {
		return jid.JID{}, fmt.Errorf("%w: bound JID is not a full JID of %s", ErrProtocol, account)
	}
	return full, nil
}

func escapeAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
