package muc

import (
	"strconv"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// handleService answers stanzas addressed to the bare service domain.
func (s *Service) handleService(st *dom.Element) {
	if !stanza.IsRequest(st) {
		return
	}
	q := stanza.Payload(st)
	switch {
	case st.Attr("type") == "get" && q.Is(ns.DiscoInfo, "query"):
		res := stanza.Result(st)
		info := res.AddNew(ns.DiscoInfo, "query")
		info.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "conference").
			SetAttr("type", "text").SetAttr("name", "Chatrooms")
		for _, f := range []string{ns.DiscoInfo, ns.DiscoItems, ns.MUC} {
			info.AddNew(ns.DiscoInfo, "feature").SetAttr("var", f)
		}
		s.deliver(res)
	case st.Attr("type") == "get" && q.Is(ns.DiscoItems, "query"):
		res := stanza.Result(st)
		res.AddNew(ns.DiscoItems, "query")
		s.deliver(res)
	case st.Attr("type") == "get" && q.Is(ns.Ping, "ping"):
		s.deliver(stanza.Result(st))
	default:
		s.reject(st, stanza.FeatureNotImplemented, "")
	}
}

// roomIQ answers IQs addressed to a room's bare JID.
func (s *Service) roomIQ(r *room, st *dom.Element, from jid.JID) {
	if !stanza.IsRequest(st) {
		return
	}
	q := stanza.Payload(st)
	get := st.Attr("type") == "get"
	switch {
	case get && q.Is(ns.DiscoInfo, "query"):
		s.deliver(s.withRoomInfo(r, r.discoInfo(st)))
	case get && q.Is(ns.DiscoItems, "query"):
		res := stanza.Result(st)
		res.AddNew(ns.DiscoItems, "query")
		s.deliver(res)
	case q.Is(ns.MUCAdmin, "query") && !get:
		s.adminSet(r, st, from, q)
	case q.Is(ns.MUCOwner, "query"):
		s.owner(r, st, from, q)
	case get && q.Is(ns.Ping, "ping"):
		s.deliver(stanza.Result(st))
	default:
		s.reject(st, stanza.FeatureNotImplemented, "")
	}
}

// discoInfo is the room's disco#info with the roominfo form lib-jitsi-meet
// reads (meeting id, creation time).
func (r *room) discoInfo(st *dom.Element) *dom.Element {
	res := stanza.Result(st)
	q := res.AddNew(ns.DiscoInfo, "query")
	q.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "conference").
		SetAttr("type", "text").SetAttr("name", r.jid.Localpart())
	features := []string{ns.MUC, "muc_hidden", "muc_unmoderated", "muc_nonanonymous", "muc_temporary",
		pick(r.password != "", "muc_passwordprotected", "muc_unsecured"),
		pick(r.membersOnly, "muc_membersonly", "muc_open")}
	for _, f := range features {
		q.AddNew(ns.DiscoInfo, "feature").SetAttr("var", f)
	}
	fields := [][2]string{
		{"muc#roominfo_meetingId", r.meetingID},
		{"muc#roominfo_occupants", strconv.Itoa(len(r.order))},
	}
	if r.membersOnly && r.lobby != nil {
		fields = append(fields, [2]string{"muc#roominfo_lobbyroom", r.lobby.jid.String()})
	}
	if !r.created.IsZero() {
		fields = append(fields, [2]string{"muc#roominfo_created_timestamp",
			strconv.FormatInt(r.created.UnixMilli(), 10)})
	}
	q.Add(form("result", ns.MUCRoomInfo, fields))
	return res
}

// form builds a jabber:x:data form of the given type with a FORM_TYPE.
func form(typ, formType string, fields [][2]string) *dom.Element {
	x := dom.New(ns.XData, "x").SetAttr("type", typ)
	ft := x.AddNew(ns.XData, "field").SetAttr("var", "FORM_TYPE").SetAttr("type", "hidden")
	ft.AddNew(ns.XData, "value").SetText(formType)
	for _, f := range fields {
		x.AddNew(ns.XData, "field").SetAttr("var", f[0]).AddNew(ns.XData, "value").SetText(f[1])
	}
	return x
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}
