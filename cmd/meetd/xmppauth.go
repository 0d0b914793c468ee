package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"meetd/conf"
	"meetd/xmpp"
)

// newXMPP completes xc with the [auth] and [xmpp.limits] settings and
// starts the XMPP server.
func newXMPP(cfg *conf.Config, xc xmpp.Config) (*xmpp.Server, error) {
	auth, limits, err := xmppSettings(cfg)
	if err != nil {
		return nil, err
	}
	l := cfg.XMPP.Limits
	xc.Auth, xc.Limits = auth, limits
	xc.MaxStanzaBytes = l.StanzaSize
	xc.PreAuthTimeout = time.Duration(l.PreAuthTimeout) * time.Second
	xc.BOSHInactivity = time.Duration(l.BOSHInactivity) * time.Second
	return xmpp.NewServer(xc)
}

// xmppSettings converts [auth] and [xmpp.limits] into what the XMPP server
// takes at start and on a reload (xmpp.Server.Reload).
func xmppSettings(cfg *conf.Config) (xmpp.Auth, xmpp.Limits, error) {
	auth, err := xmppAuth(cfg.Auth)
	if err == nil {
		auth, err = withAppointmentKey(cfg, auth)
	}
	l := cfg.XMPP.Limits
	return auth, xmpp.Limits{
		StanzaRate: off(l.StanzasPerSecond), StanzaBurst: int(off(float64(l.StanzaBurst))),
		BytesPerSecond: int(off(float64(l.BytesPerSecond))),
		ConnsPerIP:     int(off(float64(l.ConnectionsPerIP))), LoginsPerMinute: int(off(float64(l.LoginsPerMinute))),
		JoinRate: off(l.JoinsPerSecond), JoinBurst: int(off(float64(l.JoinBurst))),
		MaxOccupants: int(off(float64(l.MaxOccupants))), PreAuthStreams: int(off(float64(l.PreAuthConnections))),
	}, err
}

// off maps the config's "0 = off" to xmpp.Limits' "negative = off".
func off(v float64) float64 {
	if v == 0 {
		return -1
	}
	return v
}

// xmppAuth converts [auth], reading the RS256 public key file.
func xmppAuth(a conf.Auth) (xmpp.Auth, error) {
	out := xmpp.Auth{DenyAnonymous: !a.AllowAnonymous, JWT: xmpp.JWT{
		AppID: a.JWTAppID, Secret: []byte(a.JWTSecret),
		AcceptedIssuers: a.JWTAcceptedIssuers, AcceptedAudiences: a.JWTAcceptedAudiences,
	}}
	if a.JWTPublicKeyFile != "" {
		key, err := readRSAPublicKey(a.JWTPublicKeyFile)
		if err != nil {
			return out, fmt.Errorf("auth.jwt_public_key_file: %w", err)
		}
		out.JWT.PublicKey = key
	}
	for _, acc := range a.Accounts {
		out.Accounts = append(out.Accounts, xmpp.Account{JID: acc.JID, PasswordHash: acc.PasswordHash, Moderator: acc.Moderator})
	}
	return out, nil
}

func readRSAPublicKey(path string) (*rsa.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	if k, err := x509.ParsePKCS1PublicKey(blk.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA public key", path)
	}
	return rk, nil
}
