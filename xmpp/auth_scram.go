package xmpp

import (
	"bytes"
	"context"

	"mellium.im/sasl"
	"mellium.im/xmpp/jid"
)

// newSCRAM starts the server side of a SCRAM exchange. The credentials
// callback records which account the exchange is for; unknown users get
// made-up credentials so that they fail at the proof like a wrong password.
func (c *c2s) newSCRAM(mech string) *sasl.Negotiator {
	m := sasl.ScramSha256
	if mech == mechSHA1 {
		m = sasl.ScramSha1
	}
	host := c.srv.login.conf().accounts
	fetch := func(user, authzid []byte, _ string) ([]byte, []byte, int64, error) {
		j, _, ok := host.lookup(string(user), c.login.host)
		if len(authzid) > 0 && (!ok || string(authzid) != j.String() && string(authzid) != string(user)) {
			return nil, nil, 0, sasl.ErrAuthn
		}
		c.login.user = jid.JID{}
		if ok {
			c.login.user = j
		}
		salt, salted, iter := host.salted(string(user), c.login.host, mech)
		return salt, salted, iter, nil
	}
	return sasl.NewServer(m, nil, sasl.SaltedCredentials(fetch))
}

// plain checks a PLAIN message "authzid\x00user\x00password".
func (c *c2s) plain(ctx context.Context, data []byte) error {
	parts := bytes.Split(data, []byte{0})
	if len(parts) != 3 {
		return c.loginFailed(ctx, textBadCredentials)
	}
	user := string(parts[1])
	j, _, ok := c.srv.login.conf().accounts.checkPlain(user, c.login.host, string(parts[2]))
	if authz := string(parts[0]); authz != "" && authz != user && authz != j.String() {
		ok = false
	}
	if !ok {
		return c.loginFailed(ctx, textBadCredentials)
	}
	return c.succeed(ctx, j, c.accountInfo(j), nil)
}

// accountInfo describes a session of a configured account.
func (c *c2s) accountInfo(j jid.JID) *authInfo {
	_, cred, _ := c.srv.login.conf().accounts.lookup(j.Localpart(), j.Domainpart())
	return &authInfo{kind: kindAccount, moderator: cred.moderator}
}

// forHost reports whether any account lives on host.
func (a *accounts) forHost(host string) bool { return a.hosts[host] }
