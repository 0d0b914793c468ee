package xmpp

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/stanza"
)

// route delivers a stanza whose from the server has stamped. It never
// blocks: deliveries are queue pushes.
func (s *Server) route(st *dom.Element) {
	toAttr := st.Attr("to")
	if toAttr == "" {
		s.toAccount(st)
		return
	}
	to, err := parseAddr(toAttr)
	if err != nil {
		s.bounce(st, stanza.JIDMalformed)
		return
	}
	d := to.Domainpart()
	alias := s.router.byAlias(d)
	switch {
	case s.toComponent(st, d, to.Localpart()):
	case s.mucs[d] != nil:
		s.mucs[d].Handle(st)
	case alias != nil:
		push(alias, st)
	case d == s.cfg.FocusDomain:
		s.bounce(st, stanza.ServiceUnavailable)
	case !s.isHost(d):
		s.bounce(st, stanza.RemoteServerNotFound)
	case to.Localpart() == "":
		if stanza.IsRequest(st) {
			s.serverIQ(st, d)
		}
	default:
		s.toUser(st, to)
	}
}

// toAccount handles a stanza without `to`: it is for the sender's own
// account, which the server answers for.
func (s *Server) toAccount(st *dom.Element) {
	if !stanza.IsRequest(st) {
		return
	}
	from, err := jid.Parse(st.Attr("from"))
	if err != nil {
		return
	}
	st.SetAttr("to", from.Bare().String())
	s.serverIQ(st, from.Bare().String())
}

// toUser delivers to a local user's full or bare JID (RFC 6120 §10.5).
func (s *Server) toUser(st *dom.Element, to jid.JID) {
	if to.Resourcepart() != "" {
		if sess := s.router.byFull(to); sess != nil {
			s.stampSessionID(sess, st)
			push(sess, st)
			return
		}
		if st.Local != "message" {
			s.bounce(st, stanza.ServiceUnavailable)
			return
		}
	}
	sessions := s.router.byBare(to)
	switch {
	case st.Local == "iq":
		s.bounce(st, stanza.ServiceUnavailable)
	case len(sessions) == 0:
		s.bounce(st, stanza.ServiceUnavailable)
	default:
		for _, sess := range sessions {
			push(sess, st.Copy())
		}
	}
}

// bounce answers st with an error from its addressee, when allowed.
func (s *Server) bounce(st *dom.Element, c stanza.Condition) {
	if stanza.MayBounce(st) {
		s.deliverLocal(stanza.Bounce(st, c, ""))
	}
}

// deliverLocal pushes st to the session named by its `to` (full JID, alias
// domain, or the first session of a bare JID) or drops it.
func (s *Server) deliverLocal(st *dom.Element) {
	to, err := jid.Parse(st.Attr("to"))
	if err != nil {
		return
	}
	if sess := s.router.byFull(to); sess != nil {
		push(sess, st)
		return
	}
	if sess := s.router.byAlias(to.Domainpart()); sess != nil {
		push(sess, st)
		return
	}
	if to.Resourcepart() == "" {
		if list := s.router.byBare(to); len(list) > 0 {
			push(list[0], st)
		}
	}
}

// localDelivery lets the MUC services deliver without re-entering routing.
type localDelivery struct{ s *Server }

// DeliverLocal implements muc.Router.
func (d localDelivery) DeliverLocal(st *dom.Element) { d.s.deliverLocal(st) }
