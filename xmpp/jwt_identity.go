package xmpp

import (
	"fmt"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// maxIdentityField bounds each identity value copied into presence.
const maxIdentityField = 512

// identity is the presence element Prosody's presence_identity module adds
// for token users: <identity><user><id/><name/>…</user><group/></identity>.
// Nil when the token has no context.user.
func (g *tokenGrant) identity() *dom.Element {
	if g.user == nil {
		return nil
	}
	id := dom.New(ns.Client, "identity")
	u := id.AddNew(ns.Client, "user")
	for _, kv := range [][2]string{
		{"id", idString(g.user.ID)}, {"name", g.user.Name},
		{"email", g.user.Email}, {"avatar", g.user.Avatar},
	} {
		if kv[1] != "" && len(kv[1]) <= maxIdentityField {
			u.AddNew(ns.Client, kv[0]).SetText(kv[1])
		}
	}
	if g.group != "" && len(g.group) <= maxIdentityField {
		id.AddNew(ns.Client, "group").SetText(g.group)
	}
	return id
}

// idString renders a user id that tokens carry as a string or a number.
func idString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%.0f", x)
	}
	return ""
}
