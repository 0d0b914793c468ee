package muc

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// Room configuration fields the owner form carries (docs/protocols.md#room-password).
const (
	fieldSecret      = "muc#roomconfig_roomsecret"
	fieldProtected   = "muc#roomconfig_passwordprotectedroom"
	fieldMembersOnly = "muc#roomconfig_membersonly"
	maxPasswordLen   = 256
)

// configure applies a submitted owner form: password and members-only.
// Other fields are accepted and ignored. A change is announced to the
// occupants with status 104, after which clients fetch the disco#info.
func (s *Service) configure(r *room, x *dom.Element, actor jid.JID) bool {
	values := formValues(x)
	password, membersOnly := r.password, r.membersOnly
	if v, ok := values[fieldSecret]; ok && len(v) <= maxPasswordLen {
		password = v
	}
	if v, ok := values[fieldProtected]; ok && !truthy(v) {
		password = ""
	}
	if v, ok := values[fieldMembersOnly]; ok {
		membersOnly = truthy(v)
	}
	if password == r.password && membersOnly == r.membersOnly {
		return false
	}
	switched := membersOnly != r.membersOnly
	r.password, r.membersOnly = password, membersOnly
	s.log.Info("room configured", "room", r.jid.String(), "locked", password != "", "membersonly", membersOnly)
	for _, o := range r.order {
		s.deliver(r.statusMessage(o.real, statusConfigChanged))
	}
	if switched {
		s.lobbySwitched(r, actor)
	}
	return true
}

// formValues returns the first value of each field of a data form.
func formValues(x *dom.Element) map[string]string {
	m := map[string]string{}
	for _, f := range x.ChildrenNamed(ns.XData, "field") {
		v := ""
		if val := f.Child(ns.XData, "value"); val != nil {
			v = val.Text
		}
		if name := f.Attr("var"); name != "" {
			if _, dup := m[name]; !dup {
				m[name] = v
			}
		}
	}
	return m
}

func truthy(v string) bool { return v == "1" || v == "true" }

// statusMessage is a groupchat message from the room with status codes.
func (r *room) statusMessage(to jid.JID, codes ...string) *dom.Element {
	m := dom.New(ns.Client, "message")
	m.SetAttr("type", "groupchat").SetAttr("from", r.jid.String()).SetAttr("to", to.String())
	x := m.AddNew(ns.MUCUser, "x")
	for _, c := range codes {
		x.AddNew(ns.MUCUser, "status").SetAttr("code", c)
	}
	return m
}
