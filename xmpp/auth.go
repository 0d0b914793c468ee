package xmpp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"sync/atomic"

	"golang.org/x/time/rate"
	"mellium.im/sasl"
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// bindAttempts bounds the retries for a free random resource.
const bindAttempts = 4

// maxLoginFailures ends a stream after this many failed SASL attempts.
const maxLoginFailures = 5

// SASL mechanism names.
const (
	mechAnonymous = "ANONYMOUS"
	mechPlain     = "PLAIN"
	mechSHA1      = "SCRAM-SHA-1"
	mechSHA256    = "SCRAM-SHA-256"
)

// Texts of SASL failures; lib-jitsi-meet shows them.
const (
	textBadCredentials = "invalid username or password"
	textTooManyLogins  = "too many login attempts"
)

// Auth configures logins besides SASL ANONYMOUS for guests.
type Auth struct {
	// Accounts log in with SCRAM-SHA-256, SCRAM-SHA-1 or (over TLS) PLAIN.
	Accounts []Account
	// JWT enables token logins (?token= on the connection URL).
	JWT JWT
	// DenyAnonymous refuses SASL ANONYMOUS without a valid token.
	DenyAnonymous bool
	// TokenOnlyRoom names conference rooms (MUC localparts) that only a
	// token for that very room enters: no guest, no account, no token for
	// another room (appointment rooms, appointment.IsRoom). Nil: none.
	TokenOnlyRoom func(room string) bool
	// TokenRoomDirect lets a token holder of a TokenOnlyRoom room pass its
	// lobby (the host is there: the room exists only once a host started
	// it). False: the host admits them from the lobby.
	TokenRoomDirect bool
}

// Kinds of login besides mechAnonymous (authInfo.kind).
const (
	kindToken   = "token"
	kindAccount = "account"
)

// authInfo is what login established about a session. It stays with the
// session across stream resumption.
type authInfo struct {
	kind      string        // mechAnonymous, kindToken or kindAccount
	grant     *tokenGrant   // token logins: the rooms and identity allowed
	moderator bool          // token moderators and moderator accounts
	limiter   *rate.Limiter // stanzas per second; nil: unlimited
	bytes     *rate.Limiter // bytes per second; nil: unlimited
}

// loginState is a stream's SASL progress.
type loginState struct {
	host     string // the host the stream is for: Domain or AuthDomain
	mech     string
	user     jid.JID          // the account a SCRAM exchange is for
	neg      *sasl.Negotiator // running SCRAM exchange
	initial  bool             // the mechanism's initial response is awaited
	failures int
	info     *authInfo // set on success, attached to the session at bind
}

// loginService holds the server-wide login state.
type loginService struct {
	cur     atomic.Pointer[loginConfig] // replaced whole by Server.Reload
	isHost  func(string) bool
	ips     *ipTable
	preAuth *preAuthSet
}

// loginConfig is what a configuration reload replaces: the login settings,
// their accounts and token verifier, and the limits.
type loginConfig struct {
	auth     Auth
	accounts *accounts
	tokens   *tokenVerifier // nil without JWT keys
	limits   Limits
}

// conf returns the current login settings.
func (l *loginService) conf() *loginConfig { return l.cur.Load() }

// newLoginConfig validates auth and builds its accounts and verifier.
func newLoginConfig(auth Auth, limits Limits, isHost func(string) bool) (*loginConfig, error) {
	if err := auth.JWT.validate(); err != nil {
		return nil, err
	}
	acc, err := newAccounts(auth.Accounts, isHost)
	if err != nil {
		return nil, err
	}
	lc := &loginConfig{auth: auth, accounts: acc, limits: limits}
	if auth.JWT.enabled() {
		lc.tokens = newTokenVerifier(auth.JWT)
	}
	return lc, nil
}

func newLoginService(cfg Config, isHost func(string) bool) (*loginService, error) {
	lc, err := newLoginConfig(cfg.Auth, cfg.Limits, isHost)
	if err != nil {
		return nil, err
	}
	l := &loginService{isHost: isHost, ips: newIPTable(cfg.Limits, cfg.Logger),
		preAuth: newPreAuthSet(cfg.Limits.PreAuthStreams, cfg.Logger)}
	l.cur.Store(lc)
	return l, nil
}

// setHost records the host a stream opens for; false for a foreign host or
// a restart naming another host than the first open.
func (c *c2s) setHost(to string) bool {
	if to == "" {
		to = c.srv.cfg.Domain
	}
	if !c.srv.isHost(to) || (c.login.host != "" && c.login.host != to) {
		return false
	}
	c.login.host = to
	return true
}

// mechanisms lists the SASL mechanisms offered on this stream.
func (c *c2s) mechanisms() []string {
	var m []string
	lc := c.srv.login.conf()
	if (c.login.host == c.srv.cfg.Domain || c.login.host == c.srv.cfg.GuestDomain) && (!lc.auth.DenyAnonymous || lc.tokens != nil) {
		m = append(m, mechAnonymous)
	}
	if lc.accounts.forHost(c.login.host) {
		m = append(m, mechSHA256, mechSHA1)
		if infoOf(c.t).secure {
			m = append(m, mechPlain)
		}
	}
	return m
}

// addMechanisms adds the SASL feature to the pre-login stream features.
func (c *c2s) addMechanisms(feat *dom.Element) {
	mech := feat.AddNew(ns.SASL, "mechanisms")
	for _, m := range c.mechanisms() {
		mech.AddNew(ns.SASL, "mechanism").SetText(m)
	}
}

// authenticate runs SASL: auth, response and abort elements.
func (c *c2s) authenticate(ctx context.Context, el *dom.Element) error {
	if el.Space != ns.SASL {
		return &streamError{cond: condNotAuthorized, text: "stanza before authentication"}
	}
	switch el.Local {
	case "auth":
		c.login.neg, c.login.initial = nil, false
		return c.saslAuth(ctx, el)
	case "response":
		return c.saslResponse(ctx, el)
	}
	c.login.neg, c.login.initial = nil, false
	return c.saslFailure(ctx, "aborted", "")
}

func (c *c2s) saslAuth(ctx context.Context, el *dom.Element) error {
	if !c.srv.login.ips.login(infoOf(c.t).ip) {
		return c.loginFailed(ctx, textTooManyLogins)
	}
	mech := el.Attr("mechanism")
	if !slices.Contains(c.mechanisms(), mech) {
		return c.saslFailure(ctx, "invalid-mechanism", "")
	}
	data, ok := saslDecode(el.Text)
	if !ok {
		return c.saslFailure(ctx, "incorrect-encoding", "")
	}
	c.login.mech = mech
	switch {
	case mech == mechAnonymous:
		return c.anonymous(ctx)
	case len(data) == 0:
		c.login.initial = true
		return c.t.WriteElement(ctx, dom.New(ns.SASL, "challenge"))
	}
	return c.saslStep(ctx, data)
}

func (c *c2s) saslResponse(ctx context.Context, el *dom.Element) error {
	if c.login.neg == nil && !c.login.initial {
		return c.saslFailure(ctx, "malformed-request", "")
	}
	data, ok := saslDecode(el.Text)
	if !ok {
		c.login.neg, c.login.initial = nil, false
		return c.saslFailure(ctx, "incorrect-encoding", "")
	}
	c.login.initial = false
	return c.saslStep(ctx, data)
}

// saslStep feeds client data to PLAIN or the SCRAM exchange.
func (c *c2s) saslStep(ctx context.Context, data []byte) error {
	if c.login.mech == mechPlain {
		return c.plain(ctx, data)
	}
	if c.login.neg == nil {
		c.login.neg = c.newSCRAM(c.login.mech)
	}
	more, resp, err := c.login.neg.Step(data)
	if err != nil {
		// The library's error text may hold key material: never pass it on.
		c.login.neg = nil
		return c.loginFailed(ctx, textBadCredentials)
	}
	if more {
		ch := dom.New(ns.SASL, "challenge").SetText(base64.StdEncoding.EncodeToString(resp))
		return c.t.WriteElement(ctx, ch)
	}
	user := c.login.user
	c.login.neg = nil
	if user.Localpart() == "" {
		return c.loginFailed(ctx, textBadCredentials)
	}
	return c.succeed(ctx, user, c.accountInfo(user), resp)
}

func (c *c2s) anonymous(ctx context.Context) error {
	info := &authInfo{kind: mechAnonymous}
	token, lc := infoOf(c.t).token, c.srv.login.conf()
	switch {
	case token != "" && lc.tokens != nil:
		g, err := lc.tokens.verify(token)
		if err != nil {
			return c.loginFailed(ctx, err.Error())
		}
		info.kind, info.grant, info.moderator = kindToken, g, g.moderator
	case lc.auth.DenyAnonymous:
		return c.loginFailed(ctx, errTokenRequired.Error())
	}
	user, err := jid.New(stanza.NewUUID(), c.login.host, "") // Domain or GuestDomain (mechanisms)
	if err != nil {
		return fmt.Errorf("xmpp: anonymous user: %w", err)
	}
	return c.succeed(ctx, user, info, nil)
}

// succeed ends SASL: the stream restarts for the authenticated user.
func (c *c2s) succeed(ctx context.Context, user jid.JID, info *authInfo, data []byte) error {
	info.limiter, info.bytes = c.srv.newStanzaLimiter(user), c.srv.newByteLimiter(user)
	c.user, c.opened, c.login.info = user, false, info
	c.log.Debug("authenticated", "mechanism", c.login.mech, "kind", info.kind)
	s := dom.New(ns.SASL, "success")
	if len(data) > 0 {
		s.SetText(base64.StdEncoding.EncodeToString(data))
	}
	return c.t.WriteElement(ctx, s)
}

// loginFailed answers a failed login the way lib-jitsi-meet parses it
// (<not-allowed/> then <text>) and ends the stream after repeated failures.
func (c *c2s) loginFailed(ctx context.Context, text string) error {
	c.login.failures++
	c.log.Info("login failed", "mechanism", c.login.mech, "reason", text)
	if err := c.saslFailure(ctx, "not-allowed", text); err != nil {
		return err
	}
	if c.login.failures >= maxLoginFailures {
		return &streamError{cond: condPolicyViolation, text: "too many failed logins"}
	}
	return nil
}

func (c *c2s) saslFailure(ctx context.Context, cond, text string) error {
	f := dom.New(ns.SASL, "failure")
	f.AddNew(ns.SASL, cond)
	if text != "" {
		f.AddNew(ns.SASL, "text").SetText(text)
	}
	return c.t.WriteElement(ctx, f)
}

// saslDecode decodes SASL data: "=" or nothing is empty.
func saslDecode(s string) ([]byte, bool) {
	if s == "" || s == "=" {
		return nil, true
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

// bind handles resource binding; the legacy session IQ may come first.
func (c *c2s) bind(ctx context.Context, el *dom.Element) error {
	if !el.Is(ns.Client, "iq") || el.Attr("type") != "set" {
		return &streamError{cond: condNotAuthorized, text: "stanza before bind"}
	}
	b := el.Child(ns.Bind, "bind")
	if b == nil {
		return c.t.WriteElement(ctx, stanza.Bounce(el, stanza.NotAllowed, "bind first"))
	}
	var resource string
	if r := b.Child(ns.Bind, "resource"); r != nil {
		resource = r.Text
	}
	sess, err := c.register(resource)
	if err != nil {
		return c.t.WriteElement(ctx, stanza.Bounce(el, stanza.Conflict, ""))
	}
	c.srv.login.preAuth.remove(c.pre) // bound: no longer counted before the client hears so
	res := stanza.Result(el)
	res.AddNew(ns.Bind, "bind").AddNew(ns.Bind, "jid").SetText(sess.jid.String())
	if err := c.t.WriteElement(ctx, res); err != nil {
		c.srv.router.remove(sess)
		return err
	}
	c.sess = sess
	c.bound.Store(true)
	c.log = c.log.With("jid", sess.jid.String())
	c.log.Info("session bound")
	c.writerWG.Add(1)
	go c.writeLoop()
	return nil
}

// register adds the session to the router with the requested resource, or
// a random one when none was requested or it is taken.
func (c *c2s) register(resource string) (*session, error) {
	var err error
	for i := 0; i < bindAttempts; i++ {
		r := resource
		if r == "" || i > 0 {
			r = randomID(8)
		}
		var j jid.JID
		if j, err = c.user.WithResource(r); err != nil {
			continue
		}
		sess := &session{jid: j, q: newQueue(defaultQueueLen), auth: c.login.info, remote: c.remote}
		if err = c.srv.router.add(sess); err == nil {
			return sess, nil
		}
	}
	return nil, err
}

// randomID returns n random bytes in hex.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
