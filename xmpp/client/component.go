package client

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// ComponentConfig says where and as which domain an external component
// (XEP-0114, jabber:component:accept) connects. The protocol has no TLS:
// use it on loopback or a private network only.
type ComponentConfig struct {
	Addr   string // the server's component host:port
	Domain string // the component's domain, e.g. jvb.example.com
	// Secret is the shared handshake secret. It is never logged.
	Secret         string
	DialTimeout    time.Duration // default 15 s
	MaxStanzaBytes int           // default 1 MiB
	Logger         *slog.Logger  // nil discards logs

	keepAlive time.Duration // whitespace interval (default 60 s)
}

func (c ComponentConfig) validate() (jid.JID, error) {
	d, err := jid.Parse(c.Domain)
	if err != nil || d.Localpart() != "" || d.Resourcepart() != "" {
		return jid.JID{}, fmt.Errorf("%w: component domain %q", ErrConfig, c.Domain)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return jid.JID{}, fmt.Errorf("%w: Addr %q: %v", ErrConfig, c.Addr, err)
	}
	if c.Secret == "" {
		return jid.JID{}, fmt.Errorf("%w: empty component secret", ErrConfig)
	}
	return d, nil
}

// asConfig carries the shared settings over to Config's defaults.
func (c ComponentConfig) asConfig() Config {
	return Config{DialTimeout: c.DialTimeout, MaxStanzaBytes: c.MaxStanzaBytes, Logger: c.Logger,
		keepAlive: c.keepAlive}.withDefaults()
}

// DialComponent connects as an external component and completes the
// handshake. The Conn's JID is the component domain; its Send keeps a
// `from` inside that domain (e.g. a MUC nick JID) and stamps the domain
// otherwise, as xmpp.LocalSession does for alias domains.
func DialComponent(ctx context.Context, cc ComponentConfig) (*Conn, error) {
	domain, err := cc.validate()
	if err != nil {
		return nil, err
	}
	cfg := cc.asConfig()
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	d := net.Dialer{}
	raw, err := d.DialContext(ctx, "tcp", cc.Addr)
	if err != nil {
		return nil, fmt.Errorf("xmpp component: dial %s: %w", cc.Addr, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	r, err := componentHandshake(raw, domain.String(), cc.Secret, cfg.MaxStanzaBytes)
	if !stop() || err != nil {
		_ = raw.Close()
		if err == nil {
			err = ctx.Err()
		}
		return nil, err
	}
	_ = raw.SetDeadline(time.Time{})
	return newConn(raw, r, domain, cfg, "component", true), nil
}

// componentHandshake sends the stream header, reads the server's stream
// id and proves the secret: hex(SHA-1(id + secret)) (XEP-0114 §3).
func componentHandshake(conn net.Conn, domain, secret string, limit int) (*streamReader, error) {
	hdr := fmt.Sprintf(`<?xml version='1.0'?><stream:stream xmlns='%s' xmlns:stream='%s' to='%s'>`,
		ns.Component, ns.Streams, escapeAttr(domain))
	if _, err := io.WriteString(conn, hdr); err != nil {
		return nil, fmt.Errorf("xmpp component: write: %w", err)
	}
	r := newStreamReader(conn, limit)
	id, err := r.headerID()
	if err != nil {
		return nil, componentErr(err)
	}
	if id == "" {
		return nil, fmt.Errorf("%w: component stream header without an id", ErrProtocol)
	}
	sum := sha1.Sum([]byte(id + secret))
	hs := dom.New(ns.Component, "handshake").SetText(hex.EncodeToString(sum[:]))
	if _, err := io.WriteString(conn, hs.StringIn(ns.Component)); err != nil {
		return nil, fmt.Errorf("xmpp component: write: %w", err)
	}
	el, err := r.next()
	if err != nil {
		return nil, componentErr(err)
	}
	if !el.Is(ns.Component, "handshake") {
		return nil, fmt.Errorf("%w: handshake answered with <%s>", ErrProtocol, el.Local)
	}
	return r, nil
}

// componentErr turns the stream errors that a retry cannot fix (wrong
// secret, unknown domain) into ErrAuth.
func componentErr(err error) error {
	if errors.Is(err, ErrStream) && (strings.Contains(err.Error(), "not-authorized") ||
		strings.Contains(err.Error(), "host-unknown")) {
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	return err
}

// requalify moves el and its descendants from namespace from to to (the
// stanza namespaces jabber:client and jabber:component:accept).
func requalify(el *dom.Element, from, to string) {
	if el.Space == from {
		el.Space = to
	}
	for _, c := range el.Children {
		requalify(c, from, to)
	}
}
