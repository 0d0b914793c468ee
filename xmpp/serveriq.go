package xmpp

import (
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// serverIQ answers an IQ request addressed to a host (or, with no `to`, to
// the sender's account); from is the address the reply comes from.
func (s *Server) serverIQ(st *dom.Element, from string) {
	q := stanza.Payload(st)
	get := st.Attr("type") == "get"
	var res *dom.Element
	switch {
	case get && q.Is(ns.Ping, "ping"), !get && q.Is(ns.Session, "session"):
		res = stanza.Result(st)
	case get && q.Is(ns.DiscoInfo, "query") && q.Attr("node") == "":
		res = stanza.Result(st).Add(s.hostInfo())
	case get && q.Is(ns.DiscoItems, "query") && q.Attr("node") == "":
		res = stanza.Result(st).Add(s.hostItems(from))
	case get && (q.Is(ns.ExtDisco2, "services") || q.Is(ns.ExtDisco1, "services")):
		res = stanza.Result(st).Add(s.externalServices(q, st.Attr("from")))
	case get && q.Is(ns.Version, "query"):
		res = stanza.Result(st)
		v := res.AddNew(ns.Version, "query")
		v.AddNew(ns.Version, "name").SetText("meetd")
	default:
		res = stanza.Bounce(st, stanza.FeatureNotImplemented, "")
	}
	res.SetAttr("from", from)
	s.deliverLocal(res)
}

func (s *Server) hostInfo() *dom.Element {
	q := dom.New(ns.DiscoInfo, "query")
	q.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "server").
		SetAttr("type", "im").SetAttr("name", "meetd")
	s.componentIdentities(q)
	s.lobbyIdentity(q)
	for _, f := range []string{ns.DiscoInfo, ns.DiscoItems, ns.Ping, ns.Version, ns.ExtDisco2} {
		q.AddNew(ns.DiscoInfo, "feature").SetAttr("var", f)
	}
	return q
}

func (s *Server) hostItems(host string) *dom.Element {
	q := dom.New(ns.DiscoItems, "query")
	if host == s.cfg.Domain {
		q.AddNew(ns.DiscoItems, "item").SetAttr("jid", s.cfg.MUCDomain)
	}
	return q
}
