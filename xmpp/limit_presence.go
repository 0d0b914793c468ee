package xmpp

import (
	"strings"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// maxPresenceBytes bounds one client presence: every occupant of a room
// receives each presence, so its size is multiplied by the room. Jitsi Meet's
// presences carry 1–3 KiB of extensions.
const maxPresenceBytes = 16 << 10

// presenceError returns the error presence for a client presence that
// breaks a bound — too large, a MUC nickname or display name that is too
// long or holds control or bidi-override characters, a malformed `to` — or
// nil. Unlike other errors these are answered for presence too, from the
// room (XEP-0045 §7.2), because a client waiting for its join needs one.
// el's `from` is stamped already.
func (s *Server) presenceError(el *dom.Element) *dom.Element {
	if el.Attr("type") == "error" {
		return nil
	}
	to := el.Attr("to")
	bare, nick, hasNick := strings.Cut(to, "/")
	room, roomErr := parseAddr(bare)
	isMUC := to != "" && roomErr == nil && s.mucs[room.Domainpart()] != nil
	reply := func(from string, c stanza.Condition, text string) *dom.Element {
		r := dom.New(ns.Client, "presence").SetAttr("type", "error").SetAttr("to", el.Attr("from"))
		if from != "" {
			r.SetAttr("from", from)
		}
		if id, ok := el.LookupAttr("id"); ok {
			r.SetAttr("id", id)
		}
		return r.Add(stanza.ErrorElement(c, text))
	}
	if elementBytes(el) > maxPresenceBytes {
		return reply(validOr(to, room, roomErr), stanza.PolicyViolation, "presence too large")
	}
	if isMUC && hasNick {
		if err := muc.CheckNick(nick); err != nil {
			return reply(room.String(), stanza.NotAcceptable, err.Error())
		}
	}
	if n := el.Child(ns.Nick, "nick"); n != nil {
		if err := muc.CheckDisplayName(n.Text); err != nil {
			return reply(validOr(to, room, roomErr), stanza.NotAcceptable, err.Error())
		}
	}
	if to != "" {
		if _, err := parseAddr(to); err != nil {
			return reply(validOr("", room, roomErr), stanza.JIDMalformed, "")
		}
	}
	return nil
}

// validOr returns to when it is a valid address, else the bare part when
// that one is, else "".
func validOr(to string, bare jid.JID, bareErr error) string {
	if to != "" {
		if _, err := parseAddr(to); err == nil {
			return to
		}
	}
	if bareErr == nil {
		return bare.String()
	}
	return ""
}

// elementBytes approximates the serialised size of e: names, attributes,
// namespace declarations and text. It is what a stanza costs to route.
func elementBytes(e *dom.Element) int {
	n := 2*len(e.Local) + 5 + len(e.Text)
	if e.Space != "" {
		n += len(e.Space) + 9
	}
	for _, a := range e.Attrs {
		n += len(a.Name) + len(a.Value) + 4
	}
	for _, c := range e.Children {
		n += elementBytes(c)
	}
	return n
}
