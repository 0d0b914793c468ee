package xmpp

import (
	"context"
	"strconv"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// Stream management (XEP-0198) limits.
const (
	// smAckEvery: the server asks for an ack once this many stanzas are
	// unacknowledged (Prosody's smacks_max_unacked_stanzas in Jitsi's setup).
	smAckEvery = 5
	// smMaxUnacked bounds the stanzas kept for resending; a client that
	// stops acknowledging is disconnected beyond it.
	smMaxUnacked = 1000
)

// smState is a stream-managed session: the counters of both directions,
// the stanzas sent but not acknowledged, and, when resumable, the stream
// currently serving it. It outlives a dropped connection while hibernating.
type smState struct {
	id   string // resumption token; "" when not resumable
	sess *session

	mu        sync.Mutex
	in        uint32         // stanzas received from the client
	out       uint32         // stanzas sent to the client
	unacked   []*dom.Element // sent, not yet acknowledged, oldest first
	requested bool           // an <r/> is outstanding
	owner     *c2s           // the serving stream; nil while hibernating
	wake      chan struct{}  // closed when a hibernation ends by resumption
	dead      bool           // the session was destroyed
}

// smAllowed reports whether stream management is offered on t: not over
// BOSH, whose requests already make delivery reliable.
func smAllowed(t Transport) bool {
	_, no := t.(interface{ noStreamManagement() })
	return !no
}

// addSMFeature advertises XEP-0198 in the post-SASL features.
func (c *c2s) addSMFeature(feat *dom.Element) {
	if smAllowed(c.t) {
		feat.AddNew(ns.SM, "sm")
	}
}

// streamManagement handles an SM element after bind.
func (c *c2s) streamManagement(ctx context.Context, el *dom.Element) error {
	switch {
	case el.Local == "enable":
		return c.enableSM()
	case el.Local == "resume":
		return c.smFailed(ctx, "unexpected-request")
	case c.sm == nil:
		return nil
	case el.Local == "r":
		a := dom.New(ns.SM, "a").SetAttr("h", strconv.FormatUint(uint64(c.sm.received(false)), 10))
		return c.t.WriteElement(ctx, a)
	case el.Local == "a":
		h, err := strconv.ParseUint(el.Attr("h"), 10, 32)
		if err != nil {
			return &streamError{cond: condBadFormat, text: "ack without h"}
		}
		if !c.sm.ack(uint32(h)) {
			return &streamError{cond: condUndefined, text: "ack for stanzas never sent"}
		}
	}
	return nil
}

// enableSM answers <enable/>: <enabled/> goes through the session queue so
// the writer starts counting exactly after it.
func (c *c2s) enableSM() error {
	if c.sm != nil || !smAllowed(c.t) {
		f := dom.New(ns.SM, "failed")
		f.AddNew(ns.StanzaErr, "unexpected-request")
		push(c.sess, f)
		return nil
	}
	st := &smState{sess: c.sess, owner: c}
	en := dom.New(ns.SM, "enabled")
	if c.resumeRequested() {
		st.id = randomID(16)
		en.SetAttr("id", st.id).SetAttr("resume", "true").
			SetAttr("max", strconv.Itoa(int(c.srv.cfg.ResumeTimeout/time.Second)))
		c.srv.mu.Lock()
		c.srv.resumable[st.id] = st
		c.srv.mu.Unlock()
	}
	c.sm = st
	push(c.sess, en)
	return nil
}

func (c *c2s) resumeRequested() bool { return c.srv.cfg.ResumeTimeout > 0 }

func (c *c2s) smFailed(ctx context.Context, cond string) error {
	f := dom.New(ns.SM, "failed")
	f.AddNew(ns.StanzaErr, cond)
	return c.t.WriteElement(ctx, f)
}

// received counts one stanza from the client (count) and returns the
// count.
func (st *smState) received(count bool) uint32 {
	st.mu.Lock()
	defer st.mu.Unlock()
	if count {
		st.in++
	}
	return st.in
}

// sent records a stanza written to the client. It reports whether to ask
// for an ack now, and false for ok when the client stopped acknowledging.
func (st *smState) sent(el *dom.Element) (request, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.out++
	st.unacked = append(st.unacked, el)
	if len(st.unacked) > smMaxUnacked {
		return false, false
	}
	if len(st.unacked) >= smAckEvery && !st.requested {
		st.requested = true
		return true, true
	}
	return false, true
}

// ack drops the stanzas the client acknowledged with h; false when h
// counts stanzas that were never sent.
func (st *smState) ack(h uint32) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.requested = false
	acked := st.out - uint32(len(st.unacked))
	n := h - acked
	if n > uint32(len(st.unacked)) {
		return false
	}
	clear(st.unacked[:n])
	st.unacked = st.unacked[n:]
	return true
}

// mayResume reports whether a stream that logged in as user, with info,
// may take over the session. Like Prosody's mod_smacks it must be the same
// login: the same account; or, for logins that get a fresh address each
// time (guests, tokens), the same kind of login on the same domain — with a
// token granting the same — the resumption id being the secret then. A
// guest never takes over a token session.
func (st *smState) mayResume(user jid.JID, info *authInfo) bool {
	prev, old := st.sess.jid.Bare(), st.sess.auth
	if old == nil || info == nil || old.kind != info.kind {
		return false
	}
	switch old.kind {
	case kindAccount:
		return user.Equal(prev)
	case mechAnonymous:
		return user.Domainpart() == prev.Domainpart()
	case kindToken:
		return user.Domainpart() == prev.Domainpart() && old.grant.same(info.grant)
	}
	return false
}

// smRequest is the ack request nonza.
func smRequest() *dom.Element { return dom.New(ns.SM, "r") }
