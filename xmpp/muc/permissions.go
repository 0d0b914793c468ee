package muc

import (
	"slices"
	"strconv"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// permissionsElement builds the <permissions/> extension a moderator's own
// presence carries (docs/room-features.md, "Moderator permissions"): the
// current Jitsi Meet web app enables its start-recording dialog, and lets a
// moderator stop a recording, only for a client whose permissions say
// recording is allowed, as Prosody's mod_jitsi_permissions tells moderators.
// Nil when features is empty.
func permissionsElement(features map[string]bool) *dom.Element {
	if len(features) == 0 {
		return nil
	}
	e := dom.New(ns.JitMeet, "permissions")
	names := make([]string, 0, len(features))
	for n := range features {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		e.AddNew(ns.JitMeet, "p").SetAttr("name", n).SetAttr("val", strconv.FormatBool(features[n]))
	}
	return e
}

// withPermissions adds the room's moderator permissions to p, o's own
// presence, when o is a moderator.
func (r *room) withPermissions(p *dom.Element, o *occupant) *dom.Element {
	if r.permissions != nil && o.role == roleModerator {
		p.Add(r.permissions.Copy())
	}
	return p
}
